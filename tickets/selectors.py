"""Reads of tickets, scoped by role through accounts.policy; a ticket the user may not see is a 404.

- agent: the tickets they hold or opened (one dealt to a teammate stays readable to whoever opened it from a
  conversation), and the unassigned ones of their team (the team queue they take from);
- supervisor: their teams' tickets (by the ticket's team or its assignee's) and the tickets of no team nobody holds;
- back office and admin: all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.policy import Reach, overseen_team_ids, role_reach, scope_q
from core.params import parse_id
from leads.search import contact_search_q
from tickets.models import Ticket, TicketAttachment, TicketCategory, TicketComment, TicketEvent
from tickets.services.sla import with_sla_warning_percent

_NUMBER = re.compile(r"^\s*(?:TK-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


def ticket_visible_queryset(*, user: User) -> QuerySet[Ticket]:
    reach = role_reach(user)
    qs = Ticket.objects.all()
    if reach is Reach.EVERYTHING:
        return qs
    if reach is Reach.TEAMS:
        q = scope_q(user, agent_field="assignee", team_field="team")
        return qs.filter(q | Q(assignee__isnull=True, team__isnull=True))
    if reach is Reach.OWN:
        q = Q(assignee=user) | Q(created_by=user)
        if user.team_id:
            q |= Q(assignee__isnull=True, team_id=user.team_id)
        return qs.filter(q)
    return qs.none()


def user_team_ids(*, user: User) -> list[int] | None:
    """The teams whose queue is the user's "team" view (``None``: every team, for back office and admins)."""
    reach = role_reach(user)
    if reach is Reach.EVERYTHING:
        return None
    if reach is Reach.TEAMS:
        return overseen_team_ids(user=user)
    return [user.team_id] if user.team_id else []


@dataclass(frozen=True)
class TicketFilters:
    view: Literal["mine", "team", "all", ""] = "all"
    state: str = ""  # a state, or "active" (open, in progress, reopened)
    priority: str = ""
    category: int | None = None
    assignee: str = ""  # a user id, "me" or "none"
    q: str = ""
    team: int | None = None


def ticket_list(*, user: User, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    """The tickets ``user`` may see, newest first, with what a list shows (one query; ``sla_warning_percent``
    annotated for ``tickets.sla.ticket_sla``)."""
    filters = filters or TicketFilters()
    qs = with_sla_warning_percent(ticket_visible_queryset(user=user)).select_related(
        "category", "team", "assignee", "contact", "conversation", "created_by")
    if filters.view == "mine":
        qs = qs.filter(assignee=user)
    elif filters.view == "team":
        teams = user_team_ids(user=user)
        qs = qs.filter(team__isnull=False) if teams is None else qs.filter(team_id__in=teams)
    if filters.state == "active":
        qs = qs.filter(state__in=Ticket.ACTIVE_STATES)
    elif filters.state:
        qs = qs.filter(state=filters.state)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.category is not None:
        qs = qs.filter(category_id=filters.category)
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif (assignee_id := parse_id(filters.assignee)) is not None:
        qs = qs.filter(assignee_id=assignee_id)
    text = filters.q.strip()
    if text:
        q = Q(subject__icontains=text) | contact_search_q(text, prefix="contact__")
        if (match := _NUMBER.match(text)) is not None:
            q |= Q(pk=int(match.group(1)))
        qs = qs.filter(q)
    return qs.order_by("-created_at", "-pk")


def ticket_get_for_user(*, user: User, ticket_id: int) -> Ticket:
    try:
        return ticket_list(user=user).get(pk=ticket_id)
    except (Ticket.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc


def ticket_comments(*, ticket: Ticket) -> QuerySet[TicketComment]:
    return ticket.comments.select_related("author", "message").prefetch_related("attachments")


def ticket_attachments(*, ticket: Ticket) -> QuerySet[TicketAttachment]:
    return ticket.attachments.select_related("uploaded_by")


def ticket_history(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor")


def ticket_attachment_get_for_user(*, user: User, attachment_id: int) -> TicketAttachment:
    """An attachment of a ticket the user may see, or 404."""
    try:
        return TicketAttachment.objects.select_related("ticket").get(
            pk=attachment_id, ticket__in=ticket_visible_queryset(user=user))
    except (TicketAttachment.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc


def ticket_category_list(*, active_only: bool = True) -> QuerySet[TicketCategory]:
    qs = TicketCategory.objects.select_related("team")
    return qs.filter(is_active=True) if active_only else qs


@dataclass(frozen=True)
class TimelineEntry:
    kind: Literal["comment", "event", "attachment"]
    at: datetime
    actor: User | None
    item: TicketComment | TicketEvent | TicketAttachment

    @property
    def from_customer(self) -> bool:
        return self.kind == "comment" and self.item.visibility == TicketComment.Visibility.FROM_CUSTOMER


def ticket_timeline(*, ticket: Ticket) -> list[TimelineEntry]:
    """Comments (the customer's too), history rows and attachments, oldest first (three queries)."""
    entries = [TimelineEntry("comment", c.created_at, c.author, c) for c in ticket_comments(ticket=ticket)]
    entries += [TimelineEntry("event", e.created_at, e.actor, e) for e in ticket_history(ticket=ticket)]
    entries += [TimelineEntry("attachment", a.created_at, a.uploaded_by, a) for a in ticket_attachments(ticket=ticket)]
    order = {"event": 0, "comment": 1, "attachment": 2}
    return sorted(entries, key=lambda entry: (entry.at, order[entry.kind], entry.item.pk))
