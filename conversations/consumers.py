"""The browser's event socket: one per tab, joined to the groups the user may hear."""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from importlib import import_module
from typing import Any

from channels.auth import get_user
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.http import Http404

from conversations.sandbox.selectors import sandbox_contact_id
from conversations.selectors import conversation_get_for_user, user_role_groups
from conversations.services.sandbox import SandboxSession, SandboxTokenError, sandbox_session_read
from core.channel_layer import CLOSE_RESYNC
from core.params import parse_id
from core.realtime import EVERYTHING_GROUP, QUEUE_GROUP, conversation_group, sandbox_group, session_tag

__all__ = ["EVERYTHING_GROUP", "QUEUE_GROUP", "EventsConsumer", "SandboxConsumer", "role_groups"]

# How many (conversation, seq) pairs a socket remembers to drop the second copy of an event that
# reached it through two groups (its user group and the conversation it has open).
SEEN_EVENTS = 512
# The client sends pings and subscriptions, a few dozen characters; a longer frame is refused unread.
MAX_FRAME_CHARS = 4096
# How often (at most) a socket that forwards events or answers pings asks whether its session still holds:
# it closes when the session expired, was flushed, its password changed or its user was deactivated.
SESSION_RECHECK_SECONDS = 60
CLOSE_SIGNED_OUT = 4401  # the panel's socket.js does not reconnect after it


@database_sync_to_async
def role_groups(user: Any) -> list[str]:
    return user_role_groups(user)


@database_sync_to_async
def _may_see_conversation(user: Any, conversation_id: int) -> bool:
    try:
        conversation_get_for_user(user=user, conversation_id=conversation_id)
    except Http404:
        return False
    return True


async def _still_signed_in(session_key: str | None, user_id: int) -> bool:
    """Does the session still sign in this user? Read afresh, as the next HTTP request would."""
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = await get_user({"session": store})
    return bool(user.is_authenticated and user.pk == user_id and user.is_active)


