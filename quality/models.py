"""Quality audits: evaluation matrices (versioned), audits of a call or a conversation, and their scores.

A matrix is one *version* of a scorecard: ``code`` names the scorecard, ``version`` counts its editions. A
version is a draft until published; once an audit has been scored with it, its sections and criteria are
frozen and an edit makes the next version (``quality.services.matrices``), so an audit always keeps the
criteria and weights it was scored with.

Scoring (``quality.services.scoring``): each answered criterion gives a fraction (yes 1, partial 0.5, no 0,
a 1-5 scale (v-1)/4, "not applicable" left out); the total is the weighted mean of the fractions, out of 100.
A failed critical criterion (a "no", or the scale's lowest mark) zeroes the audit.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class EvaluationMatrix(BaseModel):
    """One version of a scorecard, for a channel and optionally a campaign."""

    class Channel(models.TextChoices):
        CALL = "call", _("Calls")
        CHAT = "chat", _("Chats")
        ANY = "any", _("Calls and chats")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    code = models.SlugField(
        _("code"), max_length=60, help_text=_("Names the scorecard across its versions, e.g. 'ventas-llamadas'."),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(_("channel"), max_length=4, choices=Channel.choices, default=Channel.ANY)
    campaign = models.CharField(
        _("campaign"), max_length=80, blank=True, help_text=_("Only for this campaign; empty for every campaign."),
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="evaluation_matrices", help_text=_("Only for this team's agents; empty for every team."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    passing_score = models.DecimalField(
        _("passing score"), max_digits=5, decimal_places=2, default=Decimal("80"),
        help_text=_("Audits below this score are marked as failed."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    previous = models.ForeignKey(
        "self", verbose_name=_("previous version"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="next_versions", editable=False,
    )

    class Meta:
        verbose_name = _("evaluation matrix")
        verbose_name_plural = _("evaluation matrices")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="quality_matrix_code_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class MatrixSection(BaseModel):
    """A group of criteria on the scorecard ("Saludo", "Sondeo", "Cierre")."""

    matrix = models.ForeignKey(
        EvaluationMatrix, verbose_name=_("matrix"), on_delete=models.CASCADE, related_name="sections",
    )
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["matrix", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class Criterion(BaseModel):
    """One thing the analyst checks, with its weight and how it is answered."""

    class AnswerType(models.TextChoices):
        YES_NO = "yes_no", _("Yes / no")
        YES_NO_PARTIAL = "yes_partial_no", _("Yes / partial / no")
        SCALE = "scale_1_5", _("Scale 1 to 5")

    matrix = models.ForeignKey(
        EvaluationMatrix, verbose_name=_("matrix"), on_delete=models.CASCADE, related_name="criteria",
    )
    section = models.ForeignKey(
        MatrixSection, verbose_name=_("section"), on_delete=models.CASCADE, related_name="criteria",
        null=True, blank=True,
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("criterion"), max_length=200)
    guidance = models.TextField(_("guidance"), blank=True, help_text=_("What the analyst looks for."))
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    is_critical = models.BooleanField(
        _("critical"), default=False, help_text=_("Failing it zeroes the whole audit."),
    )
    answer_type = models.CharField(
        _("answer type"), max_length=16, choices=AnswerType.choices, default=AnswerType.YES_NO,
    )
    allow_na = models.BooleanField(_("may be not applicable"), default=False)
    keywords = models.TextField(
        _("evidence words"), blank=True,
        help_text=_("Words or phrases, one per line, whose presence in the transcript shows the criterion met."),
    )
    negative_keywords = models.TextField(
        _("failure words"), blank=True,
        help_text=_("Words or phrases, one per line, whose presence shows the criterion failed."),
    )
    speaker = models.CharField(
        _("who must say it"), max_length=10, blank=True,
        choices=[("agent", _("Agent")), ("customer", _("Customer"))],
        help_text=_("Look for the words only in this side's turns; empty for both."),
    )

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["matrix", "section__position", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def keyword_list(self) -> list[str]:
        return [line.strip() for line in self.keywords.splitlines() if line.strip()]

    @property
    def negative_keyword_list(self) -> list[str]:
        return [line.strip() for line in self.negative_keywords.splitlines() if line.strip()]


class Audit(BaseModel):
    """An analyst's evaluation of one call or one conversation against one matrix version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Sent to the agent")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DISPUTED = "disputed", _("Disputed")
        RESOLVED = "resolved", _("Dispute resolved")

    class Resolution(models.TextChoices):
        UPHELD = "upheld", _("Audit upheld")
        AMENDED = "amended", _("Audit amended")

    matrix = models.ForeignKey(
        EvaluationMatrix, verbose_name=_("matrix"), on_delete=models.PROTECT, related_name="audits",
    )
    call = models.ForeignKey(
        "calls.Call", verbose_name=_("call"), on_delete=models.CASCADE, null=True, blank=True, related_name="audits",
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", verbose_name=_("conversation"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="audits",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="audits_received",
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="audits", help_text=_("The agent's team when audited."),
    )
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("analyst"), on_delete=models.PROTECT, related_name="audits_made",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)

    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    raw_score = models.DecimalField(
        _("score before critical"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("The weighted score had no critical criterion failed."),
    )
    critical_failed = models.BooleanField(_("critical criterion failed"), default=False)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    feedback = models.TextField(_("feedback to the agent"), blank=True)

    ai_provider = models.CharField(_("AI pre-scoring by"), max_length=80, blank=True)
    ai_scored_at = models.DateTimeField(_("AI pre-scored at"), null=True, blank=True)
    ai_agreement = models.DecimalField(
        _("agreement with the AI (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("Share of the criteria the AI proposed where the analyst kept its answer."),
    )

    submitted_at = models.DateTimeField(_("sent at"), null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    agent_comment = models.TextField(_("agent's comment"), blank=True)
    disputed_at = models.DateTimeField(_("disputed at"), null=True, blank=True)
    dispute_reason = models.TextField(_("dispute reason"), blank=True)
    resolution = models.CharField(_("resolution"), max_length=8, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="audit_disputes_resolved",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(call__isnull=False, conversation__isnull=True)
                           | Q(call__isnull=True, conversation__isnull=False)),
                name="quality_audit_call_xor_conversation",
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "submitted_at"], name="audit_agent_submitted_idx"),
            models.Index(fields=["team", "submitted_at"], name="audit_team_submitted_idx"),
        ]

    def __str__(self) -> str:
        subject = f"call {self.call_id}" if self.call_id else f"conversation {self.conversation_id}"
        return f"{self.matrix} · {subject}"

    @property
    def subject_kind(self) -> str:
        return "call" if self.call_id else "chat"

    @property
    def is_editable(self) -> bool:
        """The analyst may change answers while a draft, and a supervisor while resolving a dispute."""
        return self.status in (self.Status.DRAFT, self.Status.DISPUTED)


