"""Twilio Voice callbacks in: the raw event stored first, then the call created or moved on (idempotent).

- The number's voice URL (``/webhooks/twilio/voice/``) is answered at once with TwiML: the raw event is stored,
  the call created (its contact found or created by phone, its lead and agent read from the CRM), and the
  answer says hello, warns that the call is recorded and rings the agent, or takes a voicemail out of hours.
  ``?stage=dial`` (the ``<Dial action>``) hands out the voicemail when nobody answered; ``?stage=voicemail``
  (the ``<Record action>``) says goodbye. (A click-to-call's own TwiML is ``calls.webhooks_outbound``.)
- Status and recording callbacks are stored (unique on kind and delivery id: a redelivery is dropped, unless
  its stored event is stranded) and handed after commit to ``calls.tasks.process_voice_event``; processing
  again is harmless. A broker that refuses the task leaves the event ``received`` for Twilio's redelivery or
  the periodic sweep (``calls/services/handover.py``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from calls.models import Call, VoiceWebhookEvent
from calls.services.handover import VOICE_EVENTS
from calls.services.live import call_publish
from conversations.models import Conversation
from core import events
from core.errors import ApplicationError
from core.handover import Redelivery
from core.phones import provider_phone
from integrations.errors import PayloadError
from integrations.twilio import voice
from leads.models import CLOSED_STATUSES, Contact, Lead
from leads.services import contact_create

logger = logging.getLogger(__name__)

STAGE_ANSWER = ""
STAGE_DIAL = "dial"
STAGE_VOICEMAIL = "voicemail"
STAGES = (STAGE_ANSWER, STAGE_DIAL, STAGE_VOICEMAIL)
VOICEMAIL_MAX_SECONDS = 120

# Progress of a call: a status never moves a call back to a lower rank (a late "ringing" after "in-progress").
STATUS_RANK = {"queued": 0, "ringing": 1, "in-progress": 2}
FINAL_RANK = 3


class CallNotFoundYetError(Exception):
    """A callback for a call we do not know (yet): the click-to-call that started it may not have committed.
    The task tries again later; replay picks it up otherwise."""


# ---------------------------------------------------------------------------------------------
# Business hours
# ---------------------------------------------------------------------------------------------
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*([a-z]{3})(?:\s*-\s*([a-z]{3}))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class HoursRange:
    days: frozenset[int]
    opens: time
    closes: time


def business_hours_parse(spec: str) -> list[HoursRange]:
    """``"mon-fri 09:00-19:00; sat 09:00-13:00"`` -> ranges; ``ValueError`` for anything else."""
    ranges = []
    for part in (p for p in spec.lower().split(";") if p.strip()):
        match = _RANGE.match(part)
        if not match or match.group(1) not in DAYS or (match.group(2) and match.group(2) not in DAYS):
            raise ValueError(f"VOICE_BUSINESS_HOURS: cannot read {part.strip()!r} (use 'mon-fri 09:00-19:00')")
        first = DAYS.index(match.group(1))
        last = DAYS.index(match.group(2)) if match.group(2) else first
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        opens = time(int(match.group(3)), int(match.group(4)))
        closes = time(23, 59, 59) if match.group(5) == "24" else time(int(match.group(5)), int(match.group(6)))
        ranges.append(HoursRange(frozenset(days), opens, closes))
    return ranges


def business_hours_open(*, at: datetime | None = None, spec: str | None = None) -> bool:
    """Whether people answer the phone at ``at`` (now), in ``TIME_ZONE``. An empty spec means always open;
    an unreadable one is logged and read as always open (a caller is never turned away by a typo)."""
    spec = settings.VOICE_BUSINESS_HOURS if spec is None else spec
    if not spec.strip():
        return True
    try:
        ranges = business_hours_parse(spec)
    except ValueError:
        logger.warning("VOICE_BUSINESS_HOURS unreadable; answering as open")
        return True
    local = timezone.localtime(at or timezone.now())
    now = local.time()
    return any(local.weekday() in r.days and r.opens <= now < r.closes for r in ranges)


# ---------------------------------------------------------------------------------------------
# Raw events
# ---------------------------------------------------------------------------------------------
def voice_event_store(
    *, kind: str, external_id: str, call_sid: str, payload: dict[str, Any]
) -> VoiceWebhookEvent | Redelivery:
    """Store one callback as it came, with its hand-over time (in the insert: the hand-over costs no query).

    For a redelivery, what to do with the stored event: a ``Redelivery`` that says whether this delivery hands
    it over again (still ``received`` with a stale hand-over, ``core/handover.py``).
    """
    try:
        with transaction.atomic():
            return VoiceWebhookEvent.objects.create(
                kind=kind, external_id=external_id[:200], call_sid=call_sid[:64], payload=payload,
                handed_over_at=timezone.now(),
            )
    except IntegrityError:
        redelivery = VOICE_EVENTS.redelivery_claim(lookup={"kind": kind, "external_id": external_id[:200]})
        if redelivery is None:
            raise
        return redelivery


@dataclass(frozen=True)
class VoiceIngestResult:
    created: bool
    handed_over_again: bool = False  # a redelivery of an event stranded in ``received``, queued again
    not_handed_over: bool = False  # stored, but the broker did not take its task (known outside a transaction)


def voice_event_ingest(
    *, kind: str, external_id: str, call_sid: str, payload: dict[str, Any]
) -> VoiceIngestResult:
    """Store a status or recording callback and, once committed, hand it to the worker.

    A duplicate creates nothing, and queues the stored event again only when it is stranded. When the broker
    does not take the task, the event stays stored ``received`` and ``not_handed_over`` says so (the view
    answers 503: Twilio delivers it again, or the sweep hands it over).
    """
    stored = voice_event_store(kind=kind, external_id=external_id, call_sid=call_sid, payload=payload)
    hand_overs = VOICE_EVENTS.hand_overs()
    if isinstance(stored, VoiceWebhookEvent):
        hand_overs.on_commit(stored.pk)
        return VoiceIngestResult(created=True, not_handed_over=bool(hand_overs.failed))
    if stored.hand_over:
        hand_overs.on_commit(stored.event_id)
    return VoiceIngestResult(created=False, handed_over_again=stored.hand_over,
                             not_handed_over=bool(hand_overs.failed))


def _mark(event: VoiceWebhookEvent, state: str, error: str = "") -> None:
    event.state = state
    event.last_error = error[:2000]
    done = state in (VoiceWebhookEvent.State.PROCESSED, VoiceWebhookEvent.State.IGNORED)
    event.processed_at = timezone.now() if done else None
    event.save(update_fields=["state", "last_error", "processed_at", "attempts"])


def voice_event_record_failure(*, event_id: int, error: str) -> None:
    with transaction.atomic():
        event = VoiceWebhookEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is not None and event.state != VoiceWebhookEvent.State.PROCESSED:
            _mark(event, VoiceWebhookEvent.State.FAILED, error)


def voice_event_process(*, event_id: int) -> str:
    """Apply one stored callback; safe to call again (redelivery, retry, replay). Returns the event's state.

    Raises ``CallNotFoundYetError`` (the task retries) and the download's transient errors; a permanent download
    failure leaves the event failed with the reason (the recording too), replayable.
    """
    from calls.services.recordings import recording_event_process

    with transaction.atomic():
        event = VoiceWebhookEvent.objects.select_for_update().get(pk=event_id)
        if event.state in (VoiceWebhookEvent.State.PROCESSED, VoiceWebhookEvent.State.IGNORED):
            return event.state
        event.attempts += 1
        event.save(update_fields=["attempts"])
        kind = event.kind
        payload = event.payload
    try:
        if kind == VoiceWebhookEvent.Kind.RECORDING:
            state, note = recording_event_process(event_id=event_id, update=voice.parse_recording(payload))
        elif kind == VoiceWebhookEvent.Kind.STATUS:
            state, note = _status_event_process(voice.parse_call_status(payload))
        else:
            state, note = _inbound_event_process(payload)
    except PayloadError as exc:  # stored before the parser changed, or edited by hand: nothing to retry
        state, note = VoiceWebhookEvent.State.FAILED, str(exc)
    with transaction.atomic():
        event = VoiceWebhookEvent.objects.select_for_update().get(pk=event_id)
        if event.state != VoiceWebhookEvent.State.PROCESSED:
            _mark(event, state, note)
    return state


def _status_event_process(update: voice.CallStatusUpdate) -> tuple[str, str]:
    with transaction.atomic():
        applied = call_status_apply(update=update)
    return VoiceWebhookEvent.State.PROCESSED, "" if applied else "older than the call's state: kept, not applied"


def _inbound_event_process(payload: dict[str, Any]) -> tuple[str, str]:
    """Replay of an inbound request whose processing failed: create its call (no TwiML to give any more)."""
    call_voice = voice.parse_voice_call(payload)
    if payload.get("_stage", STAGE_ANSWER) != STAGE_ANSWER:
        return VoiceWebhookEvent.State.IGNORED, "a later step of a call: nothing to replay"
    with transaction.atomic():
        inbound_call_record(call=call_voice)
    return VoiceWebhookEvent.State.PROCESSED, ""


# ---------------------------------------------------------------------------------------------
# Inbound calls
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InboundAnswer:
    call: Call | None
    twiml: str


def _webhook_url(name: str, **query: str) -> str:
    url = settings.PUBLIC_BASE_URL + reverse(name)
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def _contact_for_phone(phone: str) -> Contact | None:
    """The contact with this phone (as main phone or one of their other phones), created when new; locked."""
    if not phone:
        return None
    contact = Contact.objects.select_for_update().filter(phone=phone).first()
    if contact is None and connection.features.supports_json_field_contains:
        contact = Contact.objects.select_for_update().filter(extra_phones__contains=[phone]).first()
    if contact is not None:
        return contact
    try:
        with transaction.atomic():
            return contact_create(phone=phone)
    except (IntegrityError, ValidationError, ApplicationError) as exc:
        found = Contact.objects.select_for_update().filter(phone=phone).first()
        if found is None:
            logger.warning("inbound call: contact not created (%s)", type(exc).__name__)
        return found


def _open_lead(contact: Contact) -> Lead | None:
    return (Lead.objects.select_related("assignee").filter(contact=contact).exclude(status__in=CLOSED_STATUSES)
            .order_by("-created_at", "-pk").first())


def _last_conversation(contact: Contact) -> Conversation | None:
    return (Conversation.objects.select_related("assignee").filter(contact=contact)
            .order_by(F("last_message_at").desc(nulls_last=True), "-pk").first())


def _can_take_calls(user: User | None) -> bool:
    return bool(user and user.is_active and user.role in (Role.AGENT, Role.SUPERVISOR))


def inbound_call_record(*, call: voice.VoiceCall) -> Call:
    """The call behind an inbound request, created the first time (contact by phone, lead, conversation, agent).

    Must run inside a transaction. The agent is whoever holds the contact's open lead, else whoever holds their
    last conversation; nobody when neither (the team is rung, and whoever answers takes the call).
    """
    existing = Call.objects.select_related("agent").filter(call_sid=call.call_sid).first()
    if existing is not None:
        return existing
    phone = provider_phone(call.from_)
    contact = _contact_for_phone(phone)
    lead = _open_lead(contact) if contact else None
    conversation = _last_conversation(contact) if contact else None
    agent = None
    if lead is not None and _can_take_calls(lead.assignee):
        agent = lead.assignee
    elif conversation is not None and _can_take_calls(conversation.assignee):
        agent = conversation.assignee
    if conversation is not None and lead is None and conversation.lead_id:
        lead = conversation.lead
    try:
        with transaction.atomic():
            created = Call.objects.create(
                contact=contact, lead=lead, conversation=conversation, agent=agent,
                direction=Call.Direction.INBOUND, from_number=phone or call.from_[:40],
                to_number=provider_phone(call.to) or call.to[:40], call_sid=call.call_sid,
                status=Call.Status.RINGING,
            )
    except IntegrityError:  # the same request twice at once: the other one made it
        return Call.objects.select_related("agent").get(call_sid=call.call_sid)
    call_publish(created)
    return created


def _dial_targets(call: Call) -> list[voice.DialTarget]:
    """The call's agent (browser phone and their phone), or every active agent when nobody holds the caller."""
    if call.agent_id:
        people = [call.agent]
    else:
        people = list(
            User.objects.filter(is_active=True, role=Role.AGENT).order_by("-last_login", "pk")[:voice.MAX_DIAL_TARGETS]
        )
    targets = []
    for person in people:
        phone = provider_phone(person.phone) if person.phone else ""
        targets.append(voice.DialTarget(client_identity=voice.agent_identity(person.pk), phone=phone))
    return targets


