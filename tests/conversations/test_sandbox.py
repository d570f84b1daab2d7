"""The sandbox (/sandbox/): a pretend customer's phone whose lines take the real inbound path.

Posts go through the views as the page makes them; the workers' share is run with ``drain()`` (SQLite and
PostgreSQL + Redis alike). A refused post answers a JSON 4xx and stores nothing.
"""

from __future__ import annotations

import json
import time

import pytest

from conversations.models import ChannelAccount, Conversation, Message, WebhookEvent
from conversations.services.accounts import channel_accounts_sync_from_env
from conversations.services.outbound import message_send
from conversations.services.sandbox import sandbox_session_start
from integrations.base import Provider
from leads.models import Contact
from tests.conversations.conftest import drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox_on(settings):  # type: ignore[no-untyped-def]
    settings.SANDBOX_ENABLED = True
    return settings


def start(client, phone: str = "+51 987 654 321", name: str = "Rosa Quispe") -> str:  # type: ignore[no-untyped-def]
    response = client.post("/sandbox/start/", {"phone": phone, "name": name}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def say(client, token: str | None, text: object = "Hola", client_id: str = "line-0001", **extra):  # type: ignore[no-untyped-def]
    headers = {"X-Sandbox-Token": token} if token is not None else {}
    body = {"text": text, "client_id": client_id, **extra}
    return client.post("/sandbox/messages/", body, content_type="application/json", headers=headers)


def history(client, token: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = client.get("/sandbox/messages/", headers={"X-Sandbox-Token": token})
    assert response.status_code == 200, response.content
    return response.json()["messages"]


# -- off by default here, a 404 everywhere ----------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), [("get", "/sandbox/"), ("post", "/sandbox/start/"),
                                              ("get", "/sandbox/messages/"), ("post", "/sandbox/messages/"),
                                              ("post", "/sandbox/read/")])
def test_every_sandbox_url_is_a_404_when_the_sandbox_is_off(client, method, path):
    assert getattr(client, method)(path).status_code == 404


