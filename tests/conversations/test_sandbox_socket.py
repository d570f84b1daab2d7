"""The sandbox's live stream (/ws/sandbox/) against the real ASGI application: a socket hears only the chat of the
customer its signed token names, and nothing it sends widens that."""

from __future__ import annotations

import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from conversations import consumers
from conversations.models import ChannelAccount, Conversation, Message
from conversations.services.accounts import channel_accounts_sync_from_env
from conversations.services.outbound import message_send
from integrations.base import Provider
from tests.conversations.conftest import drain, twilio_params

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


@pytest.fixture
def sandbox(settings):  # type: ignore[no-untyped-def]
    """The sandbox on, every account's AI off (these tests are about who hears what)."""
    settings.SANDBOX_ENABLED = True
    channel_accounts_sync_from_env()
    ChannelAccount.objects.update(ai_mode=ChannelAccount.AIMode.OFF)
    return settings


def _start(phone: str, name: str) -> str:
    response = Client().post("/sandbox/start/", {"phone": phone, "name": name}, content_type="application/json")
    assert response.status_code == 200
    return response.json()["token"]


def _say(token: str, text: str, client_id: str) -> None:
    response = Client().post("/sandbox/messages/", {"text": text, "client_id": client_id},
                             content_type="application/json", headers={"X-Sandbox-Token": token})
    assert response.status_code == 202, response.content
    drain()


def _agent_replies(phone: str, text: str) -> int:
    conversation = Conversation.objects.get(channel_account__provider=Provider.SANDBOX, contact__phone=phone)
    message = message_send(conversation=conversation, text=text)
    drain()  # the send; its "delivered" report waits for the next pass
    drain()
    return message.pk


async def _socket() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/sandbox/", headers=HEADERS)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _hello(communicator: WebsocketCommunicator, token: str) -> dict:
    await communicator.send_json_to({"type": "hello", "token": token})
    return await communicator.receive_json_from(timeout=3)


def test_the_socket_is_refused_when_the_sandbox_is_off(settings):
    settings.SANDBOX_ENABLED = False

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/sandbox/", headers=HEADERS)
        connected, code = await communicator.connect()
        assert not connected and code == consumers.CLOSE_SANDBOX_OFF
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_a_bad_token_is_told_and_the_socket_closes(sandbox):
    async def scenario():
        communicator = await _socket()
        answer = await _hello(communicator, "v1.forged.token")
        assert (answer["type"], answer["code"]) == ("error", "invalid_token") and answer["detail"]
        assert (await communicator.receive_output(timeout=3)) == {"type": "websocket.close",
                                                                  "code": consumers.CLOSE_SANDBOX_TOKEN}
        await communicator.disconnect()  # the browser's side of the close: the consumer ends in this loop

    async_to_sync(scenario)()


def test_a_socket_that_never_says_hello_is_closed(sandbox, monkeypatch):
    monkeypatch.setattr(consumers, "SANDBOX_HELLO_SECONDS", 0.1)

    async def scenario():
        communicator = await _socket()
        assert (await communicator.receive_output(timeout=3)) == {"type": "websocket.close",
                                                                  "code": consumers.CLOSE_SANDBOX_NO_HELLO}
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_one_sandbox_session_never_hears_another_customers_chat_or_a_real_channel(sandbox, post_twilio):
    rosa = _start("+51987654321", "Rosa Quispe")
    carlos = _start("+51912345678", "Carlos Mendoza")
    _say(rosa, "Hola, soy Rosa", "rosa-line-0001")
    _say(carlos, "Hola, soy Carlos", "carlos-line-01")

    async def scenario():
        rosa_socket, carlos_socket = await _socket(), await _socket()
        assert await _hello(rosa_socket, rosa) == {"type": "ready", "joined": True}
        assert await _hello(carlos_socket, carlos) == {"type": "ready", "joined": True}

        # An agent answers Rosa on the sandbox: her phone hears the message and its ticks; Carlos's hears nothing.
        reply_id = await sync_to_async(_agent_replies)("+51987654321", "¡Hola Rosa! ¿En qué distrito vives?")
        heard = []
        while len(heard) < 3:
            heard.append(await rosa_socket.receive_json_from(timeout=3))
        assert [(e["type"], e["data"]["id"], e["data"]["status"]) for e in heard] == [
            ("message.created", reply_id, "queued"), ("message.updated", reply_id, "sent"),
            ("message.updated", reply_id, "delivered")]
        assert heard[0]["data"]["text"] == "¡Hola Rosa! ¿En qué distrito vives?"
        assert "author" not in heard[0]["data"] and "error_code" not in heard[0]["data"]
        assert await carlos_socket.receive_nothing(timeout=0.3)

        # Rosa writes on the real WhatsApp number too: that conversation never reaches her sandbox phone.
        await sync_to_async(lambda: post_twilio(twilio_params(Body="Por WhatsApp de verdad")))()
        await sync_to_async(drain)()
        assert await rosa_socket.receive_nothing(timeout=0.3)

        # A socket cannot ask for someone else's conversation: there is no such frame.
        carlos_chat = await sync_to_async(
            lambda: Conversation.objects.get(channel_account__provider=Provider.SANDBOX,
                                             contact__phone="+51912345678").pk)()
        await rosa_socket.send_json_to({"type": "subscribe", "conversation": carlos_chat})
        assert (await rosa_socket.receive_json_from(timeout=3))["code"] == "unexpected_message"
        await rosa_socket.send_json_to({"type": "hello", "token": carlos})  # a second hello changes nothing
        assert (await rosa_socket.receive_json_from(timeout=3))["code"] == "unexpected_message"
        await sync_to_async(_agent_replies)("+51912345678", "Hola Carlos")
        assert [(await carlos_socket.receive_json_from(timeout=3))["type"] for _ in range(3)] == [
            "message.created", "message.updated", "message.updated"]
        assert await rosa_socket.receive_nothing(timeout=0.3)

        for communicator in (rosa_socket, carlos_socket):
            await communicator.disconnect()

    async_to_sync(scenario)()