def _texts() -> dict[str, str]:
    return {
        "greeting": _("Hello, thank you for calling. We will put you through to an advisor."),
        "consent": _("This call is recorded for quality and training purposes. By staying on the line you agree "
                     "to the recording."),
        "closed": _("We are closed right now. Please leave your name and your message after the tone and we will "
                    "call you back."),
        "no_answer": _("Our advisors are busy right now. Please leave your name and your message after the tone "
                       "and we will call you back."),
        "goodbye": _("Thank you for your message. Goodbye."),
    }


def _voicemail(message: str) -> voice.Voicemail:
    return voice.Voicemail(
        message=message, recording_callback_url=_webhook_url("webhook-twilio-recording"),
        action_url=_webhook_url("webhook-twilio-voice", stage=STAGE_VOICEMAIL), max_length=VOICEMAIL_MAX_SECONDS,
    )


def _mark_voicemail(call: Call) -> None:
    if Call.objects.filter(pk=call.pk, is_voicemail=False).update(is_voicemail=True, updated_at=timezone.now()):
        call.is_voicemail = True
        call_publish(call)


def inbound_call_answer(*, call: voice.VoiceCall, payload: dict[str, Any], stage: str = STAGE_ANSWER) -> InboundAnswer:
    """Store the request, then answer it with TwiML (see the module's docstring for the stages).

    A redelivery of the same request gets the same kind of answer and creates nothing new. When the CRM side
    fails (database trouble), the caller still gets a voicemail and the raw event stays failed for replay.
    """
    suffix = f":{stage}" if stage else ""
    stored = voice_event_store(kind=VoiceWebhookEvent.Kind.INBOUND, external_id=call.call_sid + suffix,
                               call_sid=call.call_sid, payload={**payload, "_stage": stage})
    # This request processes its event itself, whatever the broker does; a redelivery of one left ``received``
    # with a stale hand-over (a request that died half-way) takes it over, else it is a plain duplicate.
    event_id: int | None = None
    if isinstance(stored, VoiceWebhookEvent):
        event_id = stored.pk
    elif stored.hand_over:
        event_id = stored.event_id
    with translation.override(settings.LANGUAGE_CODE):
        texts = _texts()
        try:
            with transaction.atomic():
                answer = _answer(call=call, stage=stage, texts=texts)
        except Exception as exc:
            logger.exception("inbound call %s: answered with the voicemail after an error", stage or "answer")
            if event_id is not None:
                voice_event_record_failure(event_id=event_id, error=f"{type(exc).__name__}: {exc}")
            twiml = voice.voicemail_twiml(voicemail=_voicemail(texts["no_answer"]))
            return InboundAnswer(call=None, twiml=twiml)
    if event_id is not None:
        with transaction.atomic():
            locked = VoiceWebhookEvent.objects.select_for_update().get(pk=event_id)
            if locked.state not in (VoiceWebhookEvent.State.PROCESSED, VoiceWebhookEvent.State.IGNORED):
                locked.attempts += 1
                _mark(locked, VoiceWebhookEvent.State.PROCESSED)
    return answer


