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
from conversations.views import twilio_request_verified, webhook_forbidden, webhook_unreadable
from integrations.twilio import voice


def connect_twiml(call: Call) -> str:
    """TwiML for the agent who answered: a word that we are connecting, then the customer, recorded."""
    return voice.bridge_twiml(
        to=call.to_number,
        caller_id=call.from_number,
        ring_seconds=max(5, int(settings.VOICE_RING_SECONDS) + 10),
        recording_callback_url=f"{settings.PUBLIC_BASE_URL}{reverse('webhook-twilio-recording')}",
        announcement=_("Connecting you with the customer. The call is recorded."),
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
    call = Call.objects.filter(pk=call_id, direction=Call.Direction.OUTBOUND).first()
    if call is None or call.is_final or not call.to_number:
        return _hangup()
    sid = request.POST.get("CallSid", "")
    if call.call_sid and sid and sid != call.call_sid:
        return _hangup()
    return HttpResponse(connect_twiml(call), content_type="text/xml")
