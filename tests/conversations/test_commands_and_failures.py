import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from conversations.models import ChannelAccount, Message, WebhookEvent
from leads.models import Contact
from tests.conversations.conftest import drain, twilio_params

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]


def test_database_outage_during_the_webhook_answers_5xx_and_acknowledges_nothing(post_twilio):
    # The table disappears (rolled back after the test): every write of the webhook fails.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {WebhookEvent._meta.db_table}")
    client = Client(raise_request_exception=False)
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    from tests.conversations.conftest import BASE, TWILIO_TOKEN

    params = twilio_params()
    path = "/webhooks/twilio/whatsapp/"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(BASE + path, params)
    response = client.post(path, data=urlencode(params), content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": signature}, secure=True)
    assert response.status_code >= 500
    assert b"<Response/>" not in response.content


def test_replay_webhooks_processes_failed_events_with_counts(post_twilio, capsys):
    post_twilio(twilio_params())
    WebhookEvent.objects.update(state=WebhookEvent.State.FAILED, last_error="boom")
    call_command("replay_webhooks", "--failed", "--since", "1h", "--no-progress")
    assert "1 events replayed: processed=1" in capsys.readouterr().out
    assert Message.objects.count() == 1
    call_command("replay_webhooks", "--no-progress")
    assert "nothing to replay" in capsys.readouterr().out


def test_replay_refuses_a_bad_since(post_twilio):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("replay_webhooks", "--since", "yesterday-ish", "--no-progress")


def test_simulate_inbound_goes_through_the_signed_webhook(capsys, settings):
    settings.PUBLIC_BASE_URL = "https://crm.example.com"
    call_command("simulate_inbound", "--channel", "whatsapp", "--from", "987 111 222", "--text", "Hola, info",
                 "--name", "Luis")
    assert "200" in capsys.readouterr().out
    event = WebhookEvent.objects.get()
    assert event.headers.get("X-Twilio-Signature")
    drain()
    contact = Contact.objects.get()
    assert (contact.phone, contact.name) == ("+51987111222", "Luis")
    assert Message.objects.get().text == "Hola, info"


def test_simulate_inbound_instagram(capsys):
    call_command("simulate_inbound", "--channel", "instagram", "--from", "IGSID77", "--text", "precio?")
    drain()
    assert Contact.objects.get().instagram_id == "IGSID77"


def test_simulate_inbound_refuses_an_invalid_phone():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("simulate_inbound", "--channel", "whatsapp", "--from", "12ab", "--text", "x")
    assert not WebhookEvent.objects.exists()


def test_seed_demo_creates_the_env_channel_accounts():
    call_command("seed_demo", "--contacts", "3", "--no-history")
    call_command("seed_demo", "--contacts", "3", "--no-history")
    providers = set(ChannelAccount.objects.values_list("provider", flat=True))
    assert providers == {"twilio_whatsapp", "meta_whatsapp", "instagram"}
    assert ChannelAccount.objects.count() == 3
    twilio = ChannelAccount.objects.get(provider="twilio_whatsapp")
    assert twilio.access_token == "twilio-auth-token-for-tests"
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM conversations_channelaccount WHERE id = %s", [twilio.pk])
        stored = cursor.fetchone()[0]
    assert "twilio-auth-token" not in stored  # encrypted at rest
