"""The embedded mode's in-memory layer: an event published from a thread that is not a request's (the embedded
scheduler's, a task run in process) reaches a socket waiting in the server's loop at once, not whenever something
else wakes that loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from core import realtime


@pytest.fixture
def server_loop(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """An idle server loop in a thread of its own, bound as config/asgi.py binds the ASGI server's."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    monkeypatch.setattr(realtime, "_server_loop", None)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-server-loop", daemon=True)
    thread.start()

    async def bind() -> None:
        realtime.server_loop_bind()

    asyncio.run_coroutine_threadsafe(bind(), loop).result(5)
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_an_event_published_from_a_plain_thread_reaches_a_socket_waiting_in_the_server_loop(server_loop):
    layer = get_channel_layer()
    heard: list[dict] = []

    async def socket() -> None:
        channel = await layer.new_channel()
        await layer.group_add("queue.unassigned", channel)
        waiting.set()
        heard.append(await layer.receive(channel))

    waiting = threading.Event()
    listening = asyncio.run_coroutine_threadsafe(socket(), server_loop)
    assert waiting.wait(5)
    time.sleep(0.2)  # the loop is idle now: nothing but the event can wake it

    realtime.publish(["queue.unassigned"], "conversation.updated", {"id": 7})

    listening.result(2)  # before the fix it waited for ever: the put did not wake the loop
    assert heard[0]["event"]["type"] == "conversation.updated" and heard[0]["event"]["data"] == {"id": 7}


def test_a_publish_without_a_server_loop_still_reaches_the_in_memory_layer(settings, monkeypatch):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    monkeypatch.setattr(realtime, "_server_loop", None)
    layer = get_channel_layer()

    async def join() -> str:
        channel = await layer.new_channel()
        await layer.group_add("queue.unassigned", channel)
        return channel

    channel = async_to_sync(join)()
    realtime.publish(["queue.unassigned"], "conversation.updated", {"id": 8})
    message = async_to_sync(layer.receive)(channel)
    assert message["event"]["data"] == {"id": 8}
