"""The quality dashboard's figures and speech analytics: reads only (selectors), scoped by the one role policy.

What the figures mean:
- Only *sent* audits count (every status past draft), dated by when they were sent (``submitted_at``); an
  analyst's draft is work in progress.
- A criterion's average is the mean of its answers' fractions (yes 1, partial 0.5, no 0, a 1-5 scale
  (v-1)/4; "not applicable" and blank answers left out), as the scoring rules weigh them; a *failure* is a
  "no" or the scale's lowest mark (what zeroes an audit on a critical criterion).
- Pass rate: the share of the scored audits (``passed`` known) that passed. Disputes open: audits in dispute.
- AI agreement: the mean of the audits' ``ai_agreement``; per criterion, the share of the answers where the AI
  proposed one and the analyst kept it, over the answers where both are set.
- Speech analytics over calls (dated by their start): sentiment counts per ISO week (the AI's reading); talk
  and silence from the transcript's timed turns: talk is the union of the turns' spans inside the call's
  duration, silence the rest; the agent's share of the talk is their turns' time over all turns' time.
  Ratios per agent are over the sums (a long call weighs more than a short one). Keyword trends: the watch
  words and script cues the call's AI reading found (``Call.analysis["keywords"]``), summed per week.

Everything the database can count is counted there (a few GROUP BY queries whatever the number of audits);
the turns and the keywords live in JSON, read in Python over the newest ``SPEECH_CALL_CAP`` calls of the range
(``speech.calls_capped`` says when the cap cut it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Case, Count, DecimalField, F, Q, QuerySet, Value, When
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.policy import scope_queryset
from calls.models import Call
from calls.selectors import calls_visible
from quality.models import Audit, AuditScore, EvaluationMatrix
from quality.selectors import audits_visible
from quality.services.scoring import FAILING_ANSWERS, FRACTIONS

#: The newest calls read for the JSON figures (turns, keywords) in one dashboard.
SPEECH_CALL_CAP = 5000
#: How many criteria "worst criteria" shows, and how many keywords the trend follows.
WORST_CRITERIA = 5
TOP_KEYWORDS = 6

SENT = ~Q(status=Audit.Status.DRAFT)

FRACTION = Case(
    *(When(answer=answer, then=Value(fraction)) for answer, fraction in FRACTIONS.items()),
    default=Value(None),
    output_field=DecimalField(max_digits=5, decimal_places=4),
)
ANSWERED = ~Q(answer="") & ~Q(answer="na")
BOTH_SET = ~Q(answer="") & ~Q(ai_answer="")


@dataclass(frozen=True)
class QualityFilters:
    """The dashboard's filters; ``None`` is "any". Days are local days, both included."""

    date_from: date | None = None
    date_to: date | None = None
    team_id: int | None = None
    agent_id: int | None = None
    matrix_id: int | None = None


@dataclass
class QualityDashboard:
    kpis: dict[str, Any]
    weeks: list[dict[str, Any]]
    agents: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    worst_criteria: list[dict[str, Any]]
    speech: dict[str, Any] = field(default_factory=dict)

    @property
    def has_audits(self) -> bool:
        return bool(self.kpis["audits"])

    @property
    def has_calls(self) -> bool:
        return bool(self.speech.get("calls"))

    @property
    def is_empty(self) -> bool:
        return not self.has_audits and not self.has_calls

    def chart_data(self) -> dict[str, Any]:
        """Plain JSON for the page's charts (``json_script``): numbers as floats, labels as strings."""
        return _plain({
            "weeks": self.weeks, "agents": self.agents, "teams": self.teams, "worst": self.worst_criteria,
            "criteria": self.criteria, "speech": self.speech, "kpis": self.kpis,
        })


# ---------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------
def audits_in_scope(user: User) -> QuerySet[Audit]:
    """The sent audits ``user`` may see (admins and back office: all; supervisors: their teams' agents' audits
    and their teams'; agents: their own)."""
    return audits_visible(user).select_related(None).filter(SENT)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _dated(qs: QuerySet[Any], field_name: str, filters: QualityFilters) -> QuerySet[Any]:
    if filters.date_from:
        qs = qs.filter(**{f"{field_name}__gte": _day_start(filters.date_from)})
    if filters.date_to:
        qs = qs.filter(**{f"{field_name}__lt": _day_start(filters.date_to + timedelta(days=1))})
    return qs


