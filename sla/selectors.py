"""Reads of service levels: a team's calendar and out-of-office settings, and conversations' first-response state.

:class:`SlaSetup` is everything the rules read (the targets, every team's hours and the holidays), loaded in a
fixed number of queries, so a page of conversations costs the same whatever its size:
``conversation_sla_states(conversations)`` takes one setup for all of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from conversations.models import Conversation
from conversations.selectors import channel_account_teams
from core.config_cache import config_cached
from sla.calendar import Calendar
from sla.models import BusinessHours, Holiday, ResponseTarget, ServiceHours

SlaStateName = Literal["ok", "warning", "breached", "none"]
ACTIVE_STATUSES = (Conversation.Status.OPEN, Conversation.Status.PENDING)
HOLIDAYS_BACK_DAYS = 400  # older holidays cannot matter to a wait or a due time


@dataclass(frozen=True)
class Target:
    minutes: int
    warning_percent: int


@dataclass(frozen=True)
class SlaState:
    state: SlaStateName
    due_at: datetime | None = None
    minutes_left: int | None = None  # wall-clock minutes until due; negative once late
    target_minutes: int | None = None

    @property
    def is_late(self) -> bool:
        return self.state == "breached"


NO_SLA = SlaState("none")


@dataclass(frozen=True)
class AwaySettings:
    """The out-of-office answer that applies to a team: its own, each empty part taken from the company's."""

    enabled: bool = False
    text: str = ""
    template_name: str = ""
    ai_answers: bool = True


@dataclass(frozen=True)
class HoursRow:
    """A team's (None: the company's) service hours as plain data: the weekly intervals and the away answer."""

    team_id: int | None
    timezone: str
    weekly: tuple[tuple[int, tuple[tuple[time, time], ...]], ...]  # (weekday, its intervals), weekdays with any
    away_enabled: bool
    away_text: str
    away_template_name: str
    ai_answers_out_of_hours: bool


@dataclass(frozen=True)
class SlaSnapshot:
    """Every target, every team's hours and every holiday: small tables, kept per process (``core.config_cache``,
    invalidated by any change to them, registered in ``sla.apps.SlaConfig.ready``)."""

    targets: tuple[tuple[str, Target], ...]
    rows: tuple[HoursRow, ...]
    holidays: tuple[tuple[int | None, date], ...]


SLA_CONFIG_KEY = "sla.config"
SLA_CONFIG_MODELS = (ResponseTarget, ServiceHours, BusinessHours, Holiday)


def _sla_config_load() -> SlaSnapshot:
    rows = []
    for row in ServiceHours.objects.prefetch_related("intervals").order_by("pk"):
        weekly: dict[int, list[tuple[time, time]]] = defaultdict(list)
        for interval in row.intervals.all():
            weekly[interval.weekday].append((interval.opens, interval.closes))
        rows.append(HoursRow(
            team_id=row.team_id, timezone=row.timezone,
            weekly=tuple((day, tuple(spans)) for day, spans in sorted(weekly.items())),
            away_enabled=row.away_enabled, away_text=row.away_text, away_template_name=row.away_template_name,
            ai_answers_out_of_hours=row.ai_answers_out_of_hours))
    return SlaSnapshot(
        targets=tuple((t.priority, Target(t.minutes, t.warning_percent)) for t in ResponseTarget.objects.all()),
        rows=tuple(rows),
        holidays=tuple(Holiday.objects.order_by("date", "pk").values_list("team_id", "date")),
    )


def sla_config() -> SlaSnapshot:
    return config_cached(SLA_CONFIG_KEY, _sla_config_load)


@dataclass
class SlaSetup:
    targets: dict[str, Target] = field(default_factory=dict)
    rows: dict[int | None, HoursRow] = field(default_factory=dict)
    holidays: dict[int | None, set[date]] = field(default_factory=dict)
    _calendars: dict[int | None, Calendar] = field(default_factory=dict)

    def calendar(self, team_id: int | None) -> Calendar:
        if team_id not in self._calendars:
            self._calendars[team_id] = self._build(team_id)
        return self._calendars[team_id]

    def _build(self, team_id: int | None) -> Calendar:
        own = self.rows.get(team_id) if team_id is not None else None
        default = self.rows.get(None)
        zone = (own or default).timezone if (own or default) else settings.TIME_ZONE
        source = own if own is not None and own.weekly else default
        days = set(self.holidays.get(None, set()))
        if team_id is not None:
            days |= self.holidays.get(team_id, set())
        return Calendar(tz=ZoneInfo(zone), weekly=_weekly(source) if source else {}, holidays=frozenset(days))

    def open_everywhere(self, at: datetime) -> bool:
        """Is every team's service open at ``at``? (A team without hours or holidays of its own keeps the
        company's calendar, so the teams named in the setup and the company's stand for all of them.)"""
        team_ids = {None, *self.rows, *self.holidays}
        return all(self.calendar(team_id).is_open(at) for team_id in team_ids)

    def away(self, team_id: int | None) -> AwaySettings:
        own = self.rows.get(team_id) if team_id is not None else None
        default = self.rows.get(None)
        main = own or default
        if main is None:
            return AwaySettings()
        return AwaySettings(
            enabled=main.away_enabled,
            text=(own.away_text if own else "") or (default.away_text if default else ""),
            template_name=(own.away_template_name if own else "") or (default.away_template_name if default else ""),
            ai_answers=main.ai_answers_out_of_hours,
        )


