"""The deployment's channel layer (Redis pub/sub, core/channel_layer.py): sockets hear events after long silences,
and a socket that may have missed events (it fell behind, or Redis restarted) is closed so that the browser
reconnects and catches up from the database."""

import asyncio
import json
import time
from urllib.parse import urlsplit

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from conversations.consumers import frame_text
from core.channel_layer import CLOSE_RESYNC, RESYNC, PubSubChannelLayer
from core.realtime import publish, user_group
from tests.deployed_settings import deployed_setting

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

IDLE = 6.5  # longer than redis-py 8's default read timeout (5 s), which once dropped idle sockets


def _headers(client) -> list[tuple[bytes, bytes]]:  # type: ignore[no-untyped-def]
    return [(b"origin", b"http://testserver"), (b"host", b"testserver"),
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


def _layer_on(redis_url: str) -> dict:
    return {"default": {"BACKEND": "core.channel_layer.PubSubChannelLayer",
                        "CONFIG": {"hosts": [{"address": redis_url, "socket_timeout": 15}]}}}


def test_an_open_socket_hears_an_event_when_it_was_idle_longer_than_a_redis_read_timeout(client, agent):
    client.force_login(agent)

    async def scenario() -> dict:
        communicator = WebsocketCommunicator(application, "/ws/panel/", headers=_headers(client))
        connected, _ = await communicator.connect()
        assert connected
        try:
            assert await communicator.receive_nothing(timeout=IDLE, interval=0.5)
            await sync_to_async(publish)([user_group(agent.pk)], "message.created", {"n": 1})
            return await communicator.receive_json_from(timeout=5)
        finally:
            await communicator.disconnect()

    assert async_to_sync(scenario)() == {"type": "message.created", "v": 1, "data": {"n": 1}}


def test_a_channel_that_falls_its_capacity_behind_is_told_to_resync_and_hears_what_comes_after():
    hosts = [{"address": settings.REDIS_URL}]
    layer, publisher = PubSubChannelLayer(hosts=hosts, capacity=3), PubSubChannelLayer(hosts=hosts)

    async def scenario() -> list[dict]:
        channel = await layer.new_channel()
        await layer.group_add("slow", channel)
        queue = layer._get_layer().channels[channel]
        await publisher.group_send("probe-free", {"type": "warm-up"})  # the publisher's connection is open
        for number in range(5):  # three fit; the fourth finds the queue full; the fifth comes after
            await publisher.group_send("slow", {"type": "x", "n": number})
        deadline = time.monotonic() + 10
        while queue.qsize() < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        try:
            return [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(2)]
        finally:
            await layer.flush()
            await publisher.flush()

    assert async_to_sync(scenario)() == [RESYNC, {"type": "x", "n": 4}]


def test_the_sockets_of_a_group_in_one_process_share_one_decoded_message_and_one_encoded_frame():
    hosts = [{"address": settings.REDIS_URL}]
    layer, publisher = PubSubChannelLayer(hosts=hosts), PubSubChannelLayer(hosts=hosts)
    event = {"type": "message.created", "v": 1, "data": {"text": "¿Tienen el plan de 200 megas?"}}

    async def scenario() -> list[dict]:
        channels = [await layer.new_channel() for _ in range(3)]
        for channel in channels:
            await layer.group_add("queue.unassigned", channel)
        deadline = time.monotonic() + 10
        while True:  # probes until one comes back: the group's subscription is confirmed
            await publisher.group_send("queue.unassigned", {"type": "probe"})
            try:
                await asyncio.wait_for(layer.receive(channels[0]), 0.5)
                break
            except TimeoutError:
                assert time.monotonic() < deadline
        await publisher.group_send("queue.unassigned", {"type": "event.forward", "event": event})

        async def forwarded(channel: str) -> dict:
            while (message := await asyncio.wait_for(layer.receive(channel), 5))["type"] == "probe":
                pass
            return message

        try:
            return [await forwarded(channel) for channel in channels]
        finally:
            await layer.flush()
            await publisher.flush()

    first, second, third = async_to_sync(scenario)()
    assert first == {"type": "event.forward", "event": event}
    assert first is second is third  # decoded once for the process's three sockets
    assert frame_text(first) is frame_text(third)  # and encoded once
    assert json.loads(frame_text(second)) == event


def test_open_sockets_close_to_catch_up_when_the_layers_redis_restarts_and_new_ones_hear_events(
        client, agent, own_redis, settings):
    settings.CHANNEL_LAYERS = _layer_on(own_redis.url)
    client.force_login(agent)

    async def scenario() -> tuple[int, dict]:
        before = WebsocketCommunicator(application, "/ws/panel/", headers=_headers(client))
        assert (await before.connect())[0]
        await sync_to_async(publish)([user_group(agent.pk)], "message.created", {"n": 1})
        assert (await before.receive_json_from(timeout=5))["data"] == {"n": 1}

        await sync_to_async(own_redis.restart)()  # what was published meanwhile is gone
        closed = await before.receive_output(timeout=15)
        assert closed["type"] == "websocket.close"

        after = WebsocketCommunicator(application, "/ws/panel/", headers=_headers(client))
        assert (await after.connect(timeout=5))[0]
        try:
            await sync_to_async(publish)([user_group(agent.pk)], "message.created", {"n": 2})
            return closed["code"], await after.receive_json_from(timeout=5)
        finally:
            await after.disconnect()

    code, event = async_to_sync(scenario)()
    assert code == CLOSE_RESYNC  # the browser reconnects and fetches what it missed (static/panel/socket.js)
    assert event == {"type": "message.created", "v": 1, "data": {"n": 2}}


def _deployed_layer(redis_url: str) -> PubSubChannelLayer:
    """The channel layer config/settings.py builds for an installation whose REDIS_URL is ``redis_url``."""
    return PubSubChannelLayer(**deployed_setting("CHANNEL_LAYERS", REDIS_URL=redis_url)["default"]["CONFIG"])


def test_two_installations_on_one_redis_in_different_databases_do_not_hear_each_others_events():
    # Pub/sub channels belong to the whole Redis server: staging on /3 and production on /4 share them.
    base = urlsplit(settings.REDIS_URL)
    staging, production = (_deployed_layer(base._replace(path=f"/{db}").geturl()) for db in (3, 4))

    async def scenario() -> dict:
        channel = await production.new_channel()
        await production.group_add("panel.user.5", channel)
        try:
            # Redis handles the two in this order: staging's event, if production heard it, would come first.
            await staging.group_send("panel.user.5", {"type": "message.created", "from": "staging"})
            await production.group_send("panel.user.5", {"type": "message.created", "from": "production"})
            return await asyncio.wait_for(production.receive(channel), 5)
        finally:
            await staging.flush()
            await production.flush()

    assert async_to_sync(scenario)() == {"type": "message.created", "from": "production"}
