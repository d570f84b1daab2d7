"""SLA clocks: due times from the priority's policy, and the periodic check that warns and marks breaches."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.services import notification_create
from tickets.models import SlaPolicy, Ticket, TicketEvent
from tickets.services.common import event_add, ticket_url
from tickets.sla import DEFAULT_MINUTES, DEFAULT_WARNING_PERCENT, ticket_sla

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlaTerms:
    first_response_minutes: int
    resolution_minutes: int
    warning_percent: int


@dataclass(frozen=True)
class SlaRunResult:
    warned: int
    breached: int


def sla_terms(priority: str) -> SlaTerms:
    """The policy of ``priority``, or the defaults of migration 0002 when the row is missing."""
    policy = SlaPolicy.objects.filter(priority=priority).first()
    if policy is not None:
        return SlaTerms(policy.first_response_minutes, policy.resolution_minutes, policy.warning_percent)
    first, resolution = DEFAULT_MINUTES.get(priority, DEFAULT_MINUTES["medium"])
    return SlaTerms(first, resolution, DEFAULT_WARNING_PERCENT)


def sla_due_times(*, priority: str, start: datetime) -> tuple[datetime, datetime]:
    terms = sla_terms(priority)
    return (start + timedelta(minutes=terms.first_response_minutes),
            start + timedelta(minutes=terms.resolution_minutes))


def with_sla_warning_percent(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Tickets annotated with their policy's ``sla_warning_percent`` (what ``tickets.sla.ticket_sla`` reads)."""
    return qs.annotate(sla_warning_percent=Subquery(
        SlaPolicy.objects.filter(priority=OuterRef("priority")).values("warning_percent")[:1]))


def _warning_horizon() -> timedelta:
    """The longest time before a due time at which a warning may fall due (over every priority)."""
    longest = 0.0
    for priority in DEFAULT_MINUTES:
        terms = sla_terms(priority)
        for minutes in (terms.first_response_minutes, terms.resolution_minutes):
            longest = max(longest, minutes * (100 - terms.warning_percent) / 100)
    return timedelta(minutes=longest + 1)


def _recipient(ticket: Ticket) -> User | None:
    """The assignee, or the team's supervisor while nobody holds the ticket."""
    if ticket.assignee is not None:
        return ticket.assignee
    return ticket.team.supervisor if ticket.team is not None else None


def _notify(ticket: Ticket, *, kind: str, which: str, due: datetime) -> None:
    user = _recipient(ticket)
    if user is None:
        return
    what = _("first response") if which == "first_response" else _("resolution")
    if kind == "ticket.sla_breached":
        title = _("Ticket %(number)s is late (%(what)s)") % {"number": ticket.number, "what": what}
    else:
        title = _("Ticket %(number)s is close to its deadline (%(what)s)") % {"number": ticket.number, "what": what}
    notification_create(user=user, kind=kind, title=title, body=ticket.subject, url=ticket_url(ticket),
                        dedupe_key=f"ticket:{ticket.pk}:{kind}:{which}:{int(due.timestamp())}")


def _active() -> QuerySet[Ticket]:
    return Ticket.objects.filter(state__in=Ticket.ACTIVE_STATES).select_related("assignee", "team__supervisor")


def tickets_check_sla(*, now: datetime | None = None) -> SlaRunResult:
    """Mark the breaches and send the warnings that fell due; safe to run twice (conditional updates)."""
    now = now or timezone.now()
    breached = 0
    first_late = _active().filter(first_responded_at__isnull=True, first_response_due_at__lt=now,
                                  is_first_response_breached=False)
    for ticket in first_late:
        if Ticket.objects.filter(pk=ticket.pk, is_first_response_breached=False).update(
                is_first_response_breached=True):
            breached += 1
            event_add(ticket=ticket, actor=None, kind=TicketEvent.Kind.SLA_BREACHED, field="first_response",
                      new=ticket.first_response_due_at.isoformat())
            _notify(ticket, kind="ticket.sla_breached", which="first_response", due=ticket.first_response_due_at)
    resolution_late = _active().filter(resolution_due_at__lt=now, is_resolution_breached=False)
    for ticket in resolution_late:
        if Ticket.objects.filter(pk=ticket.pk, is_resolution_breached=False).update(is_resolution_breached=True):
            breached += 1
            event_add(ticket=ticket, actor=None, kind=TicketEvent.Kind.SLA_BREACHED, field="resolution",
                      new=ticket.resolution_due_at.isoformat())
            _notify(ticket, kind="ticket.sla_breached", which="resolution", due=ticket.resolution_due_at)

    warned = 0
    horizon = now + _warning_horizon()
    candidates = with_sla_warning_percent(_active().filter(sla_warned_at__isnull=True).filter(
        Q(first_responded_at__isnull=True, first_response_due_at__lte=horizon, first_response_due_at__gte=now)
        | Q(resolution_due_at__lte=horizon, resolution_due_at__gte=now)))
    for ticket in candidates:
        status = ticket_sla(ticket, now)
        if status.state != "warning" or status.due_at is None:
            continue
        if Ticket.objects.filter(pk=ticket.pk, sla_warned_at__isnull=True).update(sla_warned_at=now):
            warned += 1
            event_add(ticket=ticket, actor=None, kind=TicketEvent.Kind.SLA_WARNING, field=status.which,
                      new=status.due_at.isoformat())
            _notify(ticket, kind="ticket.sla_warning", which=status.which, due=status.due_at)
    if warned or breached:
        logger.info("SLA check: %d warned, %d breached", warned, breached)
    return SlaRunResult(warned=warned, breached=breached)


def sla_recompute(ticket: Ticket, *, now: datetime) -> list[str]:
    """New due times for the ticket's (new) priority, counted from its creation; the fields to save."""
    first_due, resolution_due = sla_due_times(priority=ticket.priority, start=ticket.created_at)
    ticket.first_response_due_at = first_due
    ticket.resolution_due_at = resolution_due
    ticket.sla_warned_at = None
    # A clock still running that now ends later is not late any more; the check marks it again if it is.
    if ticket.first_responded_at is None and first_due >= now:
        ticket.is_first_response_breached = False
    if ticket.is_active and resolution_due >= now:
        ticket.is_resolution_breached = False
    return ["first_response_due_at", "resolution_due_at", "sla_warned_at", "is_first_response_breached",
            "is_resolution_breached"]


__all__ = ["SlaRunResult", "SlaTerms", "sla_due_times", "sla_recompute", "sla_terms", "tickets_check_sla",
           "with_sla_warning_percent"]