class AuditScore(BaseModel):
    """The answer to one criterion of an audit, with the AI's proposal beside it."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        PARTIAL = "partial", _("Partial")
        NO = "no", _("No")
        NA = "na", _("Not applicable")
        S1 = "1", "1"
        S2 = "2", "2"
        S3 = "3", "3"
        S4 = "4", "4"
        S5 = "5", "5"

    audit = models.ForeignKey(Audit, verbose_name=_("audit"), on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores",
    )
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True, help_text=_("The line of the transcript it rests on."))
    evidence_at = models.FloatField(
        _("evidence at (s)"), null=True, blank=True, help_text=_("Where in the recording the evidence is said."),
    )
    ai_answer = models.CharField(_("AI's answer"), max_length=8, choices=Answer.choices, blank=True)
    ai_evidence = models.TextField(_("AI's evidence"), blank=True)
    ai_evidence_at = models.FloatField(_("AI's evidence at (s)"), null=True, blank=True)
    ai_confidence = models.FloatField(_("AI's confidence"), null=True, blank=True)
    ai_reason = models.CharField(_("AI's reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("audit answer")
        verbose_name_plural = _("audit answers")
        ordering = ["audit", "criterion__section__position", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "criterion"], name="quality_score_audit_criterion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.answer or '-'}"

    @property
    def agrees_with_ai(self) -> bool | None:
        if not self.ai_answer or not self.answer:
            return None
        return self.ai_answer == self.answer
