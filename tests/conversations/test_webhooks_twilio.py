import pytest

from conversations.models import Conversation, Message, WebhookEvent
from leads.models import Contact, Lead
from tests.conversations.conftest import drain, twilio_params

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]


def test_text_message_lands_as_contact_conversation_message_and_lead(post_twilio):
    response = post_twilio(twilio_params())
    assert response.status_code == 200
    assert response.content.decode().endswith("<Response/>")
    assert response["Content-Type"].startswith("text/xml")
    assert WebhookEvent.objects.get().state == WebhookEvent.State.RECEIVED
    drain()
    contact = Contact.objects.get()
    assert (contact.phone, contact.whatsapp_id, contact.name) == ("+51987654321", "51987654321", "Rosa Quispe")
    message = Message.objects.get()
    assert (message.direction, message.sender, message.type, message.status) == ("in", "customer", "text",
                                                                                   "received")
    assert message.text == "Hola, quiero el plan de 200 megas"
    conversation = Conversation.objects.get()
    assert conversation.unread_count == 1 and conversation.last_inbound_at is not None
    lead = Lead.objects.get()
    assert conversation.lead == lead and lead.conversation_count == 1 and lead.source == "whatsapp"
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED


@pytest.mark.parametrize("signature", ["", "forged-signature", None])
def test_bad_or_missing_signature_is_refused_and_nothing_is_stored(post_twilio, signature):
    if signature is None:
        response = post_twilio(twilio_params(), token="another-token")
    else:
        response = post_twilio(twilio_params(), signature=signature)
    assert response.status_code == 403
    assert response.json()["code"] == "invalid_signature"
    assert not WebhookEvent.objects.exists() and not Message.objects.exists()


