"""The daily rollup of message counts and AI spend (``dashboard.models``): the only code that writes the dashboard's
tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Min, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from ai.models import AIRequest
from conversations.models import Message
from dashboard.analytics.filters import day_start
from dashboard.analytics.messages import channel_case, day_runs
from dashboard.analytics.sources import team_expression
from dashboard.models import AISpendDay, MessageDayHourStat, MessageHourStat, MessageTeamHourStat, RollupDay

#: Closed days rolled up again at every run (late messages, reassigned conversations).
REDO_DAYS = 2
#: Older days never rolled up yet, filled in per run (oldest first), so a first run on a long history is bounded.
BACKFILL_DAYS_PER_RUN = 62


@dataclass(frozen=True)
class RollupResult:
    days: list[date]
    rows: int
    messages: int


def _stats_for(first: date, last: date) -> list[MessageHourStat]:
    tz = timezone.get_current_timezone()
    rows = (Message.objects.order_by()
            .filter(created_at__gte=day_start(first), created_at__lt=day_start(last + timedelta(days=1)))
            .annotate(day=TruncDate("created_at", tzinfo=tz), hour=ExtractHour("created_at", tzinfo=tz),
                      weekday=ExtractIsoWeekDay("created_at", tzinfo=tz),
                      channel=channel_case("conversation__channel_account"), team=team_expression("conversation__"))
            .values("day", "hour", "weekday", "channel", "team", "conversation__assignee_id",
                    "conversation__lead__operator_id", "sender")
            .annotate(n=Count("pk")))
    return [MessageHourStat(day=row["day"], hour=row["hour"], weekday=row["weekday"], channel=row["channel"],
                            team_id=row["team"], agent_id=row["conversation__assignee_id"],
                            operator_id=row["conversation__lead__operator_id"], sender=row["sender"],
                            messages=row["n"]) for row in rows]


def _per_team(stats: list[MessageHourStat]) -> list[MessageTeamHourStat]:
    sums: dict[tuple[date, int, int, int | None, str], int] = {}
    for s in stats:
        key = (s.day, s.hour, s.weekday, s.team_id, s.sender)
        sums[key] = sums.get(key, 0) + s.messages
    return [MessageTeamHourStat(day=day, hour=hour, weekday=weekday, team_id=team_id, sender=sender, messages=n)
            for (day, hour, weekday, team_id, sender), n in sums.items()]


def _spend_for(first: date, last: date) -> list[AISpendDay]:
    """A row for every day from ``first`` to ``last``: its AI requests and their cost (zero when none)."""
    found = {row["day"]: row for row in AIRequest.objects.order_by()
             .filter(created_at__gte=day_start(first), created_at__lt=day_start(last + timedelta(days=1)))
             .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
             .values("day").annotate(n=Count("pk"), cost=Sum("cost_usd"))}
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [AISpendDay(day=day, requests=found[day]["n"] if day in found else 0,
                       cost_usd=(found[day]["cost"] if day in found else None) or 0) for day in days]


def _every_team(stats: list[MessageTeamHourStat]) -> list[MessageDayHourStat]:
    sums: dict[tuple[date, int, int, str], int] = {}
    for s in stats:
        key = (s.day, s.hour, s.weekday, s.sender)
        sums[key] = sums.get(key, 0) + s.messages
    return [MessageDayHourStat(day=day, hour=hour, weekday=weekday, sender=sender, messages=n)
            for (day, hour, weekday, sender), n in sums.items()]


def _days_to_do(today: date) -> list[date]:
    """The last ``REDO_DAYS`` closed days, and the oldest closed days with messages never rolled up."""
    days = {today - timedelta(days=i) for i in range(1, REDO_DAYS + 1)}
    oldest = Message.objects.aggregate(first=Min("created_at"))["first"]
    if oldest is not None:
        first = timezone.localtime(oldest).date()
        done = set(RollupDay.objects.filter(day__gte=first, day__lt=today).values_list("day", flat=True))
        missing = [first + timedelta(days=i) for i in range((today - first).days)]
        days.update([day for day in missing if day not in done][:BACKFILL_DAYS_PER_RUN])
    return sorted(day for day in days if day < today)


def analytics_rollup(*, days: Iterable[date] | None = None, now: datetime | None = None) -> RollupResult:
    """Count the messages of ``days`` (by default: the last closed days and a batch of older ones not yet
    done) per hour, channel, team, agent, operator and sender into ``MessageHourStat`` (and per hour, team and
    sender into ``MessageTeamHourStat``, per hour and sender into ``MessageDayHourStat``), and the cost of their
    AI requests into ``AISpendDay``, replacing what those days had, and mark them in ``RollupDay``. Today (and
    later) is never rolled up: the dashboard reads it live.
    Idempotent; two runs at once queue on the days' rows."""
    today = timezone.localdate(now) if now else timezone.localdate()
    wanted = sorted({day for day in days if day < today}) if days is not None else _days_to_do(today)
    if not wanted:
        return RollupResult(days=[], rows=0, messages=0)
    computed_at = now or timezone.now()
    rows = messages = 0
    with transaction.atomic():
        RollupDay.objects.bulk_create([RollupDay(day=day, computed_at=computed_at) for day in wanted],
                                      ignore_conflicts=True)
        list(RollupDay.objects.select_for_update().filter(day__in=wanted).values_list("pk", flat=True))
        for first, last in day_runs(wanted):
            MessageHourStat.objects.filter(day__gte=first, day__lte=last).delete()
            MessageTeamHourStat.objects.filter(day__gte=first, day__lte=last).delete()
            MessageDayHourStat.objects.filter(day__gte=first, day__lte=last).delete()
            stats = _stats_for(first, last)
            per_team = _per_team(stats)
            MessageHourStat.objects.bulk_create(stats, batch_size=2000)
            MessageTeamHourStat.objects.bulk_create(per_team, batch_size=2000)
            MessageDayHourStat.objects.bulk_create(_every_team(per_team), batch_size=2000)
            AISpendDay.objects.filter(day__gte=first, day__lte=last).delete()
            AISpendDay.objects.bulk_create(_spend_for(first, last), batch_size=2000)
            per_day: dict[date, int] = {}
            for stat in stats:
                per_day[stat.day] = per_day.get(stat.day, 0) + stat.messages
            for offset in range((last - first).days + 1):
                day = first + timedelta(days=offset)
                RollupDay.objects.filter(day=day).update(computed_at=computed_at, messages=per_day.get(day, 0))
            rows += len(stats)
            messages += sum(per_day.values())
    return RollupResult(days=wanted, rows=rows, messages=messages)
