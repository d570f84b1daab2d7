"""The panel's event socket over the real ASGI application: it ends with the session, and bad frames do no harm."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.test import Client

import conversations.consumers
from config.asgi import application
from core.realtime import publish, user_group

pytestmark = pytest.mark.django_db(transaction=True)


def _socket(client: Client) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"),
               (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]
    return WebsocketCommunicator(application, "/ws/panel/", headers=headers)


async def _closed_with(communicator: WebsocketCommunicator) -> int:
    output = await communicator.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output
    return output["code"]


def test_socket_closes_when_its_session_logs_out_and_hears_nothing_after(agent):
    client = Client()
    client.force_login(agent)

    async def scenario():
        communicator = _socket(client)
        assert (await communicator.connect())[0]
        await sync_to_async(publish)([user_group(agent.pk)], "chat.message", {"text": "antes"})
        assert (await communicator.receive_json_from(timeout=3))["data"] == {"text": "antes"}

        response = await sync_to_async(client.post)("/accounts/logout/")  # as another tab of the same browser
        assert response.status_code == 302
        assert await _closed_with(communicator) == 4401
        await sync_to_async(publish)([user_group(agent.pk)], "chat.message", {"text": "después"})
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_another_browsers_socket_of_the_same_user_keeps_streaming(agent):
    phone, laptop = Client(), Client()
    phone.force_login(agent)
    laptop.force_login(agent)

    async def scenario():
        on_phone, on_laptop = _socket(phone), _socket(laptop)
        assert (await on_phone.connect())[0] and (await on_laptop.connect())[0]
        await sync_to_async(phone.post)("/accounts/logout/")
        assert await _closed_with(on_phone) == 4401
        await sync_to_async(publish)([user_group(agent.pk)], "chat.message", {"text": "hola"})
        assert (await on_laptop.receive_json_from(timeout=3))["data"] == {"text": "hola"}
        await on_laptop.disconnect()

    async_to_sync(scenario)()


def test_socket_closes_at_its_next_event_when_the_session_vanished_without_a_logout(agent, monkeypatch):
    monkeypatch.setattr(conversations.consumers, "SESSION_RECHECK_SECONDS", 0)
    client = Client()
    client.force_login(agent)

    async def scenario():
        communicator = _socket(client)
        assert (await communicator.connect())[0]
        await sync_to_async(Session.objects.all().delete)()  # expired and cleaned up, or flushed elsewhere
        await sync_to_async(publish)([user_group(agent.pk)], "chat.message", {"text": "hola"})
        assert await _closed_with(communicator) == 4401
        assert await communicator.receive_nothing(timeout=0.3)

    async_to_sync(scenario)()


@pytest.mark.parametrize(("frame", "code"), [
    ("not json", "invalid_json"),
    ("{\"type\": \"ping\"", "invalid_json"),
    ("[1, 2, 3]", "invalid_message"),
    ("\"ping\"", "invalid_message"),
    ("42", "invalid_message"),
    ("null", "invalid_message"),
    ("[" * 100_000 + "]" * 100_000, "frame_too_large"),
    ("{\"type\": \"ping\", \"pad\": \"" + "x" * 10_000 + "\"}", "frame_too_large"),
    ("[" * 2000 + "]" * 2000, "invalid_json"),  # deeper than the parser goes
])
def test_a_bad_frame_gets_an_error_and_the_socket_stays_usable(agent, frame, code):
    client = Client()
    client.force_login(agent)

    async def scenario():
        communicator = _socket(client)
        assert (await communicator.connect())[0]
        await communicator.send_to(text_data=frame)
        assert await communicator.receive_json_from(timeout=3) == {"type": "error", "code": code}
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=3) == {"type": "pong"}
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_a_binary_frame_and_odd_subscriptions_do_not_break_the_socket(agent):
    client = Client()
    client.force_login(agent)

    async def scenario():
        communicator = _socket(client)
        assert (await communicator.connect())[0]
        await communicator.send_to(bytes_data=b"\x00\xff")
        assert await communicator.receive_json_from(timeout=3) == {"type": "error", "code": "binary_frame"}
        for odd in ["9" * 1000, 2**70, "²", True, {"id": 1}, -3]:
            await communicator.send_json_to({"type": "subscribe", "conversation": odd})
            assert (await communicator.receive_json_from(timeout=3))["type"] == "subscribe.refused"
        await communicator.send_json_to({"type": ["ping"]})  # an unknown type: ignored
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=3) == {"type": "pong"}
        await communicator.disconnect()

    async_to_sync(scenario)()
