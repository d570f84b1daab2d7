"""Reads about users: who a supervisor oversees, who can be assigned work."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import AuditEntry, Role, Team, User
from accounts.policy import Reach, role_reach, scope_queryset


def assignable_users_list(*, user: User) -> QuerySet[User]:
    """People ``user`` may hand work to: active agents and supervisors they oversee (all for admins)."""
    qs = User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR]).select_related("team")
    return scope_queryset(qs, user=user, agent_field="")


def user_visible_queryset(*, user: User) -> QuerySet[User]:
    """People ``user`` may see in the back office: everyone for admins and back office, the members of
    their teams (and themselves) for a supervisor, themselves for anyone else."""
    return scope_queryset(User.objects.select_related("team"), user=user, agent_field="")


def team_visible_queryset(*, user: User) -> QuerySet[Team]:
    """Teams ``user`` may see: all for admins and back office; the ones a supervisor leads or belongs to;
    an agent's own."""
    return scope_queryset(Team.objects.select_related("supervisor"), user=user, agent_field=None, team_field="")


def audit_entry_visible_queryset(*, user: User) -> QuerySet[AuditEntry]:
    """Audit entries ``user`` may read: all for admins; for a supervisor, the entries about their teams
    (their people and those people's rows) and what their people did; nothing for anyone else."""
    qs = AuditEntry.objects.select_related("content_type", "actor", "team")
    # Who may read the log at all is narrower than the ladder: not back office (CONTRACT section 6:
    # supervisors audit), and not agents. Within it, the ladder says which entries.
    if not (user.is_admin_role or role_reach(user) is Reach.TEAMS):
        return qs.none()
    return scope_queryset(qs, user=user, agent_field="actor", team_field="team")


def team_supervisors_list(*, team_id: int) -> list[User]:
    """A team's active supervisors: the one who leads it and the supervisors who belong to it, by id."""
    return list(User.objects.filter(Q(supervised_teams__pk=team_id) | Q(team_id=team_id, role=Role.SUPERVISOR),
                                    is_active=True).distinct().order_by("pk"))
