"""The Redis channel layer keeps an idle socket alive: its blocking receive must not time out on the client side.

channels_redis waits for a socket's next event with ``BZPOPMIN`` for ``RedisChannelLayer.brpop_timeout`` (5 s)
and then asks again. redis-py 8 gives every connection a 5 s read timeout by default, so an idle receive timed
out on the client first ("Timeout reading from ..."): the connection was dropped and the socket's consumer
died with it, and events published meanwhile never reached the page.
"""

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from django.conf import settings

from config.asgi import application
from core.realtime import publish, user_group

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

IDLE = RedisChannelLayer.brpop_timeout + 1.5  # longer than one blocking receive


def _redis_layer() -> RedisChannelLayer:
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
    if not isinstance(layer, RedisChannelLayer):
        pytest.fail(f"the channel layer is not Redis with REDIS_URL set: {settings.CHANNEL_LAYERS}")
    return layer


def test_the_layers_redis_connections_wait_longer_than_its_blocking_receive_when_configured():
    layer = _redis_layer()
    for index in range(layer.ring_size):
        pool = layer.create_pool(index)
        timeout = pool.connection_class(**pool.connection_kwargs).socket_timeout  # redis-py's default when unset
        assert timeout is None or timeout > layer.brpop_timeout + 1


def test_a_receive_gets_its_message_when_the_channel_was_idle_longer_than_a_blocking_receive():
    layer = _redis_layer()

    async def scenario() -> tuple[dict, float]:
        channel = await layer.new_channel()
        started = time.monotonic()

        async def send_later() -> None:
            await sync_to_async(time.sleep)(IDLE)
            await layer.send(channel, {"type": "hello"})

        task = asyncio.ensure_future(send_later())
        try:
            message = await asyncio.wait_for(layer.receive(channel), timeout=IDLE + 5)
        finally:
            await task
            await layer.close_pools()
        return message, time.monotonic() - started

    message, waited = async_to_sync(scenario)()
    assert message == {"type": "hello"}
    assert waited >= IDLE


def _headers(client) -> list[tuple[bytes, bytes]]:  # type: ignore[no-untyped-def]
    return [(b"origin", b"http://testserver"), (b"host", b"testserver"),
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


def test_an_open_socket_hears_an_event_when_it_was_idle_longer_than_a_blocking_receive(client, agent):
    client.force_login(agent)

    async def scenario() -> dict:
        communicator = WebsocketCommunicator(application, "/ws/panel/", headers=_headers(client))
        connected, _ = await communicator.connect()
        assert connected
        try:
            # Nothing for longer than one BZPOPMIN: the layer must ask again, not drop the consumer.
            assert await communicator.receive_nothing(timeout=IDLE, interval=0.5)
            await sync_to_async(publish)([user_group(agent.pk)], "message.created", {"n": 1})
            return await communicator.receive_json_from(timeout=5)
        finally:
            await communicator.disconnect()

    assert async_to_sync(scenario)() == {"type": "message.created", "v": 1, "data": {"n": 1}}
