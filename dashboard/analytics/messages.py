"""Message counts by weekday, hour and sender: closed days from the daily rollup, the rest from the messages."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Count, Q, Sum, Value, When
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from conversations.models import Message
from dashboard.analytics.filters import Scope, day_start
from dashboard.analytics.sources import conversations
from dashboard.models import MessageDayHourStat, MessageHourStat, MessageTeamHourStat, RollupDay
from dashboard.types import Filters
from integrations.base import Provider

#: ``(weekday 1-7, hour 0-23, sender)`` → messages.
HourCounts = dict[tuple[int, int, str], int]

def channel_case(account: str) -> Case:
    """"instagram" or "whatsapp" from the channel account at ``account``."""
    return Case(When(**{f"{account}__provider": Provider.INSTAGRAM}, then=Value("instagram")),
                default=Value("whatsapp"))


def day_runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days ``(first, last)``."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _grouped_stats(qs: Any) -> HourCounts:
    rows = qs.values("weekday", "hour", "sender").annotate(n=Sum("messages"))
    return {(row["weekday"], row["hour"], row["sender"]): row["n"] for row in rows}


def _rolled_up_by_team(scope: Scope, filters: Filters, when: Q) -> HourCounts:
    """Without an agent, channel or operator asked for: the per-team counts (a supervisor's own conversations
    outside their teams, if any, from the detailed rows: one more small query). Everything and no team: the
    counts summed over every team."""
    if scope.everything and not filters.team_id:
        return _grouped_stats(MessageDayHourStat.objects.order_by().filter(when))
    qs = MessageTeamHourStat.objects.order_by().filter(when)
    if not scope.everything:
        qs = qs.filter(team_id__in=scope.team_ids)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    counts = _grouped_stats(qs)
    if not scope.everything:
        own = (MessageHourStat.objects.order_by().filter(when, agent_id=scope.user_id)
               .exclude(team_id__in=scope.team_ids))
        if filters.team_id:
            own = own.filter(team_id=filters.team_id)
        for key, n in _grouped_stats(own).items():
            counts[key] = counts.get(key, 0) + n
    return counts


def _rolled_up(scope: Scope, filters: Filters, days: list[date]) -> HourCounts:
    when = Q()
    for first, last in day_runs(days):
        when |= Q(day__gte=first, day__lte=last)
    if not (filters.agent_id or filters.channel or filters.operator_id):
        return _rolled_up_by_team(scope, filters, when)
    qs = MessageHourStat.objects.order_by().filter(when)
    if not scope.everything:
        qs = qs.filter(Q(team_id__in=scope.team_ids) | Q(agent_id=scope.user_id))
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.agent_id:
        qs = qs.filter(agent_id=filters.agent_id)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.operator_id:
        qs = qs.filter(operator_id=filters.operator_id)
    return _grouped_stats(qs)


#: Conversations per query when the live part is read in two steps.
LIVE_CHUNK = 5000


def _live(scope: Scope, filters: Filters, days: list[date]) -> HourCounts:
    """Messages of days not rolled up (today, or any day before the rollup ran). Unfiltered for a user who sees
    everything: one query. Otherwise in two steps, the messages table first: the conversations written in those
    days, then the counts of the ones in scope and filters (joining the scope into the messages made PostgreSQL
    scan every conversation to hash them: ten times slower at 100k conversations)."""
    if not days:
        return {}
    when = Q()
    for first, last in day_runs(days):
        when |= Q(created_at__gte=day_start(first), created_at__lt=day_start(last + timedelta(days=1)))
    tz = timezone.get_current_timezone()
    messages = Message.objects.order_by().filter(when)

    def grouped(qs: Any) -> HourCounts:
        rows = (qs.annotate(weekday=ExtractIsoWeekDay("created_at", tzinfo=tz),
                            hour=ExtractHour("created_at", tzinfo=tz))
                .values("weekday", "hour", "sender").annotate(n=Count("pk")))
        return {(row["weekday"], row["hour"], row["sender"]): row["n"] for row in rows}

    if scope.everything and not (filters.team_id or filters.agent_id or filters.channel or filters.operator_id):
        return grouped(messages)
    written = list(messages.values_list("conversation_id", flat=True).distinct())
    counts: HourCounts = defaultdict(int)
    for start in range(0, len(written), LIVE_CHUNK):
        allowed = list(conversations(scope, filters).filter(pk__in=written[start:start + LIVE_CHUNK])
                       .values_list("pk", flat=True))
        if allowed:
            for key, n in grouped(messages.filter(conversation_id__in=allowed)).items():
                counts[key] += n
    return dict(counts)


def hour_counts(scope: Scope, filters: Filters, *, use_rollup: bool = True) -> HourCounts:
    """Messages in scope and filters by (weekday, hour, sender), over the filters' days. Days rolled up (always
    before today) come from the rollup, the others from the messages table: two or three queries."""
    all_days = [filters.date_from + timedelta(days=i) for i in range((filters.date_to - filters.date_from).days + 1)]
    covered: list[date] = []
    if use_rollup:
        covered = list(RollupDay.objects.filter(day__gte=filters.date_from, day__lte=filters.date_to,
                                                day__lt=timezone.localdate()).values_list("day", flat=True))
    covered_set = set(covered)
    counts: HourCounts = defaultdict(int)
    for source in (_rolled_up(scope, filters, covered) if covered else {},
                   _live(scope, filters, [d for d in all_days if d not in covered_set])):
        for key, n in source.items():
            counts[key] += n
    return dict(counts)
