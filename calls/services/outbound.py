"""Click to call: the agent's phone rings first, then the customer's (Twilio's Calls API).

``call_start`` checks everything that can be checked before anyone's phone rings (the agent has a phone, voice is
configured, the agent may see the contact, the number is the contact's, the agent's hourly budget), stores the
call as ``queued``, and only then asks Twilio to ring the agent. When the agent answers, Twilio fetches our TwiML
(``calls/webhooks_outbound.py``, ``webhook-twilio-voice-connect``), which dials the customer and records the
call; the call's progress arrives as status callbacks (``/webhooks/twilio/voice/status/``).

The HTTP call to Twilio is made outside any transaction: the queued call is committed (and shown) first, and its
CallSid stored as soon as Twilio answers; a status callback that comes before that waits for it (the voice
worker retries a callback whose call it does not know yet).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from accounts.models import User
from calls.models import Call
from calls.scripts import script_for_call
from calls.services.live import call_publish
from conversations.models import ChannelAccount, Conversation
from conversations.selectors import conversation_visible_queryset
from core import events
from core.errors import ApplicationError, InvalidPhoneError, NotFoundError
from core.phones import normalize_phone, provider_phone
from integrations.base import Provider
from integrations.errors import AmbiguousError, ProviderError
from integrations.twilio.voice import TwilioVoiceClient
from leads.models import Contact, Lead
from leads.selectors import contact_visible_queryset, lead_visible_queryset

logger = logging.getLogger(__name__)

ERROR_CODE_MAX = 20  # Call.error_code's length


class CallStartError(ApplicationError):
    """Click to call refused (the ``code`` says why: phone_invalid, phone_not_contacts, agent_no_phone, ...)."""

    code = "call_refused"


class CallRateLimitedError(CallStartError):
    code = "rate_limited"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS


class VoiceNotConfiguredError(CallStartError):
    code = "voice_not_configured"
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


class CallProviderError(CallStartError):
    code = "provider_error"
    status_code = status.HTTP_502_BAD_GATEWAY


@dataclass(frozen=True)
class VoiceCredentials:
    account_sid: str
    auth_token: str
    number: str  # our voice number, E.164: the caller id both legs show

    def __repr__(self) -> str:  # never show the token
        return f"VoiceCredentials(account_sid={self.account_sid!r}, number={self.number!r})"


def voice_credentials() -> VoiceCredentials | None:
    """Twilio credentials and our voice number, or None when something is missing.

    As the WhatsApp sends pick them: the environment's (``TWILIO_ACCOUNT_SID``/``TWILIO_AUTH_TOKEN``), else the
    active Twilio channel account's (its SID and token as a pair, never mixed with the environment's). The
    number is ``TWILIO_VOICE_NUMBER`` (which defaults to the WhatsApp sender's number), else the account's.
    """
    account = (
        ChannelAccount.objects.filter(provider=Provider.TWILIO_WHATSAPP, is_active=True).order_by("pk").first()
    )
    if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN:
        sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    elif account is not None:
        sid, token = account.account_sid, account.access_token or ""
    else:
        sid, token = "", ""
    number = settings.TWILIO_VOICE_NUMBER or (account.phone_number if account else "")
    number = provider_phone(number) if number else ""
    if not (sid and token and number):
        return None
    return VoiceCredentials(account_sid=sid, auth_token=token, number=number)


def voice_client(credentials: VoiceCredentials) -> TwilioVoiceClient:
    return TwilioVoiceClient(
        credentials.account_sid, credentials.auth_token,
        base_url=settings.TWILIO_API_BASE_URL, timeout=settings.PROVIDER_TIMEOUT_SECONDS,
    )


def contact_phone_numbers(contact: Contact) -> list[str]:
    """The contact's numbers in E.164: the main phone, the WhatsApp id and the other phones (no repeats)."""
    raw = [contact.phone, contact.whatsapp_id, *(p for p in (contact.extra_phones or []) if isinstance(p, str))]
    numbers = [provider_phone(value) for value in raw if value]
    return list(dict.fromkeys(n for n in numbers if n))


def connect_url(call: Call) -> str:
    """The TwiML Twilio fetches when the agent answers: it dials the customer."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('webhook-twilio-voice-connect', kwargs={'call_id': call.pk})}"


#: The connect URL's ``?stage=`` once the customer's side of the call is over (``<Dial action>``).
STAGE_DIAL_DONE = "done"
_DIAL_STATUSES = {"answered": Call.Status.COMPLETED, **{status: status for status in Call.FINAL_STATUSES}}


@transaction.atomic
def call_dial_result(*, call_id: int, dial_status: str, dial_duration: int | None) -> Call:
    """How the customer's side of a click-to-call ended, as Twilio's ``<Dial action>`` tells it.

    The call ends with it: completed with the customer's talk time when they answered, otherwise busy, no answer,
    failed or canceled, with no talk time and no answer (the agent's own leg, which rang first, is not the
    customer answering). The agent's leg's "completed" that follows finds the call over and changes nothing.
    """
    call = Call.objects.select_for_update(of=("self",)).select_related("agent").get(pk=call_id)
    if call.is_final:
        return call
    status = _DIAL_STATUSES.get(dial_status, Call.Status.FAILED)
    now = timezone.now()
    talk = (dial_duration or 0) if status == Call.Status.COMPLETED else 0
    call.status = status
    call.duration = talk
    call.ended_at = now
    call.answered_at = now - timedelta(seconds=talk) if status == Call.Status.COMPLETED else None
    call.save(update_fields=["status", "duration", "ended_at", "answered_at", "updated_at"])
    events.emit("call.ended", call_id=call.pk)
    call_publish(call)
    return call


def status_callback_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('webhook-twilio-voice-status')}"


def _check_visible(*, agent: User, contact: Contact, lead: Lead | None, conversation: Conversation | None) -> None:
    """The agent must see what they call about; the lead and the conversation must be the contact's."""
    not_found = NotFoundError(_("You cannot call this customer: they are not among yours."))
    if conversation is not None:
        if conversation.contact_id != contact.pk:
            raise CallStartError(_("The conversation is not this customer's."), code="contact_mismatch")
        if not conversation_visible_queryset(user=agent).filter(pk=conversation.pk).exists():
            raise not_found
    if lead is not None:
        if lead.contact_id != contact.pk:
            raise CallStartError(_("The lead is not this customer's."), code="contact_mismatch")
        # The open conversation's lead is called from the conversation, even while the lead is unassigned.
        from_conversation = conversation is not None and conversation.lead_id == lead.pk
        if not from_conversation and not lead_visible_queryset(user=agent).filter(pk=lead.pk).exists():
            raise not_found
    if conversation is None and lead is None and not contact_visible_queryset(user=agent).filter(
            pk=contact.pk).exists():
        raise not_found


def _customer_number(*, contact: Contact, to_number: str | None) -> str:
    numbers = contact_phone_numbers(contact)
    if not to_number:
        if not numbers:
            raise CallStartError(_("This customer has no phone number to call."), code="phone_invalid")
        return numbers[0]
    try:
        number = normalize_phone(to_number)
    except InvalidPhoneError:
        raise CallStartError(
            _("“%(phone)s” is not a valid phone number.") % {"phone": to_number[:40]}, code="phone_invalid",
        ) from None
    if number not in numbers:
        raise CallStartError(_("That number is not this customer's."), code="phone_not_contacts")
    return number


def _agent_number(agent: User) -> str:
    try:
        return normalize_phone(agent.phone or "")
    except InvalidPhoneError:
        raise CallStartError(
            _("Your user has no valid phone number to ring: ask an administrator to add it to your profile."),
            code="agent_no_phone",
        ) from None


def call_start(
    *,
    agent: User,
    contact: Contact,
    lead: Lead | None = None,
    conversation: Conversation | None = None,
    to_number: str | None = None,
) -> Call:
    """Ring ``agent``'s phone, and when they answer, ``contact`` at ``to_number`` (by default their main number).

    Raises ``CallStartError`` (codes phone_invalid, phone_not_contacts, agent_no_phone, contact_mismatch,
    rate_limited, voice_not_configured, provider_error) or ``NotFoundError`` when the agent may not see the
    contact, lead or conversation. A provider failure leaves the call stored as ``failed`` with the error code.
    """
    agent_number = _agent_number(agent)
    credentials = voice_credentials()
    if credentials is None:
        raise VoiceNotConfiguredError(
            _("Calls are not configured: a Twilio account and a voice number are needed (TWILIO_VOICE_NUMBER)."),
        )
    _check_visible(agent=agent, contact=contact, lead=lead, conversation=conversation)
    if lead is None and conversation is not None:
        lead = conversation.lead
    customer = _customer_number(contact=contact, to_number=to_number)

    with transaction.atomic():
        # One agent's click-to-calls one at a time, so that two tabs cannot both slip under the hourly budget.
        User.objects.select_for_update().filter(pk=agent.pk).first()
        since = timezone.now() - timedelta(hours=1)
        made = Call.objects.filter(agent=agent, direction=Call.Direction.OUTBOUND, created_at__gte=since).count()
        if made >= settings.CALLS_PER_AGENT_PER_HOUR:
            raise CallRateLimitedError(
                _("You have made %(count)s calls in the last hour, the most allowed. Try again later.")
                % {"count": made},
            )
        call = Call(
            direction=Call.Direction.OUTBOUND, status=Call.Status.QUEUED, from_number=credentials.number,
            to_number=customer, agent=agent, contact=contact, lead=lead, conversation=conversation,
        )
        call.script = script_for_call(call)  # the one the transcript's adherence is scored against
        call.save()
        call_publish(call)

    try:
        with voice_client(credentials) as client:
            answer = client.create_call(
                to=agent_number, from_=credentials.number, url=connect_url(call), status_callback=status_callback_url(),
            )
    except ProviderError as exc:
        _call_failed(call, exc)
    call_sid = str((answer or {}).get("sid") or "")
    if call_sid:
        Call.objects.filter(pk=call.pk, call_sid__isnull=True).update(call_sid=call_sid, updated_at=timezone.now())
        call.call_sid = call_sid
    logger.info("click-to-call %s started by user %s", call.pk, agent.pk)
    return call


def _call_failed(call: Call, exc: ProviderError) -> NoReturn:
    code = (exc.code or (str(exc.status) if exc.status else "") or type(exc).__name__)[:ERROR_CODE_MAX]
    logger.warning("click-to-call %s failed at Twilio: %s (%s)", call.pk, type(exc).__name__, code)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if not locked.is_final:
            locked.status = Call.Status.FAILED
            locked.error_code = code
            locked.ended_at = timezone.now()
            locked.save(update_fields=["status", "error_code", "ended_at", "updated_at"])
            call_publish(locked)
    if isinstance(exc, AmbiguousError):  # a timeout or a 5xx: Twilio may have started it all the same
        message = _("Twilio did not confirm the call (%(code)s): your phone may still ring. If it does not, "
                    "try again in a moment.") % {"code": code}
    else:
        message = _("Twilio could not place the call (%(code)s). Nobody was called.") % {"code": code}
    raise CallProviderError(message, extra={"call_id": call.pk, "provider_code": code})