def test_signature_over_other_params_is_refused(post_twilio, client):
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    from tests.conversations.conftest import BASE, TWILIO_TOKEN

    signed = twilio_params()
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(BASE + "/webhooks/twilio/whatsapp/", signed)
    tampered = {**signed, "Body": "Transfiere todo"}
    response = client.post("/webhooks/twilio/whatsapp/", data=urlencode(tampered),
                           content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": signature}, secure=True)
    assert response.status_code == 403


def test_malformed_but_signed_body_is_a_json_400(post_twilio):
    response = post_twilio(twilio_params(MessageSid=None))
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_payload"
    assert not WebhookEvent.objects.exists()


def test_same_delivery_five_times_gives_one_message(post_twilio):
    for _ in range(5):
        assert post_twilio(twilio_params()).status_code == 200
    drain()
    assert WebhookEvent.objects.count() == 1
    assert Message.objects.count() == 1


def test_messages_of_one_person_share_one_conversation(post_twilio):
    for i in range(10):
        post_twilio(twilio_params(MessageSid=f"SM{i:032d}", Body=f"foto {i}"))
    drain()
    assert Conversation.objects.count() == 1
    assert Conversation.objects.get().unread_count == 10


def test_location_and_button_reply_and_unknown_type(post_twilio):
    post_twilio(twilio_params(MessageSid="SM" + "1" * 32, Body="", MessageType="location", Latitude="-12.1219",
                              Longitude="-77.0297", Address="Av. Larco 1234", Label="Casa"))
    post_twilio(twilio_params(MessageSid="SM" + "2" * 32, Body="Sí, lo quiero", MessageType="button",
                              ButtonText="Sí, lo quiero", ButtonPayload="confirm_yes"))
    post_twilio(twilio_params(MessageSid="SM" + "3" * 32, Body="", MessageType="poll"))
    drain()
    location, button, unknown = Message.objects.order_by("provider_message_id")
    assert location.type == "location" and location.location["latitude"] == pytest.approx(-12.1219)
    assert (button.type, button.interactive_id) == ("interactive", "confirm_yes")
    assert unknown.type == "unsupported"


@pytest.fixture
def twilio_api(httpserver, settings):
    """The fake Twilio API; media URLs live on it, so credentials are sent there only."""
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    return httpserver


def test_image_is_downloaded_with_basic_auth_into_storage(post_twilio, twilio_api):
    import base64

    httpserver = twilio_api
    auth = "Basic " + base64.b64encode(b"AC" + b"1" * 32 + b":twilio-auth-token-for-tests").decode()
    httpserver.expect_request("/Media/ME1", headers={"Authorization": auth}).respond_with_data(
        b"\x89PNG fake image", content_type="image/png"
    )
    post_twilio(twilio_params(NumMedia="1", MediaUrl0=httpserver.url_for("/Media/ME1"),
                              MediaContentType0="image/png", Body="mira este modelo", MessageType="image"))
    drain()
    message = Message.objects.get()
    assert (message.type, message.media_state, message.media_size) == ("image", "stored", 15)
    assert message.media.read() == b"\x89PNG fake image"
    assert message.text == "mira este modelo"
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED


def test_failed_media_download_is_kept_and_retried_never_lost(post_twilio, twilio_api):
    from conversations.services.replay import webhook_events_replay
    from integrations.errors import TransientError

    httpserver = twilio_api
    httpserver.expect_oneshot_request("/Media/ME2").respond_with_data("boom", status=500)
    post_twilio(twilio_params(NumMedia="1", MediaUrl0=httpserver.url_for("/Media/ME2"),
                              MediaContentType0="image/jpeg", MessageType="image"))
    event = WebhookEvent.objects.get()
    with pytest.raises(TransientError):
        drain()
    message = Message.objects.get()
    assert message.media_state == "pending"  # the agent sees it arriving; nothing lost
    event.refresh_from_db()
    assert event.state == WebhookEvent.State.RECEIVED  # not counted as processed
    httpserver.expect_request("/Media/ME2").respond_with_data(b"jpeg", content_type="image/jpeg")
    assert webhook_events_replay(event_ids=[event.pk]) == {"processed": 1}
    message.refresh_from_db()
    assert message.media_state == "stored"
    assert Message.objects.count() == 1


def test_oversized_media_gets_a_clear_state(post_twilio, twilio_api, monkeypatch):
    from integrations import base

    httpserver = twilio_api
    monkeypatch.setitem(base.MEDIA_LIMITS, base.MessageType.IMAGE, 10)
    httpserver.expect_request("/Media/ME3").respond_with_data(b"x" * 50, content_type="image/jpeg")
    post_twilio(twilio_params(NumMedia="1", MediaUrl0=httpserver.url_for("/Media/ME3"),
                              MediaContentType0="image/jpeg", MessageType="image"))
    drain()
    message = Message.objects.get()
    assert message.media_state == "too_large"
    assert not message.media
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED


def test_status_callbacks_move_our_message_forward_only(post_twilio, agent):
    from conversations.services.inbound import inbound_message_record  # noqa: F401 - real path below

    post_twilio(twilio_params())
    drain()
    message = Message.objects.create(
        conversation=Conversation.objects.get(), channel_account=Conversation.objects.get().channel_account,
        direction="out", sender="agent", text="¡Hola Rosa!", provider_message_id="SM" + "f" * 32, status="sent",
        send_state="done",
    )
    status = "/webhooks/twilio/status/"
    base = {"MessageSid": message.provider_message_id, "AccountSid": "AC" + "1" * 32,
            "From": "whatsapp:+14155238886", "To": "whatsapp:+51987654321"}
    assert post_twilio({**base, "MessageStatus": "read"}, path=status).status_code == 200
    post_twilio({**base, "MessageStatus": "delivered"}, path=status)
    post_twilio({**base, "MessageStatus": "sent"}, path=status)
    drain()
    message.refresh_from_db()
    assert message.status == "read"
    assert message.delivered_at is not None and message.read_at is not None


def test_failed_status_keeps_twilio_error_code(post_twilio):
    post_twilio(twilio_params())
    drain()
    conversation = Conversation.objects.get()
    message = Message.objects.create(conversation=conversation, channel_account=conversation.channel_account,
                                     direction="out", sender="agent", text="Promo", status="sent",
                                     provider_message_id="SM" + "e" * 32, send_state="done")
    post_twilio({"MessageSid": message.provider_message_id, "AccountSid": "AC" + "1" * 32,
                 "From": "whatsapp:+14155238886", "To": "whatsapp:+51987654321", "MessageStatus": "undelivered",
                 "ErrorCode": "63016"}, path="/webhooks/twilio/status/")
    drain()
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "63016")
