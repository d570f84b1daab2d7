"""The one role policy: which rows a user may see (shared/DESIGN.md "Seams", CONTRACT section 6).

The ladder, from the top:

- **admin** (and any superuser) and **back office**: everything;
- **supervisor**: the rows held by the people of their teams (the teams they lead and the one they
  belong to), their own included;
- **agent**: the rows they hold;
- an **inactive** user, or one of no known role: nothing.

Rows nobody holds (an unassigned conversation, lead or debt) are the domain's *queue*. ``queue`` says
who below the top rung sees them: nobody (:attr:`Queue.HIDDEN`), supervisors, to hand them out
(:attr:`Queue.SUPERVISORS`), or everyone, agents included, who take from it (:attr:`Queue.EVERYONE`).

Every selector, API, page, export, admin queryset and socket subscription scopes through this module.
It knows no domain (accounts imports no higher app): callers name the path from their rows to the user
who holds them (``agent_field``) and, for rows that belong to a team, to that team (``team_field``).
An empty path means the rows *are* users (``agent_field=""``) or teams (``team_field=""``).
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Sequence
from functools import reduce
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet

from accounts.models import Team, User

M = TypeVar("M", bound=Model)


class Reach(enum.IntEnum):
    """How far up the ladder a user stands."""

    NOTHING = 0
    OWN = 1  # agents
    TEAMS = 2  # supervisors
    EVERYTHING = 3  # admins, superusers, back office


class Queue(enum.Enum):
    """Who below the top rung sees the rows nobody holds."""

    HIDDEN = "hidden"
    SUPERVISORS = "supervisors"
    EVERYONE = "everyone"


def role_reach(user: User | AnonymousUser) -> Reach:
    """Where ``user`` stands on the ladder (an anonymous user: nowhere)."""
    if not user.is_active:
        return Reach.NOTHING
    if user.is_admin_role or user.is_backoffice:
        return Reach.EVERYTHING
    if user.is_supervisor:
        return Reach.TEAMS
    if user.is_agent:
        return Reach.OWN
    return Reach.NOTHING


def sees_everything(user: User | AnonymousUser) -> bool:
    return role_reach(user) is Reach.EVERYTHING


def sees_queue(user: User | AnonymousUser, queue: Queue) -> bool:
    """Does ``user`` see the rows nobody holds, in a domain whose queue is ``queue``?"""
    reach = role_reach(user)
    if reach is Reach.EVERYTHING:
        return True
    if reach is Reach.TEAMS:
        return queue is not Queue.HIDDEN
    return reach is Reach.OWN and queue is Queue.EVERYONE


def overseen_team_ids(*, user: User) -> list[int]:
    """The teams whose people's rows a supervisor sees (and whose live events they hear): the teams they
    lead and the one they belong to. Empty for any other rung (the top one sees everything anyway)."""
    if role_reach(user) is not Reach.TEAMS:
        return []
    return sorted(Team.objects.filter(_teams_q(user, "")).values_list("pk", flat=True))


def _path(path: str, name: str) -> str:
    return f"{path}__{name}" if path else name


def _held_by_teams_q(user: User, path: str) -> Q:
    """Rows whose person at ``path`` is ``user`` or in a team ``user`` leads or belongs to."""
    q = Q(**{path or "pk": user.pk}) | Q(**{_path(path, "team__supervisor"): user.pk})
    if user.team_id:  # an agent or supervisor without a team must not match everyone without one
        q |= Q(**{_path(path, "team_id"): user.team_id})
    return q


def _teams_q(user: User, path: str) -> Q:
    """Rows whose team at ``path`` is one ``user`` leads or belongs to."""
    q = Q(**{_path(path, "supervisor"): user.pk})
    if user.team_id:
        q |= Q(**{path or "pk": user.team_id})
    return q


def scope_q(
    user: User,
    *,
    agent_field: str | Sequence[str] | None = "assignee",
    team_field: str | None = None,
    queue: Queue = Queue.HIDDEN,
    queue_field: str | None = None,
) -> Q | None:
    """The filter for the rows ``user`` may see; ``None`` means every row (see :func:`scope_queryset`)."""
    agent_fields = [agent_field] if isinstance(agent_field, str) else list(agent_field or ())
    if not agent_fields and team_field is None:
        raise TypeError("scope_q needs an agent_field or a team_field")
    if queue_field is None and queue is not Queue.HIDDEN:
        if len(agent_fields) > 1:
            raise TypeError("scope_q needs queue_field when there are several agent fields")
        queue_field = agent_fields[0] if agent_fields else team_field

    reach = role_reach(user)
    if reach is Reach.EVERYTHING:
        return None
    parts: list[Q] = []
    if reach is Reach.TEAMS:
        parts += [_held_by_teams_q(user, field) for field in agent_fields]
        if team_field is not None:
            parts.append(_teams_q(user, team_field))
    elif reach is Reach.OWN:
        parts += [Q(**{field or "pk": user.pk}) for field in agent_fields]
        if team_field is not None and user.team_id:
            parts.append(Q(**{team_field or "pk": user.team_id}))
    if queue_field is not None and sees_queue(user, queue):
        parts.append(Q(**{_path(queue_field, "isnull"): True}))
    return reduce(operator.or_, parts) if parts else Q(pk__in=[])


def scope_queryset(
    qs: QuerySet[M],
    *,
    user: User,
    agent_field: str | Sequence[str] | None = "assignee",
    team_field: str | None = None,
    queue: Queue = Queue.HIDDEN,
    queue_field: str | None = None,
) -> QuerySet[M]:
    """``qs`` narrowed to the rows ``user`` may see, by the ladder in this module's docstring.

    - ``agent_field``: the path from a row to the user who holds it (``"assignee"``, ``"agent"``,
      ``"conversation__assignee"``), several paths when any of them makes the row visible
      (``("agent", "debt__assignee")``), ``""`` when the rows are users, ``None`` when no user holds them.
    - ``team_field``: the path from a row to the team it belongs to (``"team"``), ``""`` when the rows
      are teams; an agent sees their own team's rows, a supervisor their teams'.
    - ``queue``: who below the top rung sees the rows whose ``queue_field`` (by default the one
      ``agent_field``, else ``team_field``) is empty.

    A user who sees everything gets ``qs`` untouched (no extra condition, so counts may be estimated).
    """
    q = scope_q(user, agent_field=agent_field, team_field=team_field, queue=queue, queue_field=queue_field)
    if q is None:
        return qs
    return qs.none() if role_reach(user) is Reach.NOTHING else qs.filter(q)