def test_the_page_shows_the_phone_when_the_sandbox_is_on(client, sandbox_on):
    response = client.get("/sandbox/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="sandbox"' in page and "sandbox/sandbox.js" in page and "Rosa Quispe" in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_sandbox_account_is_synced_only_when_the_sandbox_is_on(settings):
    settings.SANDBOX_ENABLED = False
    channel_accounts_sync_from_env()
    assert not ChannelAccount.objects.filter(provider=Provider.SANDBOX).exists()
    settings.SANDBOX_ENABLED = True
    channel_accounts_sync_from_env()
    channel_accounts_sync_from_env()
    account = ChannelAccount.objects.get(provider=Provider.SANDBOX)
    assert (account.account_ref, account.name, account.ai_mode) == ("sandbox", "Sandbox", "auto")


# -- starting a session ------------------------------------------------------------------------------------------
def test_start_answers_a_token_and_the_number_in_e164(client, sandbox_on):
    response = client.post("/sandbox/start/", {"phone": "987 654 321", "name": "  Rosa  Quispe "},
                           content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert (body["phone"], body["name"]) == ("+51987654321", "Rosa Quispe")
    assert body["token"].startswith("v1.")


@pytest.mark.parametrize(("body", "code"), [
    ({"phone": "12ab", "name": "Rosa"}, "invalid_phone"),
    ({"phone": "", "name": "Rosa"}, "invalid_phone"),
    ({"name": "Rosa"}, "invalid_phone"),
    ({"phone": "+51987654321", "name": "x" * 151}, "name_too_long"),
])
def test_start_refuses_a_bad_phone_or_name_with_a_clear_400(client, sandbox_on, body, code):
    response = client.post("/sandbox/start/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]


def test_a_body_that_is_not_a_json_object_is_a_400(client, sandbox_on):
    for raw in (b"{nope", b"[1, 2]", b'"hola"'):
        response = client.post("/sandbox/start/", raw, content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] == "malformed_payload"


# -- a customer's line: the real inbound path ------------------------------------------------------------------
def test_a_line_is_stored_as_a_webhook_event_and_becomes_a_conversation_on_the_sandbox(client, sandbox_on, ai_off):
    token = start(client)
    response = say(client, token, "Hola, ¿tienen fibra de 300 megas en Surco?", client_id="c0ffee-0001")
    assert response.status_code == 202 and response.json() == {"status": "accepted", "duplicate": False}
    event = WebhookEvent.objects.get(provider=Provider.SANDBOX)
    assert (event.kind, event.external_id, event.state) == ("message", "sbx-in-c0ffee-0001", "received")
    assert "token" not in json.dumps(event.payload) and token not in json.dumps(event.payload)
    drain()
    message = Message.objects.get(provider_message_id="sbx-in-c0ffee-0001")
    assert (message.direction, message.sender, message.text) == ("in", "customer",
                                                                 "Hola, ¿tienen fibra de 300 megas en Surco?")
    assert message.channel_account.provider == Provider.SANDBOX
    contact = message.conversation.contact
    assert (contact.phone, contact.whatsapp_id, contact.name) == ("+51987654321", "51987654321", "Rosa Quispe")
    assert message.conversation.channel == "whatsapp"  # the sandbox plays a WhatsApp phone
    assert [m["client_id"] for m in history(client, token)] == ["c0ffee-0001"]


def test_a_repeated_post_of_the_same_line_is_a_duplicate(client, sandbox_on, ai_off):
    token = start(client)
    assert say(client, token, "Hola", client_id="same-line-1").json()["duplicate"] is False
    assert say(client, token, "Hola", client_id="same-line-1").json()["duplicate"] is True
    drain()
    assert Message.objects.filter(direction="in").count() == 1


@pytest.mark.parametrize(("text", "code"), [("", "empty_text"), ("   \n ", "empty_text"), (None, "empty_text"),
                                            ("x" * 4097, "text_too_long"), (["hola"], "malformed_payload")])
def test_an_empty_or_oversized_line_is_a_clear_400_and_nothing_is_stored(client, sandbox_on, text, code):
    token = start(client)
    response = say(client, token, text)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and body["detail"]
    assert not WebhookEvent.objects.exists() and not Message.objects.exists()


def test_the_errors_are_in_spanish_for_the_page(client, sandbox_on):
    token = start(client)
    assert say(client, token, "").json()["detail"] == "Escribe un mensaje."
    assert "4096" in say(client, token, "x" * 5000).json()["detail"]


@pytest.mark.parametrize("token", [None, "", "v1.garbage.sig", "not-a-token"])
def test_a_missing_or_forged_token_is_a_403_and_nothing_is_stored(client, sandbox_on, token):
    response = say(client, token, "Hola")
    assert response.status_code == 403 and response.json()["code"] == "invalid_token"
    assert client.get("/sandbox/messages/", headers={"X-Sandbox-Token": token or ""}).status_code == 403
    assert not WebhookEvent.objects.exists() and not Message.objects.exists()


def test_a_token_signed_with_another_secret_is_refused(client, sandbox_on, settings):
    token = start(client)
    settings.SECRET_KEY = "another-secret-key-entirely-" + "x" * 30
    assert say(client, token).status_code == 403
    assert not WebhookEvent.objects.exists()


def test_an_expired_token_says_so(client, sandbox_on, settings, time_machine):
    token = start(client)
    time_machine.move_to(time.time() + 25 * 3600)
    response = say(client, token)
    assert response.status_code == 403 and response.json()["code"] == "expired_token"
    assert not WebhookEvent.objects.exists()


# -- our replies: delivered through the status path, read when the phone shows them ----------------------------
def test_the_ai_answers_on_the_sandbox_and_its_reply_is_delivered_then_read(client, sandbox_on):
    channel_accounts_sync_from_env()  # the sandbox account, AI on
    token = start(client)
    say(client, token, "Hola, quiero el plan de fibra de 200 megas", client_id="line-ai-0001")
    drain()  # the line, the AI step, the send (the delivered report is stored as a webhook event)
    reply = Message.objects.get(direction="out")
    assert reply.sender == "ai" and reply.provider_message_id.startswith("sbx-out-")
    status = WebhookEvent.objects.get(kind="status")
    assert (status.provider, status.ref_id) == (Provider.SANDBOX, reply.provider_message_id)
    drain()  # the status callback's event, applied by the inbound task
    reply.refresh_from_db()
    assert reply.status == "delivered" and reply.delivered_at is not None

    shown = history(client, token)
    assert [(m["direction"], m["sender"]) for m in shown] == [("in", "customer"), ("out", "ai")]
    assert shown[1]["ref"] == reply.provider_message_id and shown[1]["status"] == "delivered"
    assert set(shown[1]) == {"id", "ref", "client_id", "direction", "sender", "type", "text", "filename", "status",
                             "created_at", "options", "location"}  # the phone's view: no author, error or intent

    response = client.post("/sandbox/read/", {"refs": [reply.provider_message_id]}, content_type="application/json",
                           headers={"X-Sandbox-Token": token})
    assert response.status_code == 200 and response.json() == {"read": 1}
    drain()
    reply.refresh_from_db()
    assert reply.status == "read" and reply.read_at is not None
    again = client.post("/sandbox/read/", {"refs": [reply.provider_message_id]}, content_type="application/json",
                        headers={"X-Sandbox-Token": token})
    assert again.json() == {"read": 0}


def test_an_agents_reply_reaches_the_sandbox_and_never_a_provider(client, sandbox_on, ai_off, agent, settings):
    settings.SANDBOX_ENABLED = True
    channel_accounts_sync_from_env()
    ChannelAccount.objects.filter(provider=Provider.SANDBOX).update(ai_mode=ChannelAccount.AIMode.OFF)
    token = start(client)
    say(client, token, "Hola, ¿me ayudan?", client_id="line-agent-01")
    drain()
    conversation = Conversation.objects.get()
    conversation.assignee = agent
    conversation.save()
    message_send(conversation=conversation, text="¡Hola Rosa! Claro que sí.", actor=agent)
    drain()
    drain()
    reply = Message.objects.get(direction="out")
    assert (reply.sender, reply.status, reply.send_state) == ("agent", "delivered", "done")
    assert [m["text"] for m in history(client, token)] == ["Hola, ¿me ayudan?", "¡Hola Rosa! Claro que sí."]


def test_read_receipts_for_someone_elses_messages_change_nothing(client, sandbox_on, ai_off, agent):
    channel_accounts_sync_from_env()
    ChannelAccount.objects.filter(provider=Provider.SANDBOX).update(ai_mode=ChannelAccount.AIMode.OFF)
    rosa = start(client)
    say(client, rosa, "Hola", client_id="rosa-line-01")
    drain()
    message_send(conversation=Conversation.objects.get(), text="Hola Rosa", actor=agent)
    drain()
    reply = Message.objects.get(direction="out")
    carlos = start(client, phone="+51912345678", name="Carlos")
    response = client.post("/sandbox/read/", {"refs": [reply.provider_message_id]}, content_type="application/json",
                           headers={"X-Sandbox-Token": carlos})
    assert response.json() == {"read": 0}
    assert history(client, carlos) == []
    bad = client.post("/sandbox/read/", {"refs": ["not-ours"]}, content_type="application/json",
                      headers={"X-Sandbox-Token": carlos})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_refs"


def test_the_phone_shows_only_its_own_sandbox_chat(client, sandbox_on, ai_off, post_twilio):
    from tests.conversations.conftest import twilio_params

    channel_accounts_sync_from_env()
    # Rosa also writes on the real WhatsApp number: the sandbox never shows that conversation.
    assert post_twilio(twilio_params(Body="Mensaje por WhatsApp de verdad")).status_code == 200
    rosa = start(client)
    carlos = start(client, phone="+51912345678", name="Carlos Mendoza")
    say(client, rosa, "Hola desde el sandbox", client_id="rosa-line-01")
    say(client, carlos, "Hola, soy Carlos", client_id="carlos-line-1")
    drain()
    assert Contact.objects.filter(phone="+51987654321").count() == 1  # one Rosa, on both channels
    assert [m["text"] for m in history(client, rosa)] == ["Hola desde el sandbox"]
    assert [m["text"] for m in history(client, carlos)] == ["Hola, soy Carlos"]
    # a system line (an internal note of the conversation) stays off the phone
    conversation = Conversation.objects.get(channel_account__provider=Provider.SANDBOX, contact__phone="+51987654321")
    Message.objects.create(conversation=conversation, channel_account=conversation.channel_account, direction="out",
                           sender="system", text="Nota interna", status="sent")
    assert [m["text"] for m in history(client, rosa)] == ["Hola desde el sandbox"]


def test_start_service_refuses_a_number_it_cannot_read(sandbox_on):
    from core.errors import InvalidPhoneError

    with pytest.raises(InvalidPhoneError):
        sandbox_session_start(phone="12ab", name="x")