def _weekly(row: HoursRow) -> dict[int, list[tuple[time, time]]]:
    return {day: list(spans) for day, spans in row.weekly}


def sla_setup(*, team_ids: Sequence[int] | None = None, now: datetime | None = None) -> SlaSetup:
    """The targets, the hours of ``team_ids`` (every team when None) and the company's, and the holidays that
    can still matter; from the per-process :func:`sla_config` (no query while it holds)."""
    now = now or timezone.now()
    config = sla_config()
    wanted = None if team_ids is None else {None, *team_ids}
    since = (now - timedelta(days=HOLIDAYS_BACK_DAYS)).date()
    setup = SlaSetup(targets=dict(config.targets))
    setup.rows = {row.team_id: row for row in config.rows if wanted is None or row.team_id in wanted}
    for team_id, day in config.holidays:
        if day >= since and (wanted is None or team_id in wanted):
            setup.holidays.setdefault(team_id, set()).add(day)
    return setup


def team_calendar(*, team_id: int | None, now: datetime | None = None) -> Calendar:
    return sla_setup(team_ids=[team_id] if team_id is not None else [], now=now).calendar(team_id)


def sla_state_for(*, setup: SlaSetup, team_id: int | None, status: str, priority: str,
                  waiting_since: datetime | None, now: datetime) -> SlaState:
    """The first-response state of a wait: due ``target`` business minutes after ``waiting_since``."""
    if waiting_since is None or status not in ACTIVE_STATUSES:
        return NO_SLA
    target = setup.targets.get(priority)
    if target is None:
        return NO_SLA
    calendar = setup.calendar(team_id)
    due = calendar.add_seconds(waiting_since, target.minutes * 60)
    if due is None:
        return NO_SLA
    minutes_left = int((due - now).total_seconds() / 60)  # whole minutes, towards zero: late 35 min, not 36
    if now > due:
        state: SlaStateName = "breached"
    elif calendar.seconds_between(waiting_since, now) >= target.minutes * 60 * target.warning_percent / 100:
        state = "warning"
    else:
        state = "ok"
    return SlaState(state, due, minutes_left, target.minutes)


def _cached(conversation: Conversation, name: str) -> bool:
    return Conversation._meta.get_field(name).is_cached(conversation)


def conversation_team_ids(conversations: Sequence[Conversation]) -> dict[int, int | None]:
    """Each conversation's team (``conversations.selectors.conversation_team_id``'s rule): the assignee's team,
    else its number's. No query for what ``select_related`` loaded; at most one for the rest, whatever the count."""
    assignee_ids = {c.assignee_id for c in conversations if c.assignee_id and not _cached(c, "assignee")}
    user_teams = dict(User.objects.filter(pk__in=assignee_ids).values_list("pk", "team_id")) if assignee_ids else {}
    needs_account = any(not _cached(c, "channel_account") for c in conversations)
    account_teams = channel_account_teams() if needs_account else {}
    out: dict[int, int | None] = {}
    for c in conversations:
        team_id = None
        if c.assignee_id:
            team_id = c.assignee.team_id if _cached(c, "assignee") else user_teams.get(c.assignee_id)
        if team_id is None:
            team_id = (c.channel_account.team_id if _cached(c, "channel_account")
                       else account_teams.get(c.channel_account_id))
        out[c.pk] = team_id
    return out


def conversation_sla_states(conversations: Iterable[Conversation], *, now: datetime | None = None,
                            setup: SlaSetup | None = None) -> dict[int, SlaState]:
    """The first-response state of each conversation, by id; the same few queries for a page of any size."""
    now = now or timezone.now()
    items = list(conversations)
    running = [c for c in items if c.waiting_since is not None and c.status in ACTIVE_STATUSES]
    states: dict[int, SlaState] = {c.pk: NO_SLA for c in items}
    if not running:
        return states
    teams = conversation_team_ids(running)
    setup = setup or sla_setup(now=now)
    for c in running:
        states[c.pk] = sla_state_for(setup=setup, team_id=teams[c.pk], status=c.status, priority=c.priority,
                                     waiting_since=c.waiting_since, now=now)
    return states


def conversation_sla_state(conversation: Conversation, *, now: datetime | None = None,
                           setup: SlaSetup | None = None) -> SlaState:
    """ok, warning (the target's warning share of business time gone), breached (past due) or none (nobody
    waits, resolved or snoozed, or no target for its priority)."""
    return conversation_sla_states([conversation], now=now, setup=setup)[conversation.pk]


def away_settings(*, team_id: int | None) -> AwaySettings:
    return sla_setup(team_ids=[team_id] if team_id is not None else []).away(team_id)


def team_supervisors(*, team_id: int | None) -> list[User]:
    """Who hears about an unassigned conversation of ``team_id``: its leader and its supervisors."""
    if team_id is None:
        return []
    return list(User.objects.filter(Q(supervised_teams=team_id) | Q(team_id=team_id, role=Role.SUPERVISOR),
                                    is_active=True).distinct().order_by("pk"))