def audits_filtered(user: User, filters: QualityFilters) -> QuerySet[Audit]:
    qs = _dated(audits_in_scope(user), "submitted_at", filters)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.agent_id:
        qs = qs.filter(agent_id=filters.agent_id)
    if filters.matrix_id:
        qs = qs.filter(matrix_id=filters.matrix_id)
    return qs


def calls_filtered(user: User, filters: QualityFilters) -> QuerySet[Call]:
    """The calls of the speech analytics: the ones ``user`` may see, held by an agent, in range."""
    qs = _dated(calls_visible(user).select_related(None), "started_at", filters).filter(agent__isnull=False)
    if filters.team_id:
        qs = qs.filter(agent__team_id=filters.team_id)
    if filters.agent_id:
        qs = qs.filter(agent_id=filters.agent_id)
    return qs


def filter_choices(user: User) -> dict[str, list[tuple[int, str]]]:
    """The teams, agents and matrices ``user`` may filter by."""
    teams = scope_queryset(Team.objects.order_by("name"), user=user, agent_field=None, team_field="")
    agents = scope_queryset(User.objects.filter(role=Role.AGENT, is_active=True).order_by("username"),
                            user=user, agent_field="")
    matrix_ids = audits_in_scope(user).values("matrix_id")
    matrices = EvaluationMatrix.objects.filter(pk__in=matrix_ids).order_by("code", "-version")
    return {
        "teams": [(t.pk, t.name) for t in teams],
        "agents": [(u.pk, str(u)) for u in agents.only("pk", "username", "first_name", "last_name")],
        "matrices": [(m.pk, str(m)) for m in matrices],
    }


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _round(value: Any, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


def _share(part: int | float, whole: int | float, places: int = 1) -> float | None:
    return round(100 * part / whole, places) if whole else None


def _person_name(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or username or ""


def week_start(moment: datetime | date) -> date:
    """The Monday (local day) of ``moment``'s ISO week."""
    day = timezone.localtime(moment).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------------------------
# Audit figures (aggregates in the database)
# ---------------------------------------------------------------------------------------------
_AUDIT_FIGURES = {
    "audits": Count("pk"),
    "average_score": Avg("score"),
    "scored": Count("pk", filter=Q(passed__isnull=False)),
    "passed": Count("pk", filter=Q(passed=True)),
    "critical_failed": Count("pk", filter=Q(critical_failed=True)),
}


def _with_rates(row: dict[str, Any]) -> dict[str, Any]:
    row["average_score"] = _round(row.get("average_score"))
    row["pass_rate"] = _share(row.get("passed") or 0, row.get("scored") or 0)
    if "ai_agreement" in row:
        row["ai_agreement"] = _round(row["ai_agreement"])
    return row


def audit_kpis(audits: QuerySet[Audit]) -> dict[str, Any]:
    row = audits.aggregate(**_AUDIT_FIGURES, ai_agreement=Avg("ai_agreement"),
                           disputes_open=Count("pk", filter=Q(status=Audit.Status.DISPUTED)))
    return _with_rates(row)


def audits_per_week(audits: QuerySet[Audit]) -> list[dict[str, Any]]:
    rows = (audits.annotate(week=TruncWeek("submitted_at")).values("week")
            .annotate(**_AUDIT_FIGURES, ai_agreement=Avg("ai_agreement")).order_by("week"))
    out = []
    for row in rows:
        monday = week_start(row.pop("week"))
        out.append({"week": week_label(monday), "monday": monday, **_with_rates(row)})
    return out


def audits_per_agent(audits: QuerySet[Audit]) -> list[dict[str, Any]]:
    rows = (audits.values("agent_id", "agent__first_name", "agent__last_name", "agent__username", "team__name")
            .annotate(**_AUDIT_FIGURES, ai_agreement=Avg("ai_agreement")).order_by("agent__username"))
    return [{
        "agent_id": row["agent_id"],
        "agent": _person_name(row["agent__first_name"], row["agent__last_name"], row["agent__username"]),
        "team": row["team__name"] or "",
        **_with_rates({k: row[k] for k in (*_AUDIT_FIGURES, "ai_agreement")}),
    } for row in rows]


def audits_per_team(audits: QuerySet[Audit]) -> list[dict[str, Any]]:
    rows = audits.values("team_id", "team__name").annotate(**_AUDIT_FIGURES).order_by("team__name")
    return [{"team_id": row["team_id"], "team": row["team__name"] or "",
             **_with_rates({k: row[k] for k in _AUDIT_FIGURES})} for row in rows]


def criteria_figures(audits: QuerySet[Audit]) -> list[dict[str, Any]]:
    """Per criterion (of every matrix version in scope): the answers' mean fraction, failures, AI agreement."""
    scores = AuditScore.objects.filter(audit__in=audits.values("pk"))
    rows = (scores.values("criterion_id", "criterion__text", "criterion__is_critical", "criterion__matrix__name",
                          "criterion__matrix__version")
            .annotate(
                answered=Count("pk", filter=ANSWERED),
                average=Avg(FRACTION, filter=ANSWERED),
                failures=Count("pk", filter=Q(answer__in=FAILING_ANSWERS)),
                both_set=Count("pk", filter=BOTH_SET),
                agreed=Count("pk", filter=BOTH_SET & Q(answer=F("ai_answer"))),
            ).order_by("criterion__matrix__name", "criterion__matrix__version", "criterion__section__position",
                       "criterion__position", "criterion_id"))
    out = []
    for row in rows:
        average = row["average"]
        out.append({
            "criterion_id": row["criterion_id"],
            "criterion": row["criterion__text"],
            "matrix": f"{row['criterion__matrix__name']} v{row['criterion__matrix__version']}",
            "is_critical": row["criterion__is_critical"],
            "answered": row["answered"],
            "average": _round(average, 4),
            "average_pct": _round(100 * average, 1) if average is not None else None,
            "failures": row["failures"],
            "failure_share": _share(row["failures"], row["answered"]),
            "ai_compared": row["both_set"],
            "ai_agreement": _share(row["agreed"], row["both_set"]),
        })
    return out


def worst_criteria(criteria: Iterable[dict[str, Any]], limit: int = WORST_CRITERIA) -> list[dict[str, Any]]:
    """The lowest averages first (ties: more failures first)."""
    answered = [row for row in criteria if row["average"] is not None]
    return sorted(answered, key=lambda r: (r["average"], -(r["failure_share"] or 0), r["criterion_id"]))[:limit]


# ---------------------------------------------------------------------------------------------
# Speech analytics
# ---------------------------------------------------------------------------------------------
def sentiment_per_week(calls: QuerySet[Call]) -> list[dict[str, Any]]:
    """Per ISO week, the analysed calls by sentiment (one GROUP BY query)."""
    figures = {value: Count("pk", filter=Q(sentiment=value)) for value, _label in Call.Sentiment.choices}
    rows = (calls.exclude(sentiment="").annotate(week=TruncWeek("started_at")).values("week")
            .annotate(**figures).order_by("week"))
    return [{"week": week_label(week_start(row.pop("week"))), **row} for row in rows]


def talk_spans(segments: Any, duration: float) -> tuple[float, dict[str, float]]:
    """``(talk, per_speaker)``: the seconds covered by any turn (overlaps counted once, clipped to the call's
    duration) and each speaker's turn time ("" for turns nobody labelled)."""
    spans: list[tuple[float, float]] = []
    per_speaker: dict[str, float] = defaultdict(float)
    for segment in segments if isinstance(segments, list) else []:
        if not isinstance(segment, dict):
            continue
        try:
            start = max(0.0, float(segment.get("start") or 0))
            end = min(float(duration), float(segment.get("end") or 0))
        except (TypeError, ValueError):
            continue
        if end <= start:
            continue
        spans.append((start, end))
        per_speaker[str(segment.get("speaker") or "")] += end - start
    talk = 0.0
    current_start = current_end = None
    for start, end in sorted(spans):
        if current_end is None or start > current_end:
            if current_end is not None:
                talk += current_end - current_start  # type: ignore[operator]
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        talk += current_end - current_start  # type: ignore[operator]
    return talk, dict(per_speaker)


def speech_figures(calls: QuerySet[Call], *, cap: int = SPEECH_CALL_CAP,
                   top_keywords: int = TOP_KEYWORDS) -> dict[str, Any]:
    """Sentiment per week (SQL), and from the newest ``cap`` calls' JSON: talk and silence per agent and
    the keyword trends."""
    analysed = calls.exclude(sentiment="")
    sentiment_totals = analysed.aggregate(
        **{value: Count("pk", filter=Q(sentiment=value)) for value, _label in Call.Sentiment.choices})
    total_calls = calls.count()
    rows = (calls.filter(duration__gt=0).order_by("-started_at", "-pk")
            .values_list("agent_id", "agent__first_name", "agent__last_name", "agent__username", "started_at",
                         "duration", "transcript_segments", "analysis")[: cap + 1])
    per_agent: dict[int, dict[str, Any]] = {}
    keywords: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    keyword_totals: dict[str, int] = defaultdict(int)
    weeks: set[date] = set()
    read = 0
    capped = False
    for agent_id, first, last, username, started_at, duration, segments, analysis in rows.iterator(chunk_size=500):
        if read == cap:
            capped = True
            break
        read += 1
        monday = week_start(started_at)
        weeks.add(monday)
        hits = analysis.get("keywords") if isinstance(analysis, dict) else None
        for hit in hits if isinstance(hits, list) else []:
            if isinstance(hit, dict) and hit.get("phrase"):
                phrase = str(hit["phrase"]).lower()
                count = int(hit.get("count") or 1)
                keywords[phrase][monday] += count
                keyword_totals[phrase] += count
        if not segments:
            continue
        talk, speakers = talk_spans(segments, duration)
        agent = per_agent.setdefault(agent_id, {
            "agent_id": agent_id, "agent": _person_name(first, last, username), "calls": 0, "duration": 0.0,
            "talk": 0.0, "agent_talk": 0.0, "customer_talk": 0.0, "turn_time": 0.0,
        })
        agent["calls"] += 1
        agent["duration"] += duration
        agent["talk"] += talk
        agent["agent_talk"] += speakers.get("agent", 0.0)
        agent["customer_talk"] += speakers.get("customer", 0.0)
        agent["turn_time"] += sum(speakers.values())
    talk_rows = sorted(per_agent.values(), key=lambda r: r["agent"])
    totals = {"calls": 0, "duration": 0.0, "talk": 0.0, "agent_talk": 0.0, "customer_talk": 0.0, "turn_time": 0.0}
    for row in talk_rows:
        for key in totals:
            totals[key] += row[key]
    for row in (*talk_rows, totals):
        row["silence"] = max(0.0, row["duration"] - row["talk"])
        row["talk_share"] = _share(row["talk"], row["duration"])
        row["silence_share"] = _share(row["silence"], row["duration"])
        row["agent_talk_share"] = _share(row["agent_talk"], row["turn_time"])
        row["customer_talk_share"] = _share(row["customer_talk"], row["turn_time"])
        for key in ("duration", "talk", "silence", "agent_talk", "customer_talk", "turn_time"):
            row[key] = round(row[key], 1)
    ordered_weeks = sorted(weeks)
    top = sorted(keyword_totals, key=lambda p: (-keyword_totals[p], p))[:top_keywords]
    return {
        "calls": total_calls,
        "calls_read": read,
        "calls_capped": capped,
        "sentiment": {**sentiment_totals, "analysed": sum(sentiment_totals.values())},
        "sentiment_weeks": sentiment_per_week(calls),
        "talk_agents": talk_rows,
        "talk_total": totals,
        "keyword_weeks": [week_label(monday) for monday in ordered_weeks],
        "keywords": [{"phrase": phrase, "total": keyword_totals[phrase],
                      "counts": [keywords[phrase].get(monday, 0) for monday in ordered_weeks]} for phrase in top],
    }


# ---------------------------------------------------------------------------------------------
# The dashboard
# ---------------------------------------------------------------------------------------------
def quality_dashboard(*, user: User, filters: QualityFilters | None = None) -> QualityDashboard:
    """Every figure of the quality dashboard for ``user`` (scoped) and ``filters``."""
    filters = filters or QualityFilters()
    audits = audits_filtered(user, filters)
    criteria = criteria_figures(audits)
    return QualityDashboard(
        kpis=audit_kpis(audits),
        weeks=audits_per_week(audits),
        agents=audits_per_agent(audits),
        teams=audits_per_team(audits),
        criteria=criteria,
        worst_criteria=worst_criteria(criteria),
        speech=speech_figures(calls_filtered(user, filters)),
    )
