"""Opening a ticket and changing it: every change leaves a history row with who, what, before and after."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from conversations.models import Conversation
from leads.models import Contact, Lead
from tickets.models import Priority, Ticket, TicketCategory, TicketEvent
from tickets.services.assignment import assign_apply, assignee_next, check_assignable
from tickets.services.common import (
    TicketCloseNotAllowedError,
    TicketInvalidError,
    TicketStateError,
    event_add,
    notify_assigned,
)
from tickets.services.sla import sla_due_times, sla_recompute

State = Ticket.State
SUBJECT_MAX = 200
DESCRIPTION_MAX = 10_000

#: Where each state may go. Closing is for supervisors, back office and admins (agents resolve).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.OPEN: (State.IN_PROGRESS, State.RESOLVED, State.CLOSED),
    State.REOPENED: (State.IN_PROGRESS, State.RESOLVED, State.CLOSED),
    State.IN_PROGRESS: (State.RESOLVED, State.CLOSED),
    State.RESOLVED: (State.CLOSED, State.REOPENED),
    State.CLOSED: (State.REOPENED,),
}
EDITABLE = ("subject", "description", "priority", "category", "state", "assignee")


def _subject(value: str) -> str:
    subject = " ".join(str(value or "").split())
    if not subject:
        raise TicketInvalidError(_("Write a subject."), extra={"field": "subject"})
    if len(subject) > SUBJECT_MAX:
        raise TicketInvalidError(_("The subject is too long (at most %(n)d characters).") % {"n": SUBJECT_MAX},
                                 extra={"field": "subject"})
    return subject


def _description(value: str) -> str:
    description = str(value or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise TicketInvalidError(_("The description is too long (at most %(n)d characters).") % {
            "n": DESCRIPTION_MAX}, extra={"field": "description"})
    return description


def _priority(value: str) -> str:
    if value not in Priority.values:
        raise TicketInvalidError(_("Choose a valid priority."), extra={"field": "priority"})
    return value


def _category(category: TicketCategory | None) -> TicketCategory | None:
    if category is not None and not category.is_active:
        raise TicketInvalidError(_("That category is no longer in use."), extra={"field": "category"})
    return category


def _team_for(*, actor: User | None, team: Team | None, category: TicketCategory | None,
              assignee: User | None, conversation: Conversation | None) -> Team | None:
    if team is not None:
        return team
    if assignee is not None and assignee.team_id:
        return assignee.team
    if category is not None and category.team_id:
        return category.team
    if conversation is not None and conversation.assignee_id and conversation.assignee.team_id:
        return conversation.assignee.team
    if actor is not None and (actor.is_agent or actor.is_supervisor) and actor.team_id:
        return actor.team
    return None


@transaction.atomic
def ticket_create(
    *,
    actor: User | None,
    subject: str,
    description: str = "",
    priority: str | None = None,
    category: TicketCategory | None = None,
    source: str = Ticket.Source.PANEL,
    conversation: Conversation | None = None,
    contact: Contact | None = None,
    lead: Lead | None = None,
    call: Any = None,
    sale: Any = None,
    assignee: User | None = None,
    team: Team | None = None,
    escalation_reason: str = "",
) -> Ticket:
    """Open a ticket: links filled from the conversation, priority from the category, SLA clocks from the
    policy, and an assignee by turn when none is given. ``actor`` is ``None`` when the system opens it."""
    subject = _subject(subject)
    description = _description(description)
    category = _category(category)
    priority = _priority(priority or (category.default_priority if category else Priority.MEDIUM))
    if source not in Ticket.Source.values:
        raise TicketInvalidError(_("Unknown source."), extra={"field": "source"})
    if assignee is not None:
        check_assignable(actor=actor, ticket=None, assignee=assignee)
    if conversation is not None:
        contact = contact or conversation.contact
        lead = lead or conversation.lead
    if lead is not None and contact is None:
        contact = lead.contact
    if call is not None and contact is None:
        contact = call.contact
    team = _team_for(actor=actor, team=team, category=category, assignee=assignee, conversation=conversation)
    if assignee is None:
        assignee = assignee_next(category=category, team=team)
        if assignee is not None and team is None and assignee.team_id:
            team = assignee.team
    ticket = Ticket.objects.create(
        subject=subject, description=description, priority=priority, category=category, source=source,
        team=team, assignee=assignee, created_by=actor, contact=contact, lead=lead, conversation=conversation,
        call=call, sale=sale, escalation_reason=escalation_reason[:40],
    )
    ticket.first_response_due_at, ticket.resolution_due_at = sla_due_times(priority=priority,
                                                                          start=ticket.created_at)
    ticket.save(update_fields=["first_response_due_at", "resolution_due_at"])
    event_add(ticket=ticket, actor=actor, kind=TicketEvent.Kind.CREATED, new=ticket.subject)
    if assignee is not None:
        event_add(ticket=ticket, actor=actor, kind=TicketEvent.Kind.CHANGED, field="assignee", new=assignee)
        notify_assigned(ticket=ticket, actor=actor)
    return ticket


def _display(ticket: Ticket, field: str) -> str:
    if field == "priority":
        return str(ticket.get_priority_display())
    if field == "state":
        return str(ticket.get_state_display())
    if field == "category":
        return str(ticket.category or "")
    return str(getattr(ticket, field) or "")


def _state_apply(*, actor: User, ticket: Ticket, state: str, now: Any) -> list[str]:
    if state not in State.values:
        raise TicketInvalidError(_("Choose a valid state."), extra={"field": "state"})
    if state not in TRANSITIONS[ticket.state]:
        raise TicketStateError(_("A ticket that is %(old)s cannot become %(new)s.") % {
            "old": ticket.get_state_display(), "new": State(state).label})
    if state == State.CLOSED and not (actor.is_supervisor or actor.is_backoffice or actor.is_admin_role):
        raise TicketCloseNotAllowedError(_("Only supervisors and the back office close tickets; resolve it."))
    fields = ["state"]
    if state == State.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
        if ticket.resolution_due_at is not None and now > ticket.resolution_due_at:
            ticket.is_resolution_breached = True
            fields.append("is_resolution_breached")
    elif state == State.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    elif state == State.REOPENED:
        ticket.reopen_count += 1
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.sla_warned_at = None
        fields += ["reopen_count", "resolved_at", "closed_at", "sla_warned_at"]
    ticket.state = state
    return fields


@transaction.atomic
def ticket_update(*, actor: User, ticket: Ticket, **changes: Any) -> Ticket:
    """Change any of subject, description, priority, category, state and assignee; one history row per field
    that really changed. A new priority sets new SLA due times, counted from the ticket's creation."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"ticket_update() got unexpected fields {sorted(unknown)}")
    ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("assignee", "team", "category")
              .get(pk=ticket.pk))
    now = timezone.now()
    fields: list[str] = []
    rows: list[tuple[str, str, str]] = []

    def track(field: str, apply: Any) -> None:
        old = _display(ticket, field)
        extra = apply()
        fields.extend([field, *(extra or [])])
        rows.append((field, old, _display(ticket, field)))

    if "subject" in changes and _subject(changes["subject"]) != ticket.subject:
        track("subject", lambda: setattr(ticket, "subject", _subject(changes["subject"])))
    if "description" in changes and _description(changes["description"]) != ticket.description:
        track("description", lambda: setattr(ticket, "description", _description(changes["description"])))
    if "category" in changes:
        category = changes["category"]
        if (category.pk if category else None) != ticket.category_id:
            _category(category)
            track("category", lambda: setattr(ticket, "category", category))
    if "priority" in changes and _priority(changes["priority"]) != ticket.priority:
        def set_priority() -> list[str]:
            ticket.priority = changes["priority"]
            return sla_recompute(ticket, now=now)
        track("priority", set_priority)
    if "state" in changes and changes["state"] != ticket.state:
        track("state", lambda: _state_apply(actor=actor, ticket=ticket, state=changes["state"], now=now))
    if fields:
        fields.append("updated_at")
        try:
            with transaction.atomic():
                ticket.save(update_fields=list(dict.fromkeys(fields)))
        except IntegrityError as exc:  # reopening a complaint ticket while another is open on the conversation
            raise TicketStateError(_("This conversation already has an open complaint ticket."),
                                   code="duplicate_escalation") from exc
        for field, old, new in rows:
            event_add(ticket=ticket, actor=actor, kind=TicketEvent.Kind.CHANGED, field=field, old=old, new=new)
    if "assignee" in changes:
        assignee = changes["assignee"]
        check_assignable(actor=actor, ticket=ticket, assignee=assignee)
        assign_apply(actor=actor, ticket=ticket, assignee=assignee)
    return ticket


__all__ = ["EDITABLE", "TRANSITIONS", "ticket_create", "ticket_update"]