def _answer(*, call: voice.VoiceCall, stage: str, texts: dict[str, str]) -> InboundAnswer:
    if stage == STAGE_VOICEMAIL:
        record = Call.objects.filter(call_sid=call.call_sid).first()
        if record is not None:
            _finish(record, talk_seconds=_int_or_none(call.raw.get("RecordingDuration", "")))
        return InboundAnswer(call=record, twiml=voice.goodbye_twiml(texts["goodbye"]))
    record = inbound_call_record(call=call)
    if stage == STAGE_DIAL:
        if call.agent_answered:
            _finish(record, talk_seconds=call.dial_duration, answered=True)
            return InboundAnswer(call=record, twiml=voice.goodbye_twiml())
        _mark_voicemail(record)
        return InboundAnswer(call=record, twiml=voice.voicemail_twiml(
            voicemail=_voicemail(texts["no_answer"])))
    if not business_hours_open():
        _mark_voicemail(record)
        return InboundAnswer(call=record, twiml=voice.voicemail_twiml(
            greeting=texts["greeting"], voicemail=_voicemail(texts["closed"])))
    twiml = voice.answer_twiml(
        greeting=texts["greeting"], consent=texts["consent"], targets=_dial_targets(record),
        ring_seconds=settings.VOICE_RING_SECONDS, caller_id=call.from_ if call.from_.startswith("+") else "",
        dial_action_url=_webhook_url("webhook-twilio-voice", stage=STAGE_DIAL),
        recording_callback_url=_webhook_url("webhook-twilio-recording"),
        agent_status_url=_webhook_url("webhook-twilio-voice-status"),
        voicemail=_voicemail(texts["no_answer"]),
    )
    return InboundAnswer(call=record, twiml=twiml)


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 9 else None


