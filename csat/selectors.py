"""Reads of customer satisfaction: summaries per agent, per team, the spread of ratings, a contact's last ones.

Ranges are local days, both ends included, and count a rating on the day it was given (``answered_at``).
Every summary is one grouped query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.policy import scope_queryset
from conversations.models import Channel
from csat.models import CsatSurvey
from integrations.base import Provider


@dataclass(frozen=True)
class CsatSummary:
    """The average rating (None without ratings) and how many; ``low`` is how many were 1 or 2."""

    avg: float | None
    count: int
    low: int = 0


@dataclass(frozen=True)
class CsatOverview:
    """How asking went over a range (by the day a survey was resolved about): asked includes the answered and
    expired ones; ``response_rate`` is answered / asked in percent (None when nobody was asked)."""

    asked: int
    answered: int
    expired: int
    skipped: int
    avg: float | None
    response_rate: float | None


def _day_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    return start, end


def _answered(date_from: date, date_to: date) -> QuerySet[CsatSurvey]:
    start, end = _day_bounds(date_from, date_to)
    return CsatSurvey.objects.filter(state=CsatSurvey.State.ANSWERED, answered_at__gte=start, answered_at__lt=end)


def _summaries(qs: QuerySet[CsatSurvey], key: str, ids: Iterable[int]) -> dict[int, CsatSummary]:
    wanted = list(ids)
    rows = (qs.filter(**{f"{key}__in": wanted}).values(key)
            .annotate(avg=Avg("rating"), count=Count("pk"), low=Count("pk", filter=Q(rating__lte=2)))
            .order_by())
    found = {row[key]: CsatSummary(avg=round(float(row["avg"]), 2), count=row["count"], low=row["low"])
             for row in rows}
    return {pk: found.get(pk, CsatSummary(avg=None, count=0)) for pk in wanted}


def csat_by_agent(agent_ids: Iterable[int], date_from: date, date_to: date) -> dict[int, CsatSummary]:
    """Each agent's ratings given in the range (every id asked for is a key; no ratings: avg None, count 0)."""
    return _summaries(_answered(date_from, date_to), "agent_id", agent_ids)


def csat_by_team(team_ids: Iterable[int], date_from: date, date_to: date) -> dict[int, CsatSummary]:
    """Each team's ratings given in the range, keyed like :func:`csat_by_agent`."""
    return _summaries(_answered(date_from, date_to), "team_id", team_ids)


def _narrowed(qs: QuerySet[CsatSurvey], *, agent_ids: Iterable[int] | None, team_ids: Iterable[int] | None,
              channel: str) -> QuerySet[CsatSurvey]:
    if agent_ids is not None:
        qs = qs.filter(agent_id__in=list(agent_ids))
    if team_ids is not None:
        qs = qs.filter(team_id__in=list(team_ids))
    if channel == Channel.INSTAGRAM:
        qs = qs.filter(conversation__channel_account__provider=Provider.INSTAGRAM)
    elif channel:  # WhatsApp: every provider but Instagram (the sandbox pretends to be WhatsApp)
        qs = qs.exclude(conversation__channel_account__provider=Provider.INSTAGRAM)
    return qs


def csat_distribution(*, date_from: date, date_to: date, agent_ids: Iterable[int] | None = None,
                      team_ids: Iterable[int] | None = None, channel: str = "") -> dict[int, int]:
    """How many ratings of each value (1 to 5, every key present) were given in the range."""
    qs = _narrowed(_answered(date_from, date_to), agent_ids=agent_ids, team_ids=team_ids, channel=channel)
    counts = dict(qs.values_list("rating").annotate(n=Count("pk")).order_by())
    return {rating: counts.get(rating, 0) for rating in range(1, 6)}


def csat_overview(*, date_from: date, date_to: date, agent_ids: Iterable[int] | None = None,
                  team_ids: Iterable[int] | None = None, channel: str = "") -> CsatOverview:
    """Asked, answered, expired and skipped surveys about resolutions in the range, and the average rating."""
    start, end = _day_bounds(date_from, date_to)
    qs = _narrowed(CsatSurvey.objects.filter(resolved_at__gte=start, resolved_at__lt=end),
                   agent_ids=agent_ids, team_ids=team_ids, channel=channel)
    state = CsatSurvey.State
    row = qs.aggregate(
        answered=Count("pk", filter=Q(state=state.ANSWERED)),
        asked=Count("pk", filter=Q(state__in=[state.ASKED, state.ANSWERED, state.EXPIRED])),
        expired=Count("pk", filter=Q(state=state.EXPIRED)),
        skipped=Count("pk", filter=Q(state=state.SKIPPED)),
        avg=Avg("rating", filter=Q(state=state.ANSWERED)),
    )
    asked = row["asked"]
    return CsatOverview(
        asked=asked, answered=row["answered"], expired=row["expired"], skipped=row["skipped"],
        avg=round(float(row["avg"]), 2) if row["avg"] is not None else None,
        response_rate=round(100 * row["answered"] / asked, 1) if asked else None,
    )


def contact_csat_recent(*, contact_id: int, limit: int = 5) -> list[CsatSurvey]:
    """The contact's last ratings (newest first), with who handled each conversation."""
    return list(
        CsatSurvey.objects.filter(conversation__contact_id=contact_id, state=CsatSurvey.State.ANSWERED)
        .select_related("agent").order_by("-answered_at", "-pk")[:limit]
    )


def conversation_csat_latest(*, conversation_id: int) -> CsatSurvey | None:
    """The survey about the conversation's last resolution, if any."""
    return CsatSurvey.objects.filter(conversation_id=conversation_id).order_by("-resolved_at", "-pk").first()


def csat_survey_visible_queryset(*, user: User) -> QuerySet[CsatSurvey]:
    """Surveys ``user`` may see: admins and back office all; a supervisor their teams'; an agent their own."""
    qs = CsatSurvey.objects.select_related("conversation__contact", "conversation__channel_account", "agent", "team")
    # An agent's team rows would be their colleagues' ratings: for them, only the rows they hold.
    return scope_queryset(qs, user=user, agent_field="agent", team_field=None if user.is_agent else "team")
