"""The browser event socket over the real ASGI app (in-memory layer, or Redis when REDIS_URL is set)."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from config.asgi import application
from core.realtime import publish_on_commit, user_group

pytestmark = pytest.mark.django_db(transaction=True)


def _headers(client=None):
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


def test_anonymous_socket_is_refused():
    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/panel/", headers=_headers())
        connected, code = await communicator.connect()
        assert not connected
        assert code == 4401

    async_to_sync(scenario)()


def test_socket_from_a_foreign_origin_is_refused(client, agent):
    client.force_login(agent)

    async def scenario():
        headers = [h for h in _headers(client) if h[0] != b"origin"] + [(b"origin", b"https://evil.example")]
        communicator = WebsocketCommunicator(application, "/ws/panel/", headers=headers)
        connected, _ = await communicator.connect()
        assert not connected

    async_to_sync(scenario)()


def test_user_hears_events_for_them_after_commit_only(client, agent, other_agent):
    client.force_login(agent)

    def publish(rollback: bool, event: str) -> None:
        with transaction.atomic():
            publish_on_commit([user_group(agent.pk)], event, {"n": 1})
            if rollback:
                transaction.set_rollback(True)

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/panel/", headers=_headers(client))
        connected, _ = await communicator.connect()
        assert connected
        await sync_to_async(publish)(True, "conversation.updated")
        assert await communicator.receive_nothing(timeout=0.3)
        await sync_to_async(publish)(False, "message.created")
        event = await communicator.receive_json_from(timeout=3)
        assert event == {"type": "message.created", "v": 1, "data": {"n": 1}}
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=3) == {"type": "pong"}
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_events_for_another_user_are_not_heard(client, agent, other_agent):
    client.force_login(agent)

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/panel/", headers=_headers(client))
        assert (await communicator.connect())[0]
        await sync_to_async(publish_on_commit)([user_group(other_agent.pk)], "chat.message", {"text": "hola"})
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()

    async_to_sync(scenario)()