def _finish(record: Call, *, talk_seconds: int | None, answered: bool = False) -> None:
    """The end of an inbound call as our own TwiML sees it (the agent's ``<Dial>`` over, or the voicemail left):
    completed now, with its talk time, even when the number's status callback is not configured. A status
    callback arriving later is kept and fills nothing more."""
    record = Call.objects.select_for_update(of=("self",)).select_related("agent").get(pk=record.pk)
    if record.is_final:
        return
    now = timezone.now()
    if answered and record.answered_at is None:
        record.answered_at = now - timedelta(seconds=talk_seconds or 0)
        record.save(update_fields=["answered_at", "updated_at"])
    call_status_apply(update=voice.CallStatusUpdate(
        call_sid=record.call_sid or "", status=Call.Status.COMPLETED, duration=talk_seconds, timestamp=now))


def voice_status_url() -> str:
    """The ``StatusCallback`` of every call we start."""
    return _webhook_url("webhook-twilio-voice-status")


# ---------------------------------------------------------------------------------------------
# Status callbacks
# ---------------------------------------------------------------------------------------------
def _rank(status: str) -> int:
    return FINAL_RANK if status in Call.FINAL_STATUSES else STATUS_RANK.get(status, 0)


def _agent_of_leg(update: voice.CallStatusUpdate) -> User | None:
    """The agent a child leg rang: ``client:agent-<id>`` or an agent's phone."""
    agent_id = voice.agent_id_from_identity(update.to)
    if agent_id is not None:
        return User.objects.filter(pk=agent_id, is_active=True).first()
    phone = provider_phone(update.to) if update.to else ""
    if not phone:
        return None
    return User.objects.filter(Q(phone=phone) | Q(phone=update.to), is_active=True).first()


