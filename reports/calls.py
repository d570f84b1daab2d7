"""Calls in reports: every call ("calls") and a summary per agent ("calls_per_agent"), and the monthly totals.

What the figures mean:
- answered: a completed call that was not a voicemail (someone spoke with the customer);
- missed: a call that rang out, was busy, failed or was cancelled, or ended in a voicemail (inbound: a customer
  nobody attended; outbound: a customer not reached);
- talk time: the seconds of the answered calls (Twilio's duration); its average is over the answered calls;
- outcome: the one the agent chose, else the one the AI read from the transcript.
Calls are dated by when they started, and belong to their agent ("Unassigned" for a voicemail nobody holds).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from calls.models import Call
from calls.selectors import calls_visible
from reports.exports import ExportColumn, ExportDefinition, ExportFilter

ANSWERED = Q(status=Call.Status.COMPLETED, is_voicemail=False)
MISSED = Q(status__in=[Call.Status.NO_ANSWER, Call.Status.BUSY, Call.Status.FAILED, Call.Status.CANCELED]) | Q(
    is_voicemail=True)


def outcome_q(outcome: str) -> Q:
    """Calls whose outcome is ``outcome``: the agent's, else the AI's."""
    return Q(outcome=outcome) | Q(outcome="", ai_outcome=outcome)


def calls_queryset(user: User | None) -> QuerySet[Call]:
    """Every call for ops (``None``), else the calls ``user`` may see (the one role policy)."""
    return Call.objects.all() if user is None else calls_visible(user).select_related(None)


def calls_with_outcome_queryset(user: User | None) -> QuerySet[Call]:
    """``calls_queryset`` with ``effective_outcome``: the agent's outcome, else the AI's (filtered and shown)."""
    return calls_queryset(user).annotate(
        effective_outcome=Coalesce(NullIf("outcome", Value("")), NullIf("ai_outcome", Value("")), Value("")))


def call_aggregates() -> dict[str, Any]:
    """The per-agent figures, as aggregates over calls (one GROUP BY query for any number of calls)."""
    figures: dict[str, Any] = {
        "calls": Count("pk"),
        "inbound": Count("pk", filter=Q(direction=Call.Direction.INBOUND)),
        "outbound": Count("pk", filter=Q(direction=Call.Direction.OUTBOUND)),
        "answered": Count("pk", filter=ANSWERED),
        "missed": Count("pk", filter=MISSED),
        "voicemails": Count("pk", filter=Q(is_voicemail=True)),
        "talk_seconds": Sum("duration", filter=ANSWERED),
    }
    for value, _label in Call.Outcome.choices:
        figures[f"outcome_{value}"] = Count("pk", filter=outcome_q(value))
    return figures


def talk_minutes(row: dict[str, Any]) -> float:
    return round((row.get("talk_seconds") or 0) / 60, 1)


def average_talk_minutes(row: dict[str, Any]) -> float | None:
    answered = row.get("answered") or 0
    return round((row.get("talk_seconds") or 0) / answered / 60, 1) if answered else None


def _answered_share(row: dict[str, Any]) -> float | None:
    calls = row.get("calls") or 0
    return round(100 * (row.get("answered") or 0) / calls, 1) if calls else None


_AGENT_FIELDS = ("agent__username", "agent__first_name", "agent__last_name")


def _agent_name(row: dict[str, Any]) -> str:
    if row.get("agent") is None:
        return str(_("Unassigned"))
    full = f"{row.get('agent__first_name') or ''} {row.get('agent__last_name') or ''}".strip()
    return full or row.get("agent__username") or ""


def _display(source: str, choices: Any) -> Any:
    labels = dict(choices)
    return lambda row: str(labels.get(row[source], row[source] or ""))


def _customer_number(row: dict[str, Any]) -> str:
    return row["from_number"] if row["direction"] == Call.Direction.INBOUND else row["to_number"]


def _minutes(row: dict[str, Any]) -> float:
    return round((row.get("duration") or 0) / 60, 1)


def call_definition(people: Any) -> ExportDefinition:
    """Every call, one row each."""
    return ExportDefinition(
        kind="calls",
        label=_("Calls"),
        queryset=calls_with_outcome_queryset,
        date_field="started_at",
        columns=(
            ExportColumn("id", "ID", "pk"),
            ExportColumn("started_at", _("started at"), "started_at"),
            ExportColumn("direction", _("direction"),
                         compute=_display("direction", Call.Direction.choices), needs=("direction",)),
            ExportColumn("status", _("status"), compute=_display("status", Call.Status.choices), needs=("status",)),
            ExportColumn("voicemail", _("voicemail"), "is_voicemail"),
            ExportColumn("contact", _("contact"), "contact__name"),
            ExportColumn("number", _("customer's number"), compute=_customer_number,
                         needs=("direction", "from_number", "to_number")),
            ExportColumn("agent", _("agent"), compute=_agent_name, needs=("agent", *_AGENT_FIELDS)),
            ExportColumn("duration", _("talk time (s)"), "duration"),
            ExportColumn("minutes", _("talk time (minutes)"), compute=_minutes, needs=("duration",)),
            ExportColumn("outcome", _("outcome"), compute=_display("effective_outcome", Call.Outcome.choices),
                         needs=("effective_outcome",)),
            ExportColumn("agent_outcome", _("outcome (agent)"),
                         compute=_display("outcome", Call.Outcome.choices), needs=("outcome",), default=False),
            ExportColumn("ai_outcome", _("outcome (AI)"),
                         compute=_display("ai_outcome", Call.Outcome.choices), needs=("ai_outcome",),
                         default=False),
            ExportColumn("sentiment", _("sentiment"),
                         compute=_display("sentiment", Call.Sentiment.choices), needs=("sentiment",)),
            ExportColumn("script_adherence", _("script adherence (%)"), "script_adherence"),
            ExportColumn("transcript_state", _("transcript"),
                         compute=_display("transcript_state", Call.TranscriptState.choices),
                         needs=("transcript_state",)),
            ExportColumn("next_action", _("next action"), "next_action", default=False),
            ExportColumn("notes", _("notes"), "notes", default=False),
            ExportColumn("call_sid", "CallSid", "call_sid", default=False),
        ),
        filters=(
            ExportFilter("direction", _("direction"), "direction", lambda user: Call.Direction.choices),
            ExportFilter("status", _("status"), "status", lambda user: Call.Status.choices),
            ExportFilter("outcome", _("outcome"), "effective_outcome", lambda user: Call.Outcome.choices),
            ExportFilter("agent", _("agent"), "agent_id", people),
        ),
    )


def calls_per_agent_definition(people: Any) -> ExportDefinition:
    """One row per agent: calls, answered and missed, talk time (total and average), outcomes."""
    outcome_columns = tuple(
        ExportColumn(f"outcome_{value}", label, f"outcome_{value}") for value, label in Call.Outcome.choices
    )
    return ExportDefinition(
        kind="calls_per_agent",
        label=_("Calls per agent"),
        queryset=calls_queryset,
        date_field="started_at",
        group_by=("agent", *_AGENT_FIELDS),
        aggregates=call_aggregates(),
        ordering=("agent__username",),
        columns=(
            ExportColumn("agent", _("agent"), compute=_agent_name, needs=("agent", *_AGENT_FIELDS)),
            ExportColumn("calls", _("calls"), "calls"),
            ExportColumn("inbound", _("inbound"), "inbound"),
            ExportColumn("outbound", _("outbound"), "outbound"),
            ExportColumn("answered", _("answered"), "answered"),
            ExportColumn("missed", _("missed"), "missed"),
            ExportColumn("answered_share", _("answered (%)"), compute=_answered_share, needs=("calls", "answered")),
            ExportColumn("voicemails", _("voicemails"), "voicemails", default=False),
            ExportColumn("talk_minutes", _("talk time (minutes)"), compute=talk_minutes, needs=("talk_seconds",)),
            ExportColumn("average_talk_minutes", _("average talk time (minutes)"), compute=average_talk_minutes,
                         needs=("talk_seconds", "answered")),
            *outcome_columns,
        ),
        filters=(
            ExportFilter("direction", _("direction"), "direction", lambda user: Call.Direction.choices),
            ExportFilter("agent", _("agent"), "agent_id", people),
        ),
    )
