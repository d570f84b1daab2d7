"""Signed webhook posts, as Twilio and Meta make them, and a way to run the queued work."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
from django.db.models import Q
from twilio.request_validator import RequestValidator

from conversations.models import Message, WebhookEvent
from conversations.services.inbound import webhook_event_process
from conversations.services.outbound import message_deliver

TWILIO_TOKEN = "twilio-auth-token-for-tests"
META_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "verify-me-please"
BASE = "https://crm.example.com"
OUR_TWILIO_NUMBER = "+14155238886"
PHONE_NUMBER_ID = "106540352242922"
IG_ACCOUNT = "17841400000000001"


@pytest.fixture(autouse=True)
def provider_settings(settings):  # type: ignore[no-untyped-def]
    settings.PUBLIC_BASE_URL = BASE
    settings.ALLOWED_HOSTS = ["crm.example.com", "testserver", "localhost", "127.0.0.1"]
    settings.SECURE_SSL_REDIRECT = False
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_WHATSAPP_FROM = f"whatsapp:{OUR_TWILIO_NUMBER}"
    settings.META_APP_SECRET = META_SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.META_ACCESS_TOKEN = "meta-access-token"
    settings.META_WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    settings.INSTAGRAM_ACCOUNT_ID = IG_ACCOUNT
    settings.PROVIDER_TIMEOUT_SECONDS = 1.0
    # Nothing leaves the machine: providers answer "connection refused" unless a test serves them.
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"
    settings.META_GRAPH_BASE_URL = "http://127.0.0.1:9"
    settings.INSTAGRAM_GRAPH_BASE_URL = "http://127.0.0.1:9"
    return settings


@pytest.fixture
def ai_off(db):  # type: ignore[no-untyped-def]
    """Channel accounts whose AI stays silent, for tests about the plumbing rather than the assistant."""
    from conversations.models import ChannelAccount
    from conversations.services.accounts import channel_accounts_sync_from_env

    channel_accounts_sync_from_env()
    ChannelAccount.objects.update(ai_mode=ChannelAccount.AIMode.OFF)


def twilio_params(**overrides: str) -> dict[str, str]:
    params = {
        "MessageSid": "SM" + "a" * 32, "AccountSid": "AC" + "1" * 32, "From": "whatsapp:+51987654321",
        "To": f"whatsapp:{OUR_TWILIO_NUMBER}", "Body": "Hola, quiero el plan de 200 megas", "NumMedia": "0",
        "ProfileName": "Rosa Quispe", "WaId": "51987654321", "SmsStatus": "received", "MessageType": "text",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


@pytest.fixture
def post_twilio(client):  # type: ignore[no-untyped-def]
    def _post(params: dict[str, str], path: str = "/webhooks/twilio/whatsapp/", *, token: str = TWILIO_TOKEN,
              signature: str | None = None):
        sig = signature if signature is not None else RequestValidator(token).compute_signature(BASE + path, params)
        return client.post(path, data=urlencode(params), content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": sig}, secure=True)

    return _post


def meta_signature(body: bytes, secret: str = META_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def post_meta(client):  # type: ignore[no-untyped-def]
    def _post(payload: object, path: str = "/webhooks/meta/whatsapp/", *, signature: str | None = None,
              raw: bytes | None = None):
        body = raw if raw is not None else json.dumps(payload).encode()
        sig = signature if signature is not None else meta_signature(body)
        return client.post(path, data=body, content_type="application/json",
                           headers={"X-Hub-Signature-256": sig}, secure=True)

    return _post


def wa_payload(*messages: dict, statuses: list[dict] | None = None, name: str = "Rosa Quispe",
               wa_id: str = "51987654321") -> dict:
    value: dict = {"messaging_product": "whatsapp",
                   "metadata": {"display_phone_number": "51940111222", "phone_number_id": PHONE_NUMBER_ID}}
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": value}]}]}


def now_ts(offset: int = 0) -> str:
    """Meta's timestamp: seconds as a string."""
    return str(int(time.time()) + offset)


def wa_text(wamid: str, text: str = "Hola", sender: str = "51987654321", ts: str | None = None) -> dict:
    return {"from": sender, "id": wamid, "timestamp": ts or now_ts(), "type": "text", "text": {"body": text}}


def drain() -> dict[str, int]:
    """Run what the workers would: every stored event not processed yet, then every pending send."""
    counts = {"events": 0, "sends": 0}
    for event_id in WebhookEvent.objects.filter(state=WebhookEvent.State.RECEIVED).values_list("pk", flat=True):
        webhook_event_process(event_id=event_id)
        counts["events"] += 1
    counts["assisted"] = assist_pending()
    for message_id in Message.objects.filter(send_state=Message.SendState.PENDING).values_list("pk", flat=True):
        message_deliver(message_id=message_id)
        counts["sends"] += 1
    return counts


def assist_pending() -> int:
    """The AI step for every inbound message not analysed yet (what the ``ai`` queue would do)."""
    from conversations.services.assistant import message_assist

    done = 0
    # Analysed once: those are skipped by the step itself, and the demo has hundreds (a key that is absent is
    # NULL in SQL, so ``exclude(ai_flags__analyzed=True)`` would drop those too).
    waiting = Message.objects.filter(Q(ai_flags__analyzed__isnull=True) | Q(ai_flags__analyzed=False),
                                     direction="in", is_echo=False)
    for message_id in waiting.order_by("pk").values_list("pk", flat=True):
        if message_assist(message_id=message_id).state == "analyzed":
            done += 1
    return done
