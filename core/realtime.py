"""Real-time events to browsers, sent only after the transaction that caused them commits."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import threading
from collections.abc import Coroutine
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)


def event_payload(event_type: str, data: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON every socket receives: ``{"type": ..., "v": 1, "data": ...}``, JSON-safe.

    ``meta`` adds top-level keys, e.g. ``conversation``, ``seq`` and ``cursor`` of a logged event.
    """
    return json.loads(json.dumps({"type": event_type, "v": 1, "data": data, **(meta or {})}, cls=DjangoJSONEncoder))


class _PublishLoop:
    """One event loop per process, in a daemon thread, for sends to the Redis channel layer.

    ``async_to_sync`` called where no loop runs (a Celery worker, a command) starts a new loop each
    time, and channels_redis keeps its connections per loop: every event would open a Redis
    connection. Here the loop, and so the connection, lives as long as the process (a forked child
    starts its own).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def run(self, coroutine: Coroutine[Any, Any, None], *, timeout: float = 10.0) -> None:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                self._pid = os.getpid()
                threading.Thread(target=self._loop.run_forever, name="realtime-publish", daemon=True).start()
            loop = self._loop
        asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)


_publish_loop = _PublishLoop()


def publish(groups: list[str], event_type: str, data: dict[str, Any], meta: dict[str, Any] | None = None) -> None:
    publish_many(groups, [(event_type, data, meta)])


def publish_many(groups: list[str], events: list[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> None:
    """Send ``events`` (type, data, meta), in order, to each of ``groups``: one hop to the layer's loop."""
    _group_send(groups, [{"type": "event.forward", "event": event_payload(*event)} for event in events])


def _group_send(groups: list[str], messages: list[dict[str, Any]]) -> None:
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> None:
        for message in messages:
            for group in dict.fromkeys(groups):
                await layer.group_send(group, message)

    if isinstance(layer, InMemoryChannelLayer):
        # The embedded mode's layer lives on the server's loop: async_to_sync hops back onto it from a view's
        # thread. One hop for all groups. From any other thread (the embedded scheduler's, a task run in
        # process outside a request) async_to_sync would run the send on a loop of its own, whose put into the
        # server loop's queues does not wake that loop: the frame waited for whatever woke it next.
        server_loop = _server_loop
        if server_loop is not None and server_loop.is_running() and not _running_loop() and not _in_sync_to_async():
            asyncio.run_coroutine_threadsafe(send_all(), server_loop).result(10.0)
        else:
            async_to_sync(send_all)()
    else:
        _publish_loop.run(send_all())


# The ASGI server's event loop, where the embedded mode's in-memory layer delivers (config/asgi.py binds it).
_server_loop: asyncio.AbstractEventLoop | None = None


def server_loop_bind() -> None:
    """Called on the ASGI server's running loop: in-memory layer sends from other threads are run there."""
    global _server_loop
    _server_loop = asyncio.get_running_loop()


def _in_sync_to_async() -> bool:
    """This thread runs sync code for a running loop (a view under ASGI): async_to_sync goes back to that loop.
    asgiref leaves its thread-local set after the call, so a stopped loop there means no longer."""
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    return loop is not None and loop.is_running() and getattr(local, "main_event_loop_pid", None) == os.getpid()


def _running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def publish_on_commit(
    groups: list[str], event_type: str, data: dict[str, Any], meta: dict[str, Any] | None = None
) -> None:
    transaction.on_commit(lambda: publish(groups, event_type, data, meta))


def publish_many_on_commit(
    groups: list[str], events: list[tuple[str, dict[str, Any], dict[str, Any] | None]]
) -> None:
    transaction.on_commit(lambda: publish_many(groups, events))


# Every group name of the channel layer is built here, and only here.
QUEUE_GROUP = "queue.unassigned"  # agents who take from the unassigned queue
EVERYTHING_GROUP = "role.all"  # admins and back office: every event


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def team_group(team_id: int) -> str:
    """The supervisors of a team hear what its people do."""
    return f"team.{team_id}"


def conversation_group(conversation_id: int) -> str:
    """The people looking at one conversation."""
    return f"conversation.{conversation_id}"


def sandbox_group(contact_id: int) -> str:
    """The sandbox pages (``/sandbox/``) of one customer: their phone's view of the sandbox messages only."""
    return f"sandbox.{contact_id}"


def session_tag(session_key: str) -> str:
    """What names a session on the channel layer: a digest, never the key itself (it is a credential)."""
    return hashlib.sha256(f"crm-socket-session:{session_key}".encode()).hexdigest()[:32]


def sockets_close(*, user_id: int, session_key: str | None = None) -> None:
    """Close the user's event sockets opened with ``session_key`` (all of the user's sockets without one)."""
    message = {"type": "session.end", "session": session_tag(session_key) if session_key else None}
    _group_send([user_group(user_id)], [message])


def sockets_close_on_logout(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """``user_logged_out`` receiver (core/apps.py): the tabs of the session that ended stop streaming."""
    if user is None or user.pk is None:
        return
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None)  # still set: logout flushes the session after the signal
    transaction.on_commit(lambda: _sockets_close_or_log(user_id=user.pk, session_key=session_key))


def _sockets_close_or_log(*, user_id: int, session_key: str | None) -> None:
    try:
        sockets_close(user_id=user_id, session_key=session_key)
    except Exception:  # noqa: BLE001 - a layer that is down must not fail the logout; sockets re-check the session
        logger.warning("could not tell user %s's sockets that the session ended", user_id, exc_info=True)

