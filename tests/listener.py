"""Hearing what the channel layer carries to groups, as a web process's socket would."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

READY = "listener.ready"


class Listener:
    """A channel in ``groups``, read after the events were published.

    The Redis pub/sub layer delivers to the subscribers that exist when an event is published, in the event loop
    that subscribed (core/channel_layer.py), as it does for a web process's sockets. So the listener subscribes
    in a loop of its own that runs in a thread until ``close()``, and waits until Redis confirms the subscription
    (a probe published to each group comes back). The embedded mode's in-memory layer keeps what was sent:
    there it is read in the caller's thread.
    """

    def __init__(self, *groups: str) -> None:
        self.layer = get_channel_layer()
        self._loop: asyncio.AbstractEventLoop | None = None
        if not isinstance(self.layer, InMemoryChannelLayer):
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="test-listener", daemon=True)
            self._thread.start()
        self.channel: str = self._run(self.layer.new_channel())
        for group in groups:
            self._run(self.layer.group_add(group, self.channel))
        if self._loop is not None:
            self._run(self._heard_probes(groups))

    def _run(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
        if self._loop is None:

            async def awaited() -> Any:
                return await coroutine

            return async_to_sync(awaited)()
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _heard_probes(self, groups: tuple[str, ...]) -> None:
        for group in groups:
            deadline = time.monotonic() + 10
            while True:
                await self.layer.group_send(group, {"type": READY, "group": group})
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), timeout=0.5)
                except TimeoutError:
                    if time.monotonic() > deadline:
                        raise
                    continue
                if message == {"type": READY, "group": group}:
                    break

    async def _collect(self, wait: float, first_wait: float) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            try:
                timeout = wait if found else first_wait
                message = await asyncio.wait_for(self.layer.receive(self.channel), timeout=timeout)
            except TimeoutError:
                return found
            if message.get("type") != READY:
                found.append(message)

    def messages(self, *, wait: float = 0.3, first_wait: float = 2.0) -> list[dict[str, Any]]:
        """What arrived so far: waits ``first_wait`` for the first message, then ``wait`` for each next one."""
        return self._run(self._collect(wait, first_wait), timeout=first_wait + 60)

    def events(self, *, wait: float = 0.3, first_wait: float = 2.0) -> list[dict[str, Any]]:
        """The events forwarded to sockets (``event.forward``), as the JSON frames a browser would read."""
        return [message["event"] for message in self.messages(wait=wait, first_wait=first_wait)
                if message.get("type") == "event.forward"]

    def next_event(self, *, timeout: float = 5.0) -> dict[str, Any]:
        """The next event forwarded to sockets; fails the test when none comes within ``timeout``."""

        async def receive() -> dict[str, Any]:
            while True:
                message = await asyncio.wait_for(self.layer.receive(self.channel), timeout=timeout)
                if message.get("type") == "event.forward":
                    return message["event"]

        try:
            return self._run(receive(), timeout=timeout + 30)
        except TimeoutError:
            pytest.fail(f"no event reached the channel within {timeout} s")

    def close(self) -> None:
        if self._loop is None:
            return
        loop, self._loop = self._loop, None
        asyncio.run_coroutine_threadsafe(self.layer.flush(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(30)
        loop.close()  # the layer forgets the loop's connections with it


@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    """``listener(*groups)``: a ``Listener`` closed when the test ends."""
    opened: list[Listener] = []

    def open_listener(*groups: str) -> Listener:
        opened.append(Listener(*groups))
        return opened[-1]

    yield open_listener
    for each in opened:
        each.close()
