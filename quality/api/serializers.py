"""Audits over the API: what a list row, a detail and each action's input look like."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.fields import DateInRangeField, IdField
from quality.models import Audit, AuditScore


def _person(user: Any) -> str | None:
    return str(user) if user is not None else None


class AuditSerializer(serializers.ModelSerializer):
    """An audit in a list: whose, by whom, on what, the score and where it stands; no answers (see the detail)."""

    subject_kind = serializers.CharField(read_only=True, help_text=_('"call" or "chat".'))
    agent_name = serializers.SerializerMethodField()
    analyst_name = serializers.SerializerMethodField()
    team_name = serializers.CharField(source="team.name", read_only=True, default=None, allow_null=True)
    matrix_code = serializers.CharField(source="matrix.code", read_only=True)
    matrix_name = serializers.CharField(source="matrix.name", read_only=True)
    matrix_version = serializers.IntegerField(source="matrix.version", read_only=True)
    passing_score = serializers.DecimalField(source="matrix.passing_score", max_digits=5, decimal_places=2,
                                             read_only=True)
    # "" until a dispute is resolved (declared: a read-only model field would lose the blank from its enum).
    resolution = serializers.ChoiceField(choices=Audit.Resolution.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Audit
        fields = (
            "id", "status", "subject_kind", "call", "conversation", "agent", "agent_name", "team", "team_name",
            "analyst", "analyst_name", "matrix", "matrix_code", "matrix_name", "matrix_version", "passing_score",
            "score", "raw_score", "critical_failed", "passed", "ai_agreement", "ai_provider", "submitted_at",
            "acknowledged_at", "disputed_at", "resolution", "resolved_at", "created_at", "updated_at",
        )
        read_only_fields = fields

    def get_agent_name(self, obj: Audit) -> str | None:
        return _person(obj.agent)

    def get_analyst_name(self, obj: Audit) -> str | None:
        return _person(obj.analyst)


class AuditScoreSerializer(serializers.ModelSerializer):
    """One criterion's answer, beside the AI's proposal."""

    criterion_text = serializers.CharField(source="criterion.text", read_only=True)
    section = serializers.CharField(source="criterion.section.name", read_only=True, default=None, allow_null=True)
    weight = serializers.IntegerField(source="criterion.weight", read_only=True)
    is_critical = serializers.BooleanField(source="criterion.is_critical", read_only=True)
    answer_type = serializers.CharField(source="criterion.answer_type", read_only=True)
    allow_na = serializers.BooleanField(source="criterion.allow_na", read_only=True)
    # "" while unanswered, and where the AI proposed nothing.
    answer = serializers.ChoiceField(choices=AuditScore.Answer.choices, allow_blank=True, read_only=True)
    ai_answer = serializers.ChoiceField(choices=AuditScore.Answer.choices, allow_blank=True, read_only=True)

    class Meta:
        model = AuditScore
        fields = (
            "id", "criterion", "criterion_text", "section", "weight", "is_critical", "answer_type", "allow_na",
            "answer", "comment", "evidence", "evidence_at", "ai_answer", "ai_evidence", "ai_evidence_at",
            "ai_confidence", "ai_reason",
        )
        read_only_fields = fields


class AuditDetailSerializer(AuditSerializer):
    """One audit with every answer, the feedback, and the agent's acknowledgement or dispute."""

    scores = AuditScoreSerializer(many=True, read_only=True)

    class Meta(AuditSerializer.Meta):
        fields = (
            *AuditSerializer.Meta.fields, "feedback", "agent_comment", "dispute_reason", "resolution_note",
            "resolved_by", "ai_scored_at", "scores",
        )
        read_only_fields = fields


class AuditFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Audit.Status.choices, required=False)
    agent = IdField(required=False)
    team = IdField(required=False)
    matrix = IdField(required=False)
    call = IdField(required=False)
    conversation = IdField(required=False)
    date_from = DateInRangeField(required=False, help_text=_("Sent on or after this day."))
    date_to = DateInRangeField(required=False, help_text=_("Sent on or before this day."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError({"date_to": [_("The end date must be on or after the start date.")]})
        return attrs


class AuditStartInputSerializer(serializers.Serializer):
    call = IdField(required=False, allow_null=True, default=None)
    conversation = IdField(required=False, allow_null=True, default=None)
    matrix = IdField(required=False, allow_null=True, default=None,
                     help_text=_("A published scorecard; empty: the one that fits the call or chat."))
    prescore = serializers.BooleanField(default=True, help_text=_("Let the AI propose answers first."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs["call"]) == bool(attrs["conversation"]):
            raise serializers.ValidationError(_("Give one call or one conversation to audit."))
        return attrs


class AnswerInputSerializer(serializers.Serializer):
    criterion = IdField()
    answer = serializers.ChoiceField(choices=AuditScore.Answer.choices, allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    evidence_at = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0,
                                         max_value=86400)


class AuditUpdateInputSerializer(serializers.Serializer):
    answers = AnswerInputSerializer(many=True, required=False, default=list)
    feedback = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None,
                                     max_length=10000)

    def validate_answers(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[int] = set()
        for item in value:
            if item["criterion"] in seen:
                raise serializers.ValidationError(_("Each criterion may be answered once."))
            seen.add(item["criterion"])
        return value


class AcknowledgeInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DisputeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text=_("Why the agent disagrees."))


class ResolveInputSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=Audit.Resolution.choices)
    note = serializers.CharField(max_length=5000)
    answers = AnswerInputSerializer(many=True, required=False, default=list,
                                    help_text=_("Changed answers when the audit is amended."))
