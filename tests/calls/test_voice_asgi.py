"""Twilio Voice through the webhooks' own ASGI entry (config.asgi → conversations/asgi.py), as the server calls it:
a signed call is answered with TwiML, a status callback stored, a forged one refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
import time_machine
from twilio.request_validator import RequestValidator

from calls.models import Call, VoiceWebhookEvent
from tests.calls.test_voice_webhooks import (
    BASE,
    CALL_SID,
    OPEN_TIME,
    STATUS,
    TOKEN,
    VOICE,
    status_params,
    voice_params,
    voice_settings,  # noqa: F401 - the settings of the voice tests, autouse
)
from tests.conversations.test_webhook_asgi import _close_webhook_threads, call  # noqa: F401 - fixture, autouse

pytestmark = pytest.mark.django_db(transaction=True)  # the views run in the entry's own threads


def signed_post(path: str, params: dict[str, str], *, token: str = TOKEN) -> tuple[int, dict[str, str], bytes]:
    signature = RequestValidator(token).compute_signature(BASE + path, params)
    return call("POST", path, urlencode(params).encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})


def test_a_signed_call_through_the_asgi_entry_is_answered_with_twiml(agent):
    with time_machine.travel(OPEN_TIME):
        status, headers, content = signed_post(VOICE, voice_params())
    assert status == 200 and headers["content-type"].startswith("text/xml")
    root = ET.fromstring(content)  # noqa: S314 - our own answer, parsed back
    assert root.find("Dial") is not None and root.find("Say").get("language") == "es-MX"
    assert Call.objects.get().call_sid == CALL_SID
    status, _, _ = signed_post(STATUS, status_params("completed", 3, CallDuration="9"))
    assert status == 200
    assert VoiceWebhookEvent.objects.filter(kind="status").count() == 1


def test_a_forged_voice_call_through_the_asgi_entry_is_403():
    status, _, _ = signed_post(VOICE, voice_params(), token="forged-token")
    assert status == 403
    assert not Call.objects.exists() and not VoiceWebhookEvent.objects.exists()