def _child_leg_apply(call: Call, update: voice.CallStatusUpdate) -> bool:
    """An agent's leg of an inbound call: answered, the call is answered by that agent; completed after an
    answer, its duration is the talk time."""
    if call.is_final and call.duration:
        return False
    fields = []
    if update.status == Call.Status.IN_PROGRESS:
        if call.answered_at is None:
            call.answered_at = update.timestamp or timezone.now()
            fields.append("answered_at")
        agent = _agent_of_leg(update)
        if agent is not None and agent.pk != call.agent_id:
            call.agent = agent
            fields.append("agent")
        if not call.is_final and call.status != Call.Status.IN_PROGRESS:
            call.status = Call.Status.IN_PROGRESS
            fields.append("status")
    elif update.status == Call.Status.COMPLETED and update.duration and call.answered_at is not None:
        call.duration = update.duration
        fields.append("duration")
    if not fields:
        return False
    call.save(update_fields=[*fields, "updated_at"])
    call_publish(call)
    return True


def call_status_apply(*, update: voice.CallStatusUpdate) -> bool:
    """Move a call on by one status callback; True when it changed. Must run inside a transaction.

    Never backwards: a callback with a lower ``SequenceNumber`` than the last applied, a lower status than the
    current one, or anything after a final status (completed, busy, no-answer, failed, canceled) is kept but not
    applied; a final status arriving late still fills a missing duration. ``call.ended`` is emitted once, when the
    call first becomes final.
    """
    locked = Call.objects.select_for_update(of=("self",)).select_related("agent")  # the agent: who hears of it
    call = locked.filter(call_sid=update.call_sid).first()
    if call is None and update.parent_call_sid:
        parent = locked.filter(call_sid=update.parent_call_sid).first()
        if parent is not None:
            return _child_leg_apply(parent, update)
    if call is None:
        raise CallNotFoundYetError(f"no call with sid {update.call_sid} (yet)")
    if call.is_final:
        # Only a completed call has talk time: a late final fills it when missing, never on busy or no answer.
        if update.is_final and update.duration and not call.duration and call.status == Call.Status.COMPLETED:
            call.duration = update.duration
            call.save(update_fields=["duration", "updated_at"])
            call_publish(call)
            return True
        return False
    if update.sequence is not None and update.sequence <= call.status_sequence:
        return False
    if _rank(update.status) < _rank(call.status):
        return False
    inbound = call.direction == Call.Direction.INBOUND
    if inbound and update.status == Call.Status.IN_PROGRESS and call.answered_at is None:
        # Twilio "answers" an inbound call with our TwiML: it is ringing the agents until one of their legs is
        # answered (``_child_leg_apply``).
        if update.sequence is not None:
            call.status_sequence = update.sequence
            call.save(update_fields=["status_sequence", "updated_at"])
        return False
    at = update.timestamp or timezone.now()
    call.status = update.status
    if update.sequence is not None:
        call.status_sequence = update.sequence
    fields = ["status", "status_sequence"]
    if update.status == Call.Status.IN_PROGRESS and call.answered_at is None:
        call.answered_at = at
        fields.append("answered_at")
    if update.error_code:
        call.error_code = update.error_code
        fields.append("error_code")
    if update.is_final:
        call.ended_at = at
        fields.append("ended_at")
        if update.duration and (not call.duration or not inbound):
            # An inbound call's talk time may already be its agent's leg (the parent also counts the ringing).
            call.duration = update.duration
            fields.append("duration")
        if call.answered_at is None and call.duration and not inbound:
            call.answered_at = at - timedelta(seconds=call.duration)
            fields.append("answered_at")
    call.save(update_fields=[*fields, "updated_at"])
    if update.is_final:
        events.emit("call.ended", call_id=call.pk)
    call_publish(call)
    return True
