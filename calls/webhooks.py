"""Twilio Voice webhooks (CONTRACT section 3): verify, parse, store, answer. The work is in calls.services.

Signed like every Twilio webhook (the message webhooks' own check, ``conversations.views``): a bad or missing
signature is a JSON 403 and nothing is stored; a body we cannot read is a JSON 400; a redelivered status or
recording callback is acknowledged (200) and dropped. A status or recording callback stored but refused by the
broker (Redis down) is a JSON 503 (``unavailable``, with ``Retry-After``), as for the message webhooks: Twilio
delivers it again, or the sweep hands it over. An inbound call is answered with its TwiML whatever the broker
does: the caller never hears an error because Redis is down.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls.models import VoiceWebhookEvent
from calls.services.inbound import STAGES, inbound_call_answer, voice_event_ingest
from conversations.views import (
    twilio_request_verified,
    webhook_error,
    webhook_forbidden,
    webhook_unavailable,
    webhook_unreadable,
)
from integrations.errors import PayloadError
from integrations.sanitize import clean_json
from integrations.twilio import voice
from integrations.twilio.webhooks import EMPTY_TWIML, TWIML_CONTENT_TYPE


def _refused(request: HttpRequest) -> HttpResponse | None:
    refused = webhook_unreadable(request, form=True)
    if refused is not None:
        return refused
    if not twilio_request_verified(request):
        return webhook_forbidden()
    return None


def _twiml(body: str) -> HttpResponse:
    return HttpResponse(body, content_type=TWIML_CONTENT_TYPE)


@csrf_exempt
@require_POST
def twilio_voice(request: HttpRequest) -> HttpResponse:
    """A call to our number (and, with ``?stage=``, the end of its ``<Dial>`` or ``<Record>``): TwiML."""
    refused = _refused(request)
    if refused is not None:
        return refused
    stage = request.GET.get("stage", "")
    if stage not in STAGES:
        return webhook_error(400, "Unknown stage.", "malformed_payload")
    try:
        call = voice.parse_voice_call(request.POST)
    except PayloadError as exc:
        return webhook_error(400, str(exc), "malformed_payload")
    answer = inbound_call_answer(call=call, payload=clean_json(request.POST.dict()), stage=stage)
    return _twiml(answer.twiml)


@csrf_exempt
@require_POST
def twilio_voice_status(request: HttpRequest) -> HttpResponse:
    """Status callbacks of calls (ours and our agents' legs): stored, applied after commit."""
    refused = _refused(request)
    if refused is not None:
        return refused
    try:
        update = voice.parse_call_status(request.POST)
    except PayloadError as exc:
        return webhook_error(400, str(exc), "malformed_payload")
    result = voice_event_ingest(kind=VoiceWebhookEvent.Kind.STATUS, external_id=update.external_id,
                                call_sid=update.call_sid, payload=clean_json(request.POST.dict()))
    if result.not_handed_over:
        return webhook_unavailable()
    return _twiml(EMPTY_TWIML)


@csrf_exempt
@require_POST
def twilio_recording(request: HttpRequest) -> HttpResponse:
    """Recording status callbacks: stored, then the recording downloaded and transcribed after commit."""
    refused = _refused(request)
    if refused is not None:
        return refused
    try:
        update = voice.parse_recording(request.POST)
    except PayloadError as exc:
        return webhook_error(400, str(exc), "malformed_payload")
    result = voice_event_ingest(kind=VoiceWebhookEvent.Kind.RECORDING, external_id=update.external_id,
                                call_sid=update.call_sid, payload=clean_json(request.POST.dict()))
    if result.not_handed_over:
        return webhook_unavailable()
    return _twiml(EMPTY_TWIML)
