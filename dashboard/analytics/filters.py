"""Who may read the analytics, and the filters they ask for, parsed and checked against what they may see.

Access: supervisors (the rows of their teams) and admins (everything) read the dashboard and every analytics
endpoint. Back office sees every sale and collection in the CRM, so it may read the *sales* endpoint (sales,
commissions, telecom, collections); the dashboard and the other endpoints are refused to it, as to agents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Team, User
from accounts.policy import Reach, overseen_team_ids, role_reach
from core.errors import ApplicationError
from dashboard.types import Filters
from operators.models import Operator

#: The range when none is asked for: the last 30 local days, today included.
DEFAULT_DAYS = 30
#: The longest range one request may ask for (two years).
MAX_DAYS = 731
CHANNELS = ("whatsapp", "instagram")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def analytics_allowed(user: User) -> bool:
    """The dashboard and the analytics endpoints: supervisors and admins (superusers too)."""
    reach = role_reach(user)
    if reach is Reach.TEAMS:
        return True
    return reach is Reach.EVERYTHING and not user.is_backoffice


def sales_analytics_allowed(user: User) -> bool:
    """The sales endpoint: also back office, who validate the sales and run collections."""
    return analytics_allowed(user) or (role_reach(user) is Reach.EVERYTHING and user.is_backoffice)


@dataclass(frozen=True)
class Scope:
    """What a user may see in the figures: everything, or the rows of the people of ``team_ids`` (and their
    own). ``key`` names it in cache keys: every admin shares one."""

    everything: bool
    user_id: int
    team_ids: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        if self.everything:
            return "all"
        return f"u{self.user_id}:t{','.join(map(str, self.team_ids))}"

    def people_q(self, path: str) -> Q:
        """Rows whose person at ``path`` (a user foreign key) is in scope: ``<path>_id IN (the teams' people)``,
        which PostgreSQL hashes once instead of joining the users to every row."""
        if self.everything:
            return Q()
        members = User.objects.order_by().filter(team_id__in=self.team_ids).values("pk")
        return Q(**{f"{path}_id__in": members}) | Q(**{f"{path}_id": self.user_id})


def scope_for(user: User) -> Scope:
    if role_reach(user) is Reach.EVERYTHING:
        return Scope(everything=True, user_id=user.pk)
    return Scope(everything=False, user_id=user.pk, team_ids=tuple(overseen_team_ids(user=user)))


def day_start(day: date) -> datetime:
    """The first instant of ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def span(filters: Filters) -> tuple[datetime, datetime]:
    """``[start, end)`` of the filters' local days."""
    return day_start(filters.date_from), day_start(filters.date_to + timedelta(days=1))


def _invalid(message: str, field: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_filter", extra={"errors": {field: [message]}})


def _day(params: Mapping[str, str], name: str) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        if not _ISO_DAY.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise _invalid(_("Enter the date as YYYY-MM-DD."), name) from None


def _id(params: Mapping[str, str], name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1 or int(raw) > 2**31 - 1:
        raise _invalid(_("Enter a whole number id."), name)
    return int(raw)


def _forbidden(field: str) -> ApplicationError:
    message = _("You cannot see that %(field)s, or it does not exist.") % {"field": field}
    return ApplicationError(message, code="forbidden_filter", extra={"errors": {field: [message]}})


def visible_teams(user: User) -> list[Team]:
    """The teams ``user`` may filter by."""
    scope = scope_for(user)
    qs = Team.objects.order_by("name")
    return list(qs if scope.everything else qs.filter(pk__in=scope.team_ids))


def visible_people(user: User) -> list[User]:
    """The people (agents and supervisors) ``user`` may filter by."""
    scope = scope_for(user)
    qs = User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR]).order_by("username")
    if not scope.everything:
        qs = qs.filter(Q(team_id__in=scope.team_ids) | Q(pk=scope.user_id))
    return list(qs)


def filters_from_params(params: Mapping[str, str], *, user: User, today: date | None = None) -> Filters:
    """The dashboard's and the API's filters from query parameters ``from``, ``to`` (YYYY-MM-DD, local days,
    both included; default the last 30 days), ``team``, ``agent``, ``operator`` (ids) and ``channel``
    (whatsapp/instagram). Bad values raise ``ApplicationError`` (code ``invalid_filter``); a team or person the
    user may not see, ``forbidden_filter``. Agents may not read analytics at all (``PermissionDenied``)."""
    if role_reach(user) < Reach.TEAMS:
        raise PermissionDenied(_("The dashboard is for supervisors and admins."))
    today = today or timezone.localdate()
    date_to = _day(params, "to")
    date_from = _day(params, "from")
    if date_to is None:
        date_to = max(today, date_from) if date_from else today
    if date_from is None:
        date_from = date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise _invalid(_("The start date must be on or before the end date."), "from")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise _invalid(_("Ask for at most %(days)d days.") % {"days": MAX_DAYS}, "from")

    channel = (params.get("channel") or "").strip().lower()
    if channel and channel not in CHANNELS:
        raise _invalid(_("The channel is whatsapp or instagram."), "channel")

    scope = scope_for(user)
    team_id = _id(params, "team")
    if team_id is not None:
        teams = Team.objects.filter(pk=team_id)
        if not scope.everything:
            teams = teams.filter(pk__in=scope.team_ids)
        if not teams.exists():
            raise _forbidden("team")
    agent_id = _id(params, "agent")
    if agent_id is not None:
        people = User.objects.filter(pk=agent_id)
        if not scope.everything:
            people = people.filter(Q(team_id__in=scope.team_ids) | Q(pk=scope.user_id))
        if not people.exists():
            raise _forbidden("agent")
    operator_id = _id(params, "operator")
    if operator_id is not None and not Operator.objects.filter(pk=operator_id).exists():
        raise _invalid(_("No operator with that id."), "operator")
    return Filters(date_from=date_from, date_to=date_to, team_id=team_id, agent_id=agent_id, channel=channel,
                   operator_id=operator_id)
