"""Service-level rules: business hours (read by automations and the SLA clock), the out-of-office answer, and
the periodic check that tells people once when a waiting customer is close to, and once when past, the target.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from conversations.models import Conversation, Message, MessageTemplate
from conversations.selectors import conversation_team_id
from conversations.services.inbox import conversation_add_system_note
from conversations.services.outbound import WindowClosedError, message_send
from core.errors import ApplicationError
from leads.outreach import first_name
from notifications.services import notification_create
from sla.calendar import Calendar
from sla.models import OutOfOfficeReply, SlaNotice
from sla.selectors import (
    ACTIVE_STATUSES,
    AwaySettings,
    conversation_sla_states,
    conversation_team_ids,
    sla_setup,
    team_calendar,
    team_supervisors,
)

logger = logging.getLogger(__name__)


# --- business hours --------------------------------------------------------------------------------------------

def within_business_hours(*, team_id: int | None, at: datetime) -> bool:
    """Is ``team_id``'s service open at ``at``? (its hours, else the company's; holidays close the day; no hours
    at all: always open). ``team_id`` None asks the company default."""
    return team_calendar(team_id=team_id, now=at).is_open(at)


def business_minutes_between(*, team_id: int | None, start: datetime, end: datetime) -> int:
    """Whole minutes ``team_id``'s service is open between ``start`` and ``end`` (0 when ``end`` is not later)."""
    return int(team_calendar(team_id=team_id, now=start).seconds_between(start, end) // 60)


# --- out of office ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutOfOfficeResult:
    out_of_hours: bool
    reply: OutOfOfficeReply | None = None  # None when nothing was due (inside hours, off, or already answered)
    ai_answers: bool = True


_OPENING = re.compile(r"\{apertura\}")


def _opening_text(calendar: Calendar, at: datetime) -> str:
    opening = calendar.next_opening(at)
    if opening is None:
        return ""
    local = opening.astimezone(calendar.tz)
    with translation.override(settings.LANGUAGE_CODE):
        if local.date() == at.astimezone(calendar.tz).date():
            return _("today at %(time)s") % {"time": local.strftime("%H:%M")}
        return f"{date_format(local, 'l j')}, {local.strftime('%H:%M')}"


def _away_text(setup: AwaySettings, *, calendar: Calendar, conversation: Conversation, at: datetime) -> str:
    text = setup.text.replace("{nombre}", first_name(conversation.contact))
    if _OPENING.search(text):
        text = _OPENING.sub(_opening_text(calendar, at), text)
    return re.sub(r" +([,.!?])", r"\1", text).strip()


def _away_template(setup: AwaySettings, conversation: Conversation) -> MessageTemplate | None:
    if not setup.template_name:
        return None
    candidates = MessageTemplate.objects.filter(channel_account_id=conversation.channel_account_id,
                                                name=setup.template_name, is_active=True)
    return sorted(candidates, key=lambda t: (t.language != settings.LANGUAGE_CODE[:2], t.pk))[0] \
        if candidates else None


def _send_away(reply: OutOfOfficeReply, setup: AwaySettings, *, calendar: Calendar, conversation: Conversation,
               at: datetime) -> None:
    """Free text inside the window, else the template, else a note for the agent; recorded on ``reply``."""
    reasons: list[str] = []
    text = _away_text(setup, calendar=calendar, conversation=conversation, at=at) if setup.text else ""
    if text:
        try:
            reply.message = message_send(conversation=conversation, text=text, sender=Message.Sender.SYSTEM)
            reply.outcome = OutOfOfficeReply.Outcome.TEXT
            return
        except WindowClosedError:
            reasons.append(_("the 24-hour window is shut"))
    template = _away_template(setup, conversation)
    if template is not None and template.variable_count <= 1:
        variables = [first_name(conversation.contact) or _("customer")] if template.variable_count else []
        try:
            reply.message = message_send(conversation=conversation, template=template, variables=variables,
                                         sender=Message.Sender.SYSTEM)
            reply.outcome = OutOfOfficeReply.Outcome.TEMPLATE
            return
        except ApplicationError as exc:
            reasons.append(str(exc.message))
    elif setup.template_name:
        reasons.append(_("the template %(name)s is not usable on this number") % {"name": setup.template_name})
    else:
        reasons.append(_("no template is set for outside the window"))
    reason = "; ".join(reasons)
    reply.outcome = OutOfOfficeReply.Outcome.NOTE
    reply.reason = reason[:200]
    conversation_add_system_note(
        conversation_id=conversation.pk,
        text=_("Out of hours: the customer got no automatic answer (%(reason)s).") % {"reason": reason},
    )


def out_of_office_answer(*, message_id: int, now: datetime | None = None) -> OutOfOfficeResult:
    """Answer a customer who wrote outside their team's business hours, at most once per conversation and local
    day (the unique ``OutOfOfficeReply`` row: a retried event or two messages at once never answer twice).

    Sent as a system message (it does not stop the first-response clock): free text inside WhatsApp's
    24-hour window, the team's template outside it, and a note for the agent when neither can go.
    """
    now = now or timezone.now()
    if sla_setup(now=now).open_everywhere(now):  # most messages: nothing to read (no query)
        return OutOfOfficeResult(out_of_hours=False)
    message = (Message.objects.select_related("conversation__contact", "conversation__channel_account")
               .filter(pk=message_id, direction=Message.Direction.IN).first())
    if message is None:
        return OutOfOfficeResult(out_of_hours=False)
    conversation = message.conversation
    team_id = conversation_team_id(conversation)
    setup = sla_setup(team_ids=[team_id] if team_id is not None else [], now=now)
    calendar = setup.calendar(team_id)
    at = message.created_at or now
    # Judged when the customer wrote; a retry that runs after opening time answers nothing either.
    if calendar.is_open(at) or calendar.is_open(now):
        return OutOfOfficeResult(out_of_hours=False)
    away = setup.away(team_id)
    if not away.enabled or not (away.text or away.template_name):
        return OutOfOfficeResult(out_of_hours=True, ai_answers=away.ai_answers)
    day = at.astimezone(calendar.tz).date()
    try:
        with transaction.atomic():
            reply = OutOfOfficeReply.objects.create(conversation=conversation, day=day, team_id=team_id,
                                                    outcome=OutOfOfficeReply.Outcome.NOTE)
    except IntegrityError:  # answered today already (an earlier message, a retry, or a worker at the same time)
        return OutOfOfficeResult(out_of_hours=True, ai_answers=away.ai_answers)
    _send_away(reply, away, calendar=calendar, conversation=conversation, at=at)
    reply.save(update_fields=["outcome", "message", "reason", "updated_at"])
    return OutOfOfficeResult(out_of_hours=True, reply=reply, ai_answers=away.ai_answers)


# --- the first-response check ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SlaRunResult:
    warned: int
    breached: int


def _recipients(conversation: Conversation, team_id: int | None) -> list[User]:
    if conversation.assignee_id is not None:
        return [conversation.assignee] if conversation.assignee.is_active else []
    return team_supervisors(team_id=team_id)


def _notify(conversation: Conversation, *, level: str, due_at: datetime, team_id: int | None) -> int:
    """Record the notice of this wait once (unique row), then tell its people; how many were told."""
    try:
        with transaction.atomic():
            notice = SlaNotice.objects.create(conversation=conversation, waiting_since=conversation.waiting_since,
                                              level=level, due_at=due_at)
    except IntegrityError:
        return 0
    name = conversation.contact.name or conversation.contact.phone or f"#{conversation.pk}"
    local_due = timezone.localtime(due_at).strftime("%H:%M")
    if level == SlaNotice.Level.BREACHED:
        kind, title = "sla.breached", _("%(name)s is waiting past the reply target") % {"name": name}
        body = _("The reply was due at %(time)s.") % {"time": local_due}
    else:
        kind, title = "sla.warning", _("%(name)s is close to the reply target") % {"name": name}
        body = _("Reply before %(time)s.") % {"time": local_due}
    told = 0
    url = reverse("panel:conversation", args=[conversation.pk])
    for user in _recipients(conversation, team_id):
        if notification_create(user=user, kind=kind, title=title, body=body, url=url,
                               dedupe_key=f"sla:{conversation.pk}:{level}:{int(conversation.waiting_since.timestamp())}"):
            told += 1
    if told:
        SlaNotice.objects.filter(pk=notice.pk).update(recipients=told)
    return 1


def conversations_check_sla(*, now: datetime | None = None) -> SlaRunResult:
    """Tell the holder (or, unassigned, the team's supervisors) once when a waiting customer reaches the warning
    share of the target and once when the target passes; safe to run twice or at once (unique notice rows)."""
    now = now or timezone.now()
    setup = sla_setup(now=now)
    if not setup.targets:
        return SlaRunResult(0, 0)
    # Business minutes never outrun the clock: a wait shorter than the smallest warning cannot be due yet.
    soonest = min(t.minutes * t.warning_percent / 100 for t in setup.targets.values())
    same_wait = {"conversation": OuterRef("pk"), "waiting_since": OuterRef("waiting_since")}
    candidates = list(
        Conversation.objects.filter(status__in=ACTIVE_STATUSES, waiting_since__isnull=False,
                                    waiting_since__lte=now - timedelta(minutes=soonest),
                                    priority__in=list(setup.targets))
        .exclude(Exists(SlaNotice.objects.filter(**same_wait, level=SlaNotice.Level.BREACHED)))
        .annotate(was_warned=Exists(SlaNotice.objects.filter(**same_wait, level=SlaNotice.Level.WARNING)))
        .select_related("assignee", "channel_account", "contact")
        .order_by("waiting_since")
    )
    states = conversation_sla_states(candidates, now=now, setup=setup)
    teams = conversation_team_ids(candidates)
    warned = breached = 0
    for conversation in candidates:
        state = states[conversation.pk]
        if state.state == "breached" and state.due_at is not None:
            breached += _notify(conversation, level=SlaNotice.Level.BREACHED, due_at=state.due_at,
                                team_id=teams[conversation.pk])
        elif state.state == "warning" and state.due_at is not None and not conversation.was_warned:
            warned += _notify(conversation, level=SlaNotice.Level.WARNING, due_at=state.due_at,
                              team_id=teams[conversation.pk])
    if warned or breached:
        logger.info("Conversation SLA check: %d warned, %d breached", warned, breached)
    return SlaRunResult(warned=warned, breached=breached)


__all__ = ["OutOfOfficeResult", "SlaRunResult", "business_minutes_between", "conversations_check_sla",
           "out_of_office_answer", "within_business_hours"]
