import json
from datetime import UTC, datetime, timedelta

import pytest

from conversations.models import Conversation, Message, WebhookEvent
from leads.models import Contact
from tests.conversations.conftest import IG_ACCOUNT, VERIFY_TOKEN, drain, meta_signature, wa_payload, wa_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]


@pytest.mark.parametrize("path", ["/webhooks/meta/whatsapp/", "/webhooks/meta/instagram/"])
def test_handshake_echoes_the_challenge_only_with_our_token(client, path):
    ok = client.get(path, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.content == b"1158201444"
    bad = client.get(path, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"})
    assert bad.status_code == 403


def test_batch_of_messages_and_statuses_in_one_post(post_meta):
    payload = wa_payload(wa_text("wamid.A", "Hola"), wa_text("wamid.B", "¿Tienen el iPhone 15?"))
    payload["entry"][0]["changes"][0]["value"]["statuses"] = [
        {"id": "wamid.OURS", "status": "delivered", "timestamp": "1763800001", "recipient_id": "51987654321"}
    ]
    response = post_meta(payload)
    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 3
    drain()
    assert list(Message.objects.order_by("provider_message_id").values_list("text", flat=True)) == [
        "Hola", "¿Tienen el iPhone 15?"]
    assert Conversation.objects.count() == 1
    # the status of a message we never sent waits instead of being dropped
    assert WebhookEvent.objects.get(kind="status").state == WebhookEvent.State.WAITING


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc"])
def test_forged_or_missing_signature_is_refused(post_meta, signature):
    response = post_meta(wa_payload(wa_text("wamid.X")), signature=signature)
    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("channel", ["whatsapp", "instagram"])
def test_redelivery_is_acknowledged_and_neither_stored_nor_queued_again_when_the_message_id_repeats(
        post_meta, django_capture_on_commit_callbacks, channel):
    path = f"/webhooks/meta/{channel}/"
    payload = wa_payload(wa_text("wamid.AGAIN", "Hola, ¿tienen fibra?")) if channel == "whatsapp" else _ig(
        {"sender": {"id": "IGSID7"}, "recipient": {"id": IG_ACCOUNT}, "timestamp": 1763800000000,
         "message": {"mid": "wamid.AGAIN", "text": "Hola, ¿tienen fibra?"}})
    with django_capture_on_commit_callbacks() as first:
        assert post_meta(payload, path=path).status_code == 200
    assert len(first) == 1  # the processing task, enqueued after commit
    with django_capture_on_commit_callbacks() as again:
        response = post_meta(payload, path=path)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert again == []  # nothing queued for the redelivery
    assert WebhookEvent.objects.filter(external_id="wamid.AGAIN").count() == 1
    drain()
    assert Message.objects.filter(provider_message_id="wamid.AGAIN").count() == 1


@pytest.mark.parametrize("forgery", ["missing", "zeros", "other_secret"])
def test_instagram_post_is_403_and_stores_nothing_when_unsigned_or_wrongly_signed(post_meta, forgery):
    path = "/webhooks/meta/instagram/"
    payload = _ig({"sender": {"id": "IGSID9"}, "recipient": {"id": IG_ACCOUNT}, "timestamp": 1763800000000,
                   "message": {"mid": "mid.FORGED", "text": "Hola, ¿precio del sofá?"}})
    body = json.dumps(payload).encode()
    signature = {"missing": "", "zeros": "sha256=" + "0" * 64,
                 "other_secret": meta_signature(body, secret="not-our-app-secret")}[forgery]
    response = post_meta(None, path=path, raw=body, signature=signature)
    assert response.status_code == 403 and response.json()["code"] == "invalid_signature"
    drain()
    assert not WebhookEvent.objects.exists() and not Message.objects.exists()
    # the same bytes signed with our secret are taken: only the signature was wrong
    assert post_meta(None, path=path, raw=body).status_code == 200
    drain()
    assert Message.objects.get().provider_message_id == "mid.FORGED"


def test_signature_is_checked_over_the_raw_bytes(post_meta):
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    assert post_meta(None, raw=body, signature=meta_signature(body + b" ")).status_code == 403


@pytest.mark.parametrize("body", [b"not json", b"[1,2]", b'{"object":"whatsapp_business_account"}'])
def test_malformed_body_is_a_json_400(post_meta, body):
    response = post_meta(None, raw=body)
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_payload"


def test_unknown_type_is_kept_as_unsupported(post_meta):
    post_meta(wa_payload({"from": "51987654321", "id": "wamid.U", "timestamp": "1763800000", "type": "unsupported",
                          "errors": [{"code": 131051, "title": "Message type unknown"}],
                          "unsupported": {"type": "poll"}}))
    drain()
    assert Message.objects.get().type == "unsupported"


def test_business_scoped_user_without_phone_becomes_a_contact(post_meta):
    payload = wa_payload({"from": "", "from_user_id": "US.1234567890", "id": "wamid.BS", "timestamp": "1763800000",
                          "type": "text", "text": {"body": "hola"}}, wa_id="")
    payload["entry"][0]["changes"][0]["value"]["contacts"] = [
        {"profile": {"name": "Ana", "username": "ana.pe"}, "wa_id": "", "user_id": "US.1234567890"}]
    assert post_meta(payload).status_code == 200
    drain()
    contact = Contact.objects.get()
    assert (contact.whatsapp_id, contact.phone, contact.name) == ("US.1234567890", "", "Ana")


def test_reaction_points_to_the_message_it_reacts_to(post_meta):
    post_meta(wa_payload(wa_text("wamid.1", "¿precio?")))
    drain()
    post_meta(wa_payload({"from": "51987654321", "id": "wamid.R", "timestamp": "1763800005", "type": "reaction",
                          "reaction": {"message_id": "wamid.1", "emoji": "👍"}}))
    drain()
    reaction = Message.objects.get(type="reaction")
    assert reaction.text == "👍" and reaction.reply_to.provider_message_id == "wamid.1"


def _ig(event: dict) -> dict:
    return {"object": "instagram", "entry": [{"id": IG_ACCOUNT, "time": 1763800000000, "messaging": [event]}]}


def test_instagram_echo_is_our_sent_message_and_leaves_the_reply_window_alone_when_it_follows_a_customer_message(
        post_meta):
    # Whether the echo wakes the assistant is test_instagram_echo_never_reaches_the_reply_hook's subject.
    path = "/webhooks/meta/instagram/"
    post_meta(_ig({"sender": {"id": "IGSID1"}, "recipient": {"id": IG_ACCOUNT}, "timestamp": 1763800000000,
                   "message": {"mid": "mid.1", "text": "Hola, ¿precio del sofá?"}}), path=path)
    post_meta(_ig({"sender": {"id": IG_ACCOUNT}, "recipient": {"id": "IGSID1"}, "timestamp": 1763800060000,
                   "message": {"mid": "mid.2", "text": "Te paso el catálogo", "is_echo": True}}), path=path)
    drain()
    incoming, echo = Message.objects.order_by("provider_message_id")
    assert (incoming.direction, incoming.sender) == ("in", "customer")
    assert (echo.direction, echo.sender, echo.is_echo, echo.status) == ("out", "agent", True, "sent")
    conversation = Conversation.objects.get()
    assert conversation.unread_count == 1
    # the 24-hour window runs from the customer's message, not from our own echo a minute later
    assert conversation.last_inbound_at == datetime(2025, 11, 22, 8, 26, 40, tzinfo=UTC) == incoming.provider_timestamp
    assert conversation.last_outbound_at == echo.sent_at == incoming.provider_timestamp + timedelta(minutes=1)
    assert Contact.objects.get().instagram_id == "IGSID1"


def test_instagram_echo_never_reaches_the_reply_hook(post_meta, django_capture_on_commit_callbacks, monkeypatch):
    from conversations.services.inbound import webhook_event_process

    calls: list[int] = []
    monkeypatch.setattr("conversations.subscribers.assist_message.delay", calls.append)
    post_meta(_ig({"sender": {"id": IG_ACCOUNT}, "recipient": {"id": "IGSID2"}, "timestamp": 1763800060000,
                   "message": {"mid": "mid.E", "text": "Gracias por escribir", "is_echo": True}}),
              path="/webhooks/meta/instagram/")
    post_meta(_ig({"sender": {"id": "IGSID2"}, "recipient": {"id": IG_ACCOUNT}, "timestamp": 1763800070000,
                   "message": {"mid": "mid.C", "text": "¿Y el precio?"}}), path="/webhooks/meta/instagram/")
    for event in WebhookEvent.objects.order_by("pk"):
        with django_capture_on_commit_callbacks(execute=True):
            webhook_event_process(event_id=event.pk)
    customer_message = Message.objects.get(provider_message_id="mid.C")
    assert calls == [customer_message.pk]


def test_instagram_read_receipt_marks_our_message_read(post_meta):
    post_meta(_ig({"sender": {"id": "IGSID3"}, "recipient": {"id": IG_ACCOUNT}, "timestamp": 1763800000000,
                   "message": {"mid": "mid.in", "text": "hola"}}), path="/webhooks/meta/instagram/")
    drain()
    conversation = Conversation.objects.get()
    ours = Message.objects.create(conversation=conversation, channel_account=conversation.channel_account,
                                  direction="out", sender="agent", text="¡Hola!", provider_message_id="mid.out",
                                  status="sent", send_state="done")
    post_meta(_ig({"sender": {"id": "IGSID3"}, "recipient": {"id": IG_ACCOUNT}, "timestamp": 1763800090000,
                   "read": {"mid": "mid.out"}}), path="/webhooks/meta/instagram/")
    drain()
    ours.refresh_from_db()
    assert ours.status == "read"
