"""Reads about users: who a supervisor oversees, who can be assigned work."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import AuditEntry, Role, Team, User


def team_member_q(user: User, *, prefix: str) -> Q:
    """A filter for rows whose ``prefix`` user is in a team that ``user`` belongs to or supervises."""
    q = Q(**{f"{prefix}__team__supervisor": user}) | Q(**{prefix: user})
    if user.team_id:
        q |= Q(**{f"{prefix}__team_id": user.team_id})
    return q


def assignable_users_list(*, user: User) -> QuerySet[User]:
    """People ``user`` may hand work to: active agents and supervisors they oversee (all for admins)."""
    qs = User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR]).select_related("team")
    if user.is_admin_role or user.is_backoffice:
        return qs
    if user.is_supervisor:
        return qs.filter(Q(team__supervisor=user) | Q(pk=user.pk) | Q(team_id=user.team_id, team__isnull=False))
    return qs.filter(pk=user.pk)


def user_visible_queryset(*, user: User) -> QuerySet[User]:
    """People ``user`` may see in the back office: everyone for admins and back office, the members of
    their teams (and themselves) for a supervisor, themselves for anyone else."""
    qs = User.objects.select_related("team")
    if user.is_admin_role or user.is_backoffice:
        return qs
    if user.is_supervisor:
        q = Q(team__supervisor=user) | Q(pk=user.pk)
        if user.team_id:
            q |= Q(team_id=user.team_id)
        return qs.filter(q)
    return qs.filter(pk=user.pk)


def team_visible_queryset(*, user: User) -> QuerySet[Team]:
    """Teams ``user`` may see: all for admins and back office; the ones they lead or belong to otherwise."""
    qs = Team.objects.select_related("supervisor")
    if user.is_admin_role or user.is_backoffice:
        return qs
    return qs.filter(Q(supervisor=user) | Q(pk=user.team_id or 0))


def audit_entry_visible_queryset(*, user: User) -> QuerySet[AuditEntry]:
    """Audit entries ``user`` may read: all for admins; for a supervisor, the entries about their teams
    (their people and those people's rows) and what their people did; nothing for anyone else."""
    qs = AuditEntry.objects.select_related("content_type", "actor", "team")
    if user.is_admin_role:
        return qs
    if user.is_supervisor:
        teams = team_visible_queryset(user=user).values("pk")
        people = user_visible_queryset(user=user).values("pk")
        return qs.filter(Q(team__in=teams) | Q(actor__in=people))
    return qs.none()


def team_ids_heard_by(*, user: User) -> list[int]:
    """Teams whose live events a supervisor hears: the ones they lead and the one they belong to."""
    team_ids = set(Team.objects.filter(supervisor=user).values_list("pk", flat=True))
    if user.team_id:
        team_ids.add(user.team_id)
    return sorted(team_ids)
