"""Who gets a new ticket: round robin over a pool (a category's named agents, else a team's available agents),
and manual (re)assignment within the actor's reach."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Availability, Role, Team, User
from accounts.selectors import assignable_users_list
from core.errors import PermissionDeniedError
from tickets.models import AssignmentCursor, Ticket, TicketCategory, TicketEvent
from tickets.services.common import TicketAssigneeError, event_add, notify_assigned


def _available(qs: QuerySet[User]) -> QuerySet[User]:
    return qs.filter(is_active=True, availability=Availability.AVAILABLE).order_by("pk")


def pool_members(*, category: TicketCategory | None, team: Team | None) -> tuple[str, list[User]]:
    """The pool a new ticket is dealt from and its members, in turn order (by id). Empty when nobody is free.

    A category's named agents come first; when none of them is available the team's agents take the ticket."""
    if category is not None:
        members = list(_available(category.agents.all()))
        if members:  # named agents all away: the team takes it
            return f"category:{category.pk}", members
    if team is not None:
        return f"team:{team.pk}", list(_available(User.objects.filter(team=team, role=Role.AGENT)))
    return "", []


@transaction.atomic
def assignee_next(*, category: TicketCategory | None, team: Team | None) -> User | None:
    """The next person of the pool after the last one served (the cursor row is locked while choosing)."""
    pool, members = pool_members(category=category, team=team)
    if not members:
        return None
    AssignmentCursor.objects.get_or_create(pool=pool)
    cursor = AssignmentCursor.objects.select_for_update().get(pool=pool)
    last = cursor.last_user_id or 0
    chosen = next((user for user in members if user.pk > last), members[0])
    cursor.last_user = chosen
    cursor.save(update_fields=["last_user", "updated_at"])
    return chosen


def check_assignable(*, actor: User | None, ticket: Ticket | None, assignee: User | None) -> None:
    """Agents take unassigned tickets for themselves; supervisors hand them to people they oversee."""
    if actor is None or (ticket is not None and assignee is not None and assignee.pk == ticket.assignee_id):
        return
    if actor.is_agent:
        current = ticket.assignee_id if ticket is not None else None
        if assignee is None or assignee.pk != actor.pk or current not in (None, actor.pk):
            raise PermissionDeniedError(_("Agents can only take unassigned tickets for themselves."))
        return
    if assignee is not None and not assignable_users_list(user=actor).filter(pk=assignee.pk).exists():
        raise TicketAssigneeError(_("%(user)s cannot receive tickets from you.") % {"user": assignee})


@transaction.atomic
def ticket_assign(*, actor: User, ticket: Ticket, assignee: User | None) -> Ticket:
    """Give the ticket to ``assignee`` (``None``: back to the queue), with a history row and a notice."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("assignee", "team").get(pk=ticket.pk)
    check_assignable(actor=actor, ticket=ticket, assignee=assignee)
    assign_apply(actor=actor, ticket=ticket, assignee=assignee)
    return ticket


def assign_apply(*, actor: User | None, ticket: Ticket, assignee: User | None) -> bool:
    """Set the assignee (the team follows the assignee's), write the history row, notify. Whether it changed."""
    if (assignee.pk if assignee else None) == ticket.assignee_id:
        return False
    old = ticket.assignee
    ticket.assignee = assignee
    fields = ["assignee", "updated_at"]
    if assignee is not None and assignee.team_id and assignee.team_id != ticket.team_id:
        old_team = ticket.team
        ticket.team = assignee.team
        fields.append("team")
        event_add(ticket=ticket, actor=actor, kind=TicketEvent.Kind.CHANGED, field="team", old=old_team or "",
                  new=ticket.team)
    ticket.save(update_fields=fields)
    event_add(ticket=ticket, actor=actor, kind=TicketEvent.Kind.CHANGED, field="assignee", old=old or "",
              new=assignee or "")
    notify_assigned(ticket=ticket, actor=actor)
    return True
