"""Quality audits in reports: one row per audit ("audits") and one row per criterion answered ("audit_scores").

Audits are dated by when the analyst started them (a draft has no sending date yet); each row is scoped by the
one role policy through ``quality.selectors.audits_visible`` (admins every audit, back office every sent one,
supervisors their teams' agents'). The scorecard is named with its version, as the audit was scored with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from quality.models import Audit, AuditScore, EvaluationMatrix
from quality.selectors import audits_visible
from reports.exports import ExportColumn, ExportDefinition, ExportFilter


def audits_queryset(user: User | None) -> QuerySet[Audit]:
    """Every audit for ops (``None``), else the audits ``user`` may see."""
    return Audit.objects.all() if user is None else audits_visible(user).select_related(None)


def audit_scores_queryset(user: User | None) -> QuerySet[AuditScore]:
    """The answers of the audits ``audits_queryset`` lists."""
    scores = AuditScore.objects.all()
    return scores if user is None else scores.filter(audit__in=audits_queryset(user).values("pk"))


def _matrices(user: User | None) -> Sequence[tuple[str, str]]:
    """The scorecard versions of the audits ``user`` may see (every version for ops)."""
    matrices = EvaluationMatrix.objects.order_by("code", "-version")
    if user is not None:
        matrices = matrices.filter(pk__in=audits_queryset(user).values("matrix_id"))
    return [(str(m.pk), str(m)) for m in matrices]


def _name(prefix: str) -> tuple[Any, tuple[str, ...]]:
    fields = (f"{prefix}__first_name", f"{prefix}__last_name", f"{prefix}__username")

    def name(row: dict[str, Any]) -> str:
        return f"{row[fields[0]] or ''} {row[fields[1]] or ''}".strip() or row[fields[2]] or ""

    return name, fields


def _person(key: str, label: Any, prefix: str, **kwargs: Any) -> ExportColumn:
    compute, needs = _name(prefix)
    return ExportColumn(key, label, compute=compute, needs=needs, **kwargs)


def _display(source: str, choices: Any) -> Any:
    labels = dict(choices)
    return lambda row: str(labels.get(row[source], row[source] or ""))


def _matrix_column(prefix: str) -> ExportColumn:
    return ExportColumn(
        "matrix", _("scorecard"), compute=lambda row: f"{row[f'{prefix}name']} v{row[f'{prefix}version']}",
        needs=(f"{prefix}name", f"{prefix}version"))


def _subject(prefix: str) -> ExportColumn:
    def subject(row: dict[str, Any]) -> str:
        if row[f"{prefix}call_id"]:
            return f"{_('call')} {row[f'{prefix}call_id']}"
        return f"{_('chat')} {row[f'{prefix}conversation_id']}"

    return ExportColumn("subject", _("audited"), compute=subject, needs=(f"{prefix}call_id",
                                                                          f"{prefix}conversation_id"))


def audit_definition(people: Any) -> ExportDefinition:
    """Every audit, one row each."""
    return ExportDefinition(
        kind="audits",
        label=_("Quality audits"),
        queryset=audits_queryset,
        date_field="created_at",
        columns=(
            ExportColumn("id", "ID", "pk"),
            ExportColumn("created_at", _("audited at"), "created_at"),
            ExportColumn("submitted_at", _("sent at"), "submitted_at"),
            _person("agent", _("agent"), "agent"),
            ExportColumn("team", _("team"), "team__name"),
            _person("analyst", _("analyst"), "analyst"),
            _matrix_column("matrix__"),
            ExportColumn("matrix_code", _("scorecard code"), "matrix__code", default=False),
            _subject(""),
            ExportColumn("call", _("call"), "call_id", default=False),
            ExportColumn("conversation", _("conversation"), "conversation_id", default=False),
            ExportColumn("score", _("score"), "score"),
            ExportColumn("raw_score", _("score before critical"), "raw_score", default=False),
            ExportColumn("passed", _("passed"), "passed"),
            ExportColumn("critical_failed", _("critical criterion failed"), "critical_failed"),
            ExportColumn("status", _("status"), compute=_display("status", Audit.Status.choices), needs=("status",)),
            ExportColumn("ai_agreement", _("agreement with the AI (%)"), "ai_agreement"),
            ExportColumn("ai_provider", _("AI pre-scoring by"), "ai_provider", default=False),
            ExportColumn("feedback", _("feedback to the agent"), "feedback"),
            ExportColumn("acknowledged_at", _("acknowledged at"), "acknowledged_at", default=False),
            ExportColumn("agent_comment", _("agent's comment"), "agent_comment", default=False),
            ExportColumn("dispute_reason", _("dispute reason"), "dispute_reason", default=False),
            ExportColumn("resolution", _("resolution"),
                         compute=_display("resolution", Audit.Resolution.choices), needs=("resolution",),
                         default=False),
            ExportColumn("resolution_note", _("resolution note"), "resolution_note", default=False),
        ),
        filters=(
            ExportFilter("status", _("status"), "status", lambda user: Audit.Status.choices),
            ExportFilter("agent", _("agent"), "agent_id", people),
            ExportFilter("matrix", _("scorecard"), "matrix_id", _matrices),
        ),
    )


def audit_scores_definition(people: Any) -> ExportDefinition:
    """Every answer of every audit, one row per criterion."""

    def agrees(row: dict[str, Any]) -> bool | None:
        if not row["answer"] or not row["ai_answer"]:
            return None
        return row["answer"] == row["ai_answer"]

    answers = AuditScore.Answer.choices
    return ExportDefinition(
        kind="audit_scores",
        label=_("Quality audit answers"),
        queryset=audit_scores_queryset,
        date_field="audit__created_at",
        columns=(
            ExportColumn("audit", _("audit"), "audit_id"),
            ExportColumn("audited_at", _("audited at"), "audit__created_at"),
            _person("agent", _("agent"), "audit__agent"),
            ExportColumn("team", _("team"), "audit__team__name", default=False),
            _matrix_column("audit__matrix__"),
            _subject("audit__"),
            ExportColumn("section", _("section"), "criterion__section__name"),
            ExportColumn("criterion", _("criterion"), "criterion__text"),
            ExportColumn("weight", _("weight"), "criterion__weight"),
            ExportColumn("critical", _("critical"), "criterion__is_critical"),
            ExportColumn("answer", _("answer"), compute=_display("answer", answers), needs=("answer",)),
            ExportColumn("comment", _("comment"), "comment"),
            ExportColumn("evidence", _("evidence"), "evidence"),
            ExportColumn("evidence_at", _("evidence at (s)"), "evidence_at", default=False),
            ExportColumn("ai_answer", _("AI's answer"), compute=_display("ai_answer", answers), needs=("ai_answer",)),
            ExportColumn("ai_evidence", _("AI's evidence"), "ai_evidence", default=False),
            ExportColumn("agrees", _("agrees with the AI"), compute=agrees, needs=("answer", "ai_answer")),
            ExportColumn("status", _("status"),
                         compute=_display("audit__status", Audit.Status.choices), needs=("audit__status",),
                         default=False),
        ),
        filters=(
            ExportFilter("status", _("status"), "audit__status", lambda user: Audit.Status.choices),
            ExportFilter("agent", _("agent"), "audit__agent_id", people),
            ExportFilter("matrix", _("scorecard"), "audit__matrix_id", _matrices),
        ),
    )
