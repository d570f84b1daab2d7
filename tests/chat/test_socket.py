"""The chat's live events over the real socket (/ws/panel/): only to the people of a room, never to others."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from chat.models import Room
from chat.services import broadcast_send, chat_message_send, room_direct_get_or_create, room_mark_read
from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _headers(client: Client) -> list[tuple[bytes, bytes]]:
    return [(b"origin", b"http://testserver"), (b"host", b"testserver"),
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


async def _connect(user) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    client = Client()
    await sync_to_async(client.force_login)(user)
    communicator = WebsocketCommunicator(application, "/ws/panel/", headers=_headers(client))
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _next(communicator: WebsocketCommunicator, event_type: str) -> dict:
    """The next event of ``event_type`` (a notification may come first)."""
    for _ in range(5):
        event = await communicator.receive_json_from(timeout=3)
        if event["type"] == event_type:
            return event
    raise AssertionError(f"no {event_type}")


def _atomic(fn, **kwargs):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        return fn(**kwargs)


def test_agent_socket_hears_nothing_when_two_other_people_dm_each_other(agent, mate, supervisor, backoffice):
    room = room_direct_get_or_create(actor=supervisor, other=backoffice)

    async def scenario():
        outsider = await _connect(agent)
        reader = await _connect(backoffice)
        await sync_to_async(_atomic)(chat_message_send, actor=supervisor, room=room, body="Sobre @agente: ...")
        event = await _next(reader, "chat.message")
        assert (event["data"]["room"], event["data"]["unread_total"]) == (room.pk, 1)
        await sync_to_async(_atomic)(room_mark_read, user=backoffice, room=room)
        assert (await _next(reader, "chat.read"))["data"]["unread_total"] == 0
        assert await outsider.receive_nothing(timeout=0.5)
        await outsider.disconnect()
        await reader.disconnect()

    async_to_sync(scenario)()


def test_broadcast_reaches_the_recipient_live_and_their_reading_reaches_the_sender(supervisor, agent, mate,
                                                                                   other_agent):
    async def scenario():
        boss = await _connect(supervisor)
        reader = await _connect(agent)
        outsider = await _connect(other_agent)
        message = await sync_to_async(_atomic)(broadcast_send, actor=supervisor, team=agent.team,
                                               body="Reunión a las 10 en #T7")
        events = [await reader.receive_json_from(timeout=3) for _ in range(2)]
        chat = next(e for e in events if e["type"] == "chat.message")
        assert {e["type"] for e in events} == {"chat.message", "notification.created"}
        assert chat["data"]["room_kind"] == Room.Kind.BROADCAST
        assert chat["data"]["message"]["id"] == message.pk and chat["data"]["message"]["is_broadcast"]
        assert 'href="/tickets/7/"' in chat["data"]["message"]["html"]
        assert chat["data"]["unread_total"] == 1
        own = await boss.receive_json_from(timeout=3)
        assert (own["type"], own["data"]["unread_total"]) == ("chat.message", 0)

        await sync_to_async(_atomic)(room_mark_read, user=agent, room=message.room)
        receipt = await boss.receive_json_from(timeout=3)
        assert receipt["type"] == "chat.read"
        assert (receipt["data"]["reader_id"], receipt["data"]["message_ids"]) == (agent.pk, [message.pk])
        assert (await _next(reader, "notification.read"))["data"]["unread"] == 0  # the bell's notice too
        assert (await _next(reader, "chat.read"))["data"]["unread_total"] == 0
        assert await outsider.receive_nothing(timeout=0.5)
        for communicator in (boss, reader, outsider):
            await communicator.disconnect()

    async_to_sync(scenario)()