class QuickDispatch:
    """channels (4.2 on) hops to the sync thread before every message a consumer handles, to close stale database
    connections: for a socket that forwards events that hop cost more than the frame itself, once per frame
    and socket, in the web process's event loop where the webhooks are acknowledged. These consumers reach the
    database only through ``database_sync_to_async``, which closes stale connections around each call, so the
    hop is left out. Both close with ``CLOSE_RESYNC`` when the layer says events meant for them may be lost."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def layer_resync(self, message: dict[str, Any]) -> None:
        """Events meant for this socket may be lost (it fell behind, or Redis came back: core/channel_layer.py):
        close it; the browser reconnects and fetches what it missed, as after any reconnect."""
        await self.close(code=CLOSE_RESYNC)


def frame_text(message: dict[str, Any]) -> str:
    """The frame of an ``event.forward`` message: its event as JSON, encoded once. The process's sockets share
    the message the channel layer decoded (core/channel_layer.py), so the first one to send it keeps the text."""
    text = message.get("_text")
    if text is None:
        text = message["_text"] = json.dumps(message["event"])
    return text


class EventsConsumer(QuickDispatch, AsyncJsonWebsocketConsumer):
    """Refuses anonymous sockets before accepting; forwards events, never interprets them.

    Client messages: ``{"type": "ping"}`` -> ``{"type": "pong"}``; ``{"type": "subscribe", "conversation": id}``
    joins ``conversation.<id>`` (leaving the previous one) once the selector allows it and answers
    ``{"type": "subscribed" | "subscribe.refused", "conversation": id}``; ``{"type": "unsubscribe"}`` leaves it.
    When a ``conversation.assigned`` event of the open conversation passes, the selector is asked again;
    if the user may no longer see it the socket leaves the group and says ``{"type": "subscribe.revoked"}``.

    A frame that is not a small JSON object is answered ``{"type": "error", "code": ...}`` and otherwise ignored.
    The socket closes (code 4401) when its session ends: at logout (``session.end`` through the user's group,
    core/realtime.py), or when a periodic re-check finds the session gone.
    """

    groups_joined: list[str]
    conversation_group: str | None = None
    conversation_id: int | None = None
    session_tag: str | None = None
    session_checked_at: float = 0.0
    ended: bool = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.seen: OrderedDict[tuple[int, int], None] = OrderedDict()
        session_key = getattr(self.scope.get("session"), "session_key", None)
        self.session_tag = session_tag(session_key) if session_key else None
        self.session_checked_at = time.monotonic()
        self.groups_joined = await role_groups(user)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self._leave_groups()

    async def _leave_groups(self) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []
        await self._leave_conversation()

    async def _end(self) -> None:
        """The session is over: hear nothing more, and close."""
        if self.ended:
            return
        self.ended = True
        await self._leave_groups()
        await self.close(code=CLOSE_SIGNED_OUT)

    async def _session_holds(self) -> bool:
        """Re-check the session at most every SESSION_RECHECK_SECONDS; end the socket when it no longer holds."""
        if self.ended:
            return False
        if time.monotonic() - self.session_checked_at < SESSION_RECHECK_SECONDS:
            return True
        self.session_checked_at = time.monotonic()
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if await _still_signed_in(session_key, self.scope["user"].pk):
            return True
        await self._end()
        return False

    async def session_end(self, message: dict[str, Any]) -> None:
        """``session.end`` from core.realtime.sockets_close: one session's sockets, or all of the user's."""
        if message.get("session") in (None, self.session_tag):
            await self._end()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        """Frames are small JSON objects; anything else gets an error frame and the socket carries on."""
        if self.ended:
            return
        if text_data is None:
            await self._refuse("binary_frame")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self._refuse("frame_too_large")
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
            await self._refuse("invalid_json")
            return
        if not isinstance(content, dict):
            await self._refuse("invalid_message")
            return
        await self.receive_json(content)

    async def _refuse(self, code: str) -> None:
        await self.send_json({"type": "error", "code": code})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not await self._session_holds():
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "subscribe":
            await self._subscribe(content.get("conversation"))
        elif kind == "unsubscribe":
            await self._leave_conversation()

    async def _subscribe(self, raw_id: Any) -> None:
        conversation_id = parse_id(raw_id)
        await self._leave_conversation()
        if conversation_id is None or not await _may_see_conversation(self.scope["user"], conversation_id):
            await self.send_json({"type": "subscribe.refused", "conversation": raw_id})
            return
        self.conversation_group = conversation_group(conversation_id)
        self.conversation_id = conversation_id
        await self.channel_layer.group_add(self.conversation_group, self.channel_name)
        await self.send_json({"type": "subscribed", "conversation": conversation_id})

    async def _leave_conversation(self) -> None:
        if self.conversation_group:
            await self.channel_layer.group_discard(self.conversation_group, self.channel_name)
            self.conversation_group = None
            self.conversation_id = None

    def _already_sent(self, event: dict[str, Any]) -> bool:
        conversation, seq = event.get("conversation"), event.get("seq")
        if conversation is None or seq is None:
            return False
        key = (conversation, seq)
        if key in self.seen:
            return True
        self.seen[key] = None
        if len(self.seen) > SEEN_EVENTS:
            self.seen.popitem(last=False)
        return False

    async def event_forward(self, message: dict[str, Any]) -> None:
        event = message["event"]
        if self._already_sent(event) or not await self._session_holds():
            return
        await self.send(text_data=frame_text(message))
        conversation_id = event.get("conversation")
        if (
            event.get("type") == "conversation.assigned"
            and conversation_id is not None
            and conversation_id == self.conversation_id
            and not await _may_see_conversation(self.scope["user"], conversation_id)
        ):
            await self._leave_conversation()
            await self.send_json({"type": "subscribe.revoked", "conversation": conversation_id})


# ---------------------------------------------------------------------------------------------
# The sandbox's socket (/ws/sandbox/): the pretend customer's phone hears its own chat, live.
# ---------------------------------------------------------------------------------------------
SANDBOX_HELLO_SECONDS = 10  # a socket that has not said who it is by then is closed
CLOSE_SANDBOX_OFF = 4404
CLOSE_SANDBOX_TOKEN = 4403
CLOSE_SANDBOX_NO_HELLO = 4408


@database_sync_to_async
def _sandbox_contact(session: SandboxSession) -> int | None:
    return sandbox_contact_id(sender_id=session.sender_id, phone=session.phone)


def _frame_object(text_data: str | None) -> dict[str, Any] | str:
    """A frame as a small JSON object, or the code of the reason it is not one."""
    if text_data is None:
        return "binary_frame"
    if len(text_data) > MAX_FRAME_CHARS:
        return "frame_too_large"
    try:
        content = json.loads(text_data)
    except (ValueError, RecursionError):
        return "invalid_json"
    return content if isinstance(content, dict) else "invalid_message"


class SandboxConsumer(QuickDispatch, AsyncJsonWebsocketConsumer):
    """The sandbox page's socket: a visitor with no user, scoped by the signed session token it presents.

    Refused before accepting when the sandbox is off (4404). The first frame says who it is,
    ``{"type": "hello", "token": ...}``, within ``SANDBOX_HELLO_SECONDS`` (else it closes 4408); the token goes
    in a frame rather than the URL so that it stays out of access logs. A bad or expired token is answered
    ``{"type": "error", "code": "invalid_token" | "expired_token"}`` and the socket closes (4403). Otherwise it
    joins the one group of the contact behind the token (``core.realtime.sandbox_group``) and says
    ``{"type": "ready", "joined": true}``; before the customer's first line there is no contact yet
    (``"joined": false``), and ``{"type": "sync"}`` asks again. The only thing that group hears is what
    ``conversations.events.publish_to_sandbox`` sends: that customer's sandbox messages, in the customer's view,
    forwarded unchanged. ``{"type": "ping"}`` -> ``{"type": "pong"}``. No id a frame carries widens the scope.
    """

    session: SandboxSession | None = None
    token: str = ""
    group: str | None = None
    hello_timer: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        if not settings.SANDBOX_ENABLED:
            await self.close(code=CLOSE_SANDBOX_OFF)
            return
        await self.accept()
        self.hello_timer = asyncio.create_task(self._close_without_hello())

    async def _close_without_hello(self) -> None:
        await asyncio.sleep(SANDBOX_HELLO_SECONDS)
        if self.session is None:
            await self.close(code=CLOSE_SANDBOX_NO_HELLO)

    async def disconnect(self, code: int) -> None:
        if self.hello_timer is not None:
            self.hello_timer.cancel()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        content = _frame_object(text_data)
        if isinstance(content, str):
            await self.send_json({"type": "error", "code": content})
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "hello" and self.session is None:
            await self._hello(content.get("token"))
        elif kind == "sync" and self.session is not None:
            await self._join()
        else:
            await self.send_json({"type": "error", "code": "unexpected_message"})

    async def _hello(self, token: Any) -> None:
        try:
            self.session = sandbox_session_read(token=token)
        except SandboxTokenError as exc:
            await self._refuse_token(exc)
            return
        self.token = token
        if self.hello_timer is not None:
            self.hello_timer.cancel()
        await self._join()

    async def _refuse_token(self, exc: SandboxTokenError) -> None:
        self.session = None
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
        await self.send_json({"type": "error", "code": exc.code, "detail": exc.message})
        await self.close(code=CLOSE_SANDBOX_TOKEN)

    async def _join(self) -> None:
        """Join the contact's group if it exists now (once); say whether the socket hears it."""
        if self.session is not None and self.group is None:
            contact_id = await _sandbox_contact(self.session)
            if contact_id is not None:
                self.group = sandbox_group(contact_id)
                await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "ready", "joined": self.group is not None})

    async def event_forward(self, message: dict[str, Any]) -> None:
        if self.session is None:
            return
        if time.time() - self.session.issued_at > settings.SANDBOX_SESSION_HOURS * 3600:
            try:
                sandbox_session_read(token=self.token)  # says why, in the visitor's words
            except SandboxTokenError as exc:
                await self._refuse_token(exc)
                return
        await self.send_json(message["event"])
