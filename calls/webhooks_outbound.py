"""The agent's leg of a click-to-call: once the agent answers, Twilio asks this URL what to do, and we dial the
customer, recording the call (``calls.services.outbound``). Signed like every Twilio webhook (the same check as
the message and voice webhooks)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls.models import Call
from calls.services.outbound import STAGE_DIAL_DONE, call_dial_result, connect_url
from conversations.views import twilio_request_verified, webhook_error, webhook_forbidden, webhook_unreadable
from integrations.twilio import voice


def connect_twiml(call: Call) -> str:
    """TwiML for the agent who answered: a word that we are connecting, then the customer, recorded."""
    return voice.bridge_twiml(
        to=call.to_number,
        caller_id=call.from_number,
        ring_seconds=max(5, int(settings.VOICE_RING_SECONDS) + 10),
        recording_callback_url=f"{settings.PUBLIC_BASE_URL}{reverse('webhook-twilio-recording')}",
        announcement=_("Connecting you with the customer. The call is recorded."),
        action_url=f"{connect_url(call)}?stage={STAGE_DIAL_DONE}",
    )


def _hangup() -> HttpResponse:
    return HttpResponse(voice.goodbye_twiml(), content_type="text/xml")


@csrf_exempt
@require_POST
def voice_connect(request: HttpRequest, call_id: int) -> HttpResponse:
    """Dial the customer of outbound call ``call_id``; a call that is not ours, or already over, is hung up."""
    refused = webhook_unreadable(request, form=True)
    if refused is not None:
        return refused
    if not twilio_request_verified(request):
        return webhook_forbidden()
    stage = request.GET.get("stage", "")
    if stage not in ("", STAGE_DIAL_DONE):
        return webhook_error(400, "Unknown stage.", "malformed_payload")
    call = Call.objects.filter(pk=call_id, direction=Call.Direction.OUTBOUND).first()
    sid = request.POST.get("CallSid", "")
    if call is None or (call.call_sid and sid and sid != call.call_sid):
        return _hangup()
    if stage == STAGE_DIAL_DONE:
        # The customer's side is over (answered and hung up, busy, no answer): the call ends with it.
        duration = request.POST.get("DialCallDuration", "")
        call_dial_result(call_id=call.pk, dial_status=request.POST.get("DialCallStatus", ""),
                         dial_duration=int(duration) if duration.isdigit() and len(duration) < 9 else None)
        return _hangup()
    if call.is_final or not call.to_number:
        return _hangup()
    return HttpResponse(connect_twiml(call), content_type="text/xml")
