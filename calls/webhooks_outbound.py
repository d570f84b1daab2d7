"""The agent's leg of a click-to-call: once the agent answers, Twilio asks this URL what to do, and we dial the
customer, recording the call (``calls.services.outbound``). Signed like every Twilio webhook."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from calls.models import Call
from conversations.services.accounts import webhook_secrets
from integrations.base import Provider
from integrations.twilio import voice
from integrations.twilio import webhooks as twilio

RECORDING_CALLBACK_PATH = "/webhooks/twilio/recording/"


def _twilio_verified(request: HttpRequest) -> bool:
    """The ``X-Twilio-Signature`` check of the message webhooks, against the URL Twilio called (PUBLIC_BASE_URL)."""
    signature = request.headers.get("X-Twilio-Signature", "")
    url = f"{settings.PUBLIC_BASE_URL}{request.get_full_path()}"
    params = {key: request.POST.getlist(key) for key in request.POST} if request.method == "POST" else {}
    return any(
        twilio.verify_signature(url=url, params=params, signature=signature, auth_token=token)
        for token in webhook_secrets(Provider.TWILIO_WHATSAPP)
    )


def connect_twiml(call: Call) -> str:
    """TwiML for the agent who answered: a word that we are connecting, then the customer, recorded."""
    return voice.bridge_twiml(
        to=call.to_number,
        caller_id=call.from_number,
        ring_seconds=max(5, int(settings.VOICE_RING_SECONDS) + 10),
        recording_callback_url=f"{settings.PUBLIC_BASE_URL}{RECORDING_CALLBACK_PATH}",
        announcement=_("Connecting you with the customer. The call is recorded."),
    )


def _hangup() -> HttpResponse:
    return HttpResponse(voice.goodbye_twiml(), content_type="text/xml")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def voice_connect(request: HttpRequest, call_id: int) -> HttpResponse:
    """Dial the customer of outbound call ``call_id``; a call that is not ours, or already over, is hung up."""
    if not _twilio_verified(request):
        return JsonResponse({"detail": "Invalid or missing signature.", "code": "invalid_signature"}, status=403)
    call = Call.objects.filter(pk=call_id, direction=Call.Direction.OUTBOUND).first()
    if call is None or call.is_final or not call.to_number:
        return _hangup()
    sid = request.POST.get("CallSid", "") or request.GET.get("CallSid", "")
    if call.call_sid and sid and sid != call.call_sid:
        return _hangup()
    return HttpResponse(connect_twiml(call), content_type="text/xml")