def test_a_socket_opened_before_the_first_line_joins_on_sync(sandbox):
    token = _start("+51955444333", "Ana Torres")

    async def scenario():
        communicator = await _socket()
        assert await _hello(communicator, token) == {"type": "ready", "joined": False}
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=3) == {"type": "pong"}
        await sync_to_async(_say)(token, "Hola, soy Ana", "ana-line-0001")
        await communicator.send_json_to({"type": "sync"})
        assert await communicator.receive_json_from(timeout=3) == {"type": "ready", "joined": True}
        reply_id = await sync_to_async(_agent_replies)("+51955444333", "Hola Ana")
        event = await communicator.receive_json_from(timeout=3)
        assert (event["type"], event["data"]["id"], event["data"]["direction"]) == ("message.created", reply_id, "out")
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_bad_frames_get_an_error_and_the_socket_carries_on(sandbox):
    async def scenario():
        communicator = await _socket()
        for frame, code in (("not json", "invalid_json"), ("[1]", "invalid_message"), ("x" * 5000, "frame_too_large")):
            await communicator.send_to(text_data=frame)
            assert await communicator.receive_json_from(timeout=3) == {"type": "error", "code": code}
        await communicator.send_to(bytes_data=b"\x00")
        assert (await communicator.receive_json_from(timeout=3))["code"] == "binary_frame"
        await communicator.send_json_to({"type": "sync"})  # before hello: refused
        assert (await communicator.receive_json_from(timeout=3))["code"] == "unexpected_message"
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_system_lines_never_reach_the_phone(sandbox):
    token = _start("+51987654321", "Rosa Quispe")
    _say(token, "Hola", "rosa-line-0002")

    def system_line() -> None:
        from django.db import transaction

        from conversations.events import publish_message_event

        conversation = Conversation.objects.get(channel_account__provider=Provider.SANDBOX)
        with transaction.atomic():
            message = Message.objects.create(conversation=conversation, channel_account=conversation.channel_account,
                                             direction="out", sender="system", text="Nota interna", status="sent")
            publish_message_event(message, "message.created")

    async def scenario():
        communicator = await _socket()
        assert (await _hello(communicator, token))["joined"] is True
        await sync_to_async(system_line)()
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_a_socket_whose_session_expires_hears_nothing_more_and_is_told_why(sandbox, time_machine):
    sandbox.SANDBOX_SESSION_HOURS = 1
    token = _start("+51987654321", "Rosa Quispe")
    _say(token, "Hola", "rosa-line-0003")

    async def scenario():
        communicator = await _socket()
        assert (await _hello(communicator, token))["joined"] is True
        time_machine.move_to(time.time() + 2 * 3600)  # (within the Redis layer's one-day group expiry)
        await sync_to_async(_agent_replies)("+51987654321", "¿Sigues ahí?")
        refusal = await communicator.receive_json_from(timeout=3)
        assert (refusal["type"], refusal["code"]) == ("error", "expired_token") and refusal["detail"]
        assert (await communicator.receive_output(timeout=3)) == {"type": "websocket.close",
                                                                  "code": consumers.CLOSE_SANDBOX_TOKEN}
        await communicator.disconnect()  # the browser's side of the close: the consumer ends in this loop

    async_to_sync(scenario)()
