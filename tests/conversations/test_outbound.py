"""Sending: retries only where the provider did not process the request, never twice, statuses in order."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from werkzeug import Response

from conversations.models import Conversation, Message, MessageTemplate, WebhookEvent
from conversations.services.outbound import WindowClosedError, message_deliver, message_send
from tests.conversations.conftest import PHONE_NUMBER_ID, drain, wa_payload, wa_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]

SEND_PATH = f"/{PHONE_NUMBER_ID}/messages"


@pytest.fixture
def graph(httpserver, settings):
    settings.META_GRAPH_BASE_URL = httpserver.url_for("").rstrip("/")
    return httpserver


@pytest.fixture
def conversation(post_meta):
    post_meta(wa_payload(wa_text("wamid.IN1", "Hola, ¿tienen fibra en Surco?")))
    drain()
    return Conversation.objects.get()


def accepted(wamid: str) -> dict:
    return {"messaging_product": "whatsapp", "contacts": [{"input": "51987654321", "wa_id": "51987654321"}],
            "messages": [{"id": wamid}]}


def test_agent_message_is_sent_through_the_graph_api(graph, conversation, agent):
    graph.expect_oneshot_request(SEND_PATH, method="POST",
                                 headers={"Authorization": "Bearer meta-access-token"}).respond_with_json(
        accepted("wamid.OUT1"))
    message = message_send(conversation=conversation, text="¡Sí! Tenemos 200 Mbps", actor=agent)
    assert (message.status, message.send_state) == ("queued", "pending")
    assert message_deliver(message_id=message.pk).state == "sent"
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == ("sent", "wamid.OUT1")
    body = graph.log[0][0].get_json()
    assert body["to"].lstrip("+") == "51987654321" and body["text"]["body"] == "¡Sí! Tenemos 200 Mbps"


def test_429_twice_then_accepted_is_delivered_once(graph, conversation, agent):
    graph.expect_ordered_request(SEND_PATH, method="POST").respond_with_json(
        {"error": {"message": "rate", "code": 130429}}, status=429)
    graph.expect_ordered_request(SEND_PATH, method="POST").respond_with_json(
        {"error": {"message": "rate", "code": 130429}}, status=429)
    graph.expect_ordered_request(SEND_PATH, method="POST").respond_with_json(accepted("wamid.OUT2"))
    message = message_send(conversation=conversation, text="Te envío la cotización", actor=agent)
    outcomes = [message_deliver(message_id=message.pk).state for _ in range(4)]
    assert outcomes == ["retry", "retry", "sent", "skipped"]
    message.refresh_from_db()
    assert (message.status, message.send_attempts, message.provider_message_id) == ("sent", 3, "wamid.OUT2")
    assert len(graph.log) == 3


def test_send_that_times_out_is_never_sent_again(graph, conversation, agent, settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 0.3

    seen: list[str] = []

    def slow(_request):
        seen.append("POST")
        time.sleep(0.8)
        return Response('{"messages":[{"id":"wamid.LATE"}]}', content_type="application/json")

    graph.expect_request(SEND_PATH, method="POST").respond_with_handler(slow)
    message = message_send(conversation=conversation, text="Hola", actor=agent)
    assert message_deliver(message_id=message.pk).state == "unknown"
    assert message_deliver(message_id=message.pk).state == "skipped"
    drain()
    message.refresh_from_db()
    assert (message.send_state, message.error_code) == ("unknown", "timeout")
    assert seen == ["POST"]
    assert Conversation.objects.get().needs_human is True


def test_permanent_error_marks_the_message_failed_with_the_provider_code(graph, conversation, agent):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"error": {"message": "Re-engagement message", "type": "OAuthException", "code": 131047}}, status=400)
    message = message_send(conversation=conversation, text="Hola", actor=agent)
    assert message_deliver(message_id=message.pk).state == "failed"
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "131047")


def test_retries_stop_after_the_limit(graph, conversation, agent, settings):
    graph.expect_request(SEND_PATH, method="POST").respond_with_data("busy", status=503)
    message = message_send(conversation=conversation, text="Hola", actor=agent)
    states = [message_deliver(message_id=message.pk).state for _ in range(settings.SEND_MAX_RETRIES)]
    assert states[-1] == "failed" and states[:-1] == ["retry"] * (settings.SEND_MAX_RETRIES - 1)
    assert len(graph.log) == settings.SEND_MAX_RETRIES


def test_out_of_order_statuses_end_at_the_furthest_state(graph, conversation, agent, post_meta):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json(accepted("wamid.OUT3"))
    message = message_send(conversation=conversation, text="Hola", actor=agent)
    message_deliver(message_id=message.pk)

    def status(name: str, ts: str) -> dict:
        return {"id": "wamid.OUT3", "status": name, "timestamp": ts, "recipient_id": "51987654321"}

    post_meta(wa_payload(statuses=[status("read", "1763800030")]))
    post_meta(wa_payload(statuses=[status("delivered", "1763800020"), status("sent", "1763800010")]))
    drain()
    message.refresh_from_db()
    assert message.status == "read"
    assert message.sent_at and message.delivered_at and message.read_at


def test_status_that_arrives_before_the_send_returns_is_applied_later(graph, conversation, agent, post_meta,
                                                                        django_capture_on_commit_callbacks):
    post_meta(wa_payload(statuses=[{"id": "wamid.EARLY", "status": "delivered", "timestamp": "1763800020",
                                    "recipient_id": "51987654321"}]))
    drain()
    assert WebhookEvent.objects.get(kind="status").state == WebhookEvent.State.WAITING
    graph.expect_request(SEND_PATH, method="POST").respond_with_json(accepted("wamid.EARLY"))
    message = message_send(conversation=conversation, text="Hola", actor=agent)
    with django_capture_on_commit_callbacks() as callbacks:
        message_deliver(message_id=message.pk)
    assert callbacks  # the waiting status is re-enqueued after commit
    WebhookEvent.objects.filter(kind="status").update(state=WebhookEvent.State.RECEIVED)
    drain()
    message.refresh_from_db()
    assert message.status == "delivered"


def test_free_text_outside_the_24_hour_window_is_refused_with_templates(conversation, agent):
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(hours=25))
    MessageTemplate.objects.create(channel_account=conversation.channel_account, name="seguimiento_cotizacion",
                                   body="Hola {{1}}, ¿pudiste revisar la cotización?", variable_count=1)
    with pytest.raises(WindowClosedError) as info:
        message_send(conversation=conversation, text="¿Sigues interesada?", actor=agent)
    assert info.value.code == "window_closed"
    assert info.value.extra["templates"][0]["name"] == "seguimiento_cotizacion"
    assert not Message.objects.filter(direction="out").exists()


def test_free_text_is_refused_when_exactly_24_hours_have_passed_since_the_customer_wrote(conversation, agent):
    last_inbound_at = timezone.now().replace(microsecond=0) - timedelta(days=1)
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=last_inbound_at)
    with time_machine.travel(last_inbound_at + timedelta(hours=24), tick=False):
        with pytest.raises(WindowClosedError) as info:
            message_send(conversation=conversation, text="¿Sigues interesada?", actor=agent)
        assert info.value.code == "window_closed"
    assert not Message.objects.filter(direction="out").exists()


def test_free_text_is_queued_when_one_second_is_left_in_the_24_hour_window(conversation, agent):
    last_inbound_at = timezone.now().replace(microsecond=0) - timedelta(days=1)
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=last_inbound_at)
    with time_machine.travel(last_inbound_at + timedelta(hours=24) - timedelta(seconds=1), tick=False):
        message = message_send(conversation=conversation, text="¿Sigues interesada?", actor=agent)
    assert (message.status, message.send_state, message.type) == ("queued", "pending", "text")
    assert Message.objects.filter(direction="out").count() == 1


def test_template_is_allowed_outside_the_window(graph, conversation, agent):
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(days=3))
    template = MessageTemplate.objects.create(channel_account=conversation.channel_account, name="seguimiento",
                                              body="Hola {{1}}, ¿pudiste revisar la cotización?", variable_count=1)
    graph.expect_request(SEND_PATH, method="POST").respond_with_json(accepted("wamid.T1"))
    message = message_send(conversation=conversation, actor=agent, template=template, variables=["Rosa"])
    assert message.text == "Hola Rosa, ¿pudiste revisar la cotización?"
    assert message_deliver(message_id=message.pk).state == "sent"
    sent = graph.log[0][0].get_json()
    assert sent["type"] == "template" and sent["template"]["name"] == "seguimiento"


def test_twilio_send_posts_form_with_status_callback(httpserver, settings, post_twilio, agent):
    from tests.conversations.conftest import twilio_params

    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    post_twilio(twilio_params())
    drain()
    conversation = Conversation.objects.get()
    sid = "AC" + "1" * 32
    httpserver.expect_request(f"/2010-04-01/Accounts/{sid}/Messages.json", method="POST").respond_with_json(
        {"sid": "SM" + "b" * 32, "status": "queued"}, status=201)
    message = message_send(conversation=conversation, text="Hola Rosa", actor=agent)
    assert message_deliver(message_id=message.pk).state == "sent"
    form = httpserver.log[0][0].form
    assert form["To"] == "whatsapp:+51987654321" and form["From"] == "whatsapp:+14155238886"
    assert form["StatusCallback"] == "https://crm.example.com/webhooks/twilio/status/"
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == ("queued", "SM" + "b" * 32)


def test_instagram_agent_reply_after_a_day_uses_the_human_agent_tag(httpserver, settings, post_meta, agent):
    from tests.conversations.conftest import IG_ACCOUNT

    settings.INSTAGRAM_GRAPH_BASE_URL = httpserver.url_for("").rstrip("/")
    post_meta({"object": "instagram", "entry": [{"id": IG_ACCOUNT, "time": 1, "messaging": [{
        "sender": {"id": "IGSID9"}, "recipient": {"id": IG_ACCOUNT}, "timestamp": int(time.time() * 1000),
        "message": {"mid": "mid.in9", "text": "¿Tienen el sofá en gris?"}}]}]}, path="/webhooks/meta/instagram/")
    drain()
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(days=3))
    httpserver.expect_request(f"/{IG_ACCOUNT}/messages", method="POST").respond_with_json(
        {"recipient_id": "IGSID9", "message_id": "mid.out9"})
    message = message_send(conversation=conversation, text="Sí, llegó ayer en gris", actor=agent)
    assert message_deliver(message_id=message.pk).state == "sent"
    sent = httpserver.log[0][0].get_json()
    assert (sent["messaging_type"], sent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    with pytest.raises(WindowClosedError):  # the AI may not use the human-agent tag
        message_send(conversation=conversation, text="Respuesta automática", sender=Message.Sender.AI)
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(days=8))
    with pytest.raises(WindowClosedError):
        message_send(conversation=conversation, text="¿Sigues interesada?", actor=agent)


def test_missing_credentials_fail_the_message_with_a_clear_code(conversation, agent, settings):
    settings.META_ACCESS_TOKEN = ""
    settings.TWILIO_ACCOUNT_SID = ""
    from conversations.models import ChannelAccount

    ChannelAccount.objects.update(access_token="", account_sid="")
    message = message_send(conversation=conversation, text="Hola", actor=agent)
    assert message_deliver(message_id=message.pk).state == "failed"
    message.refresh_from_db()
    assert (message.status, message.error_code, message.send_state) == ("failed", "not_configured", "done")


def test_twilio_without_credentials_fails_the_message_instead_of_crashing(post_twilio, agent, settings):
    from tests.conversations.conftest import twilio_params

    post_twilio(twilio_params())
    drain()
    settings.TWILIO_ACCOUNT_SID = ""
    settings.TWILIO_AUTH_TOKEN = ""
    from conversations.models import ChannelAccount

    ChannelAccount.objects.update(access_token="", account_sid="")
    message = message_send(conversation=Conversation.objects.get(), text="Hola", actor=agent)
    assert message_deliver(message_id=message.pk).state == "failed"
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "not_configured")
    assert "credenciales" in message.error_message  # told to the agent in Spanish


def test_with_the_sandbox_on_an_account_without_credentials_delivers_locally(post_twilio, agent, settings):
    """make run: the demo's WhatsApp account has no credentials; an agent's reply still goes out (locally)."""
    from conversations.models import ChannelAccount
    from tests.conversations.conftest import twilio_params

    post_twilio(twilio_params())
    drain()
    settings.TWILIO_ACCOUNT_SID = ""
    settings.TWILIO_AUTH_TOKEN = ""
    settings.SANDBOX_ENABLED = True
    ChannelAccount.objects.update(access_token="", account_sid="")
    message = message_send(conversation=Conversation.objects.get(), text="Hola, te ayudo", actor=agent)
    assert message_deliver(message_id=message.pk).state == "sent"
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("sent", "")
    assert message.provider_message_id.startswith("sbx-out-")
