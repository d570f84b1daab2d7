"""Back office for quality: evaluation matrices (scorecards) with their sections and criteria, and audits.

A matrix version that an audit was scored with is frozen (``quality.services.matrices``): its page is read-only,
says how many audits used it, and offers "New version", a draft copy to edit and publish. Publishing a version
retires the one published before it.

Audits are listed within role (``quality.selectors.audits_visible``: supervisors their teams' audits, admins
and back office every sent audit) and shown read-only here: answers, scores and the workflow (send, acknowledge,
dispute, resolve) go through the audit page, whose services check who may do what. Nobody edits an audit's
scores in the admin.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.admin_filters import AgentFilter
from core.admin_tools import ScopedAdminMixin, badge, progress_bar
from core.errors import ApplicationError
from quality.models import Audit, AuditScore, Criterion, EvaluationMatrix, MatrixSection
from quality.selectors import audits_visible
from quality.services.matrices import (
    MatrixFrozenError,
    matrix_audit_count,
    matrix_ensure_editable,
    matrix_frozen_message,
    matrix_new_version,
    matrix_publish,
)

MATRIX_STATUS_COLOURS = {EvaluationMatrix.Status.DRAFT: "warning", EvaluationMatrix.Status.PUBLISHED: "success",
                         EvaluationMatrix.Status.RETIRED: "secondary"}
AUDIT_STATUS_COLOURS = {Audit.Status.DRAFT: "secondary", Audit.Status.SUBMITTED: "primary",
                        Audit.Status.ACKNOWLEDGED: "success", Audit.Status.DISPUTED: "danger",
                        Audit.Status.RESOLVED: "info"}
ANSWER_COLOURS = {"yes": "success", "partial": "warning", "no": "danger", "na": "secondary",
                  "1": "danger", "2": "warning", "3": "warning", "4": "success", "5": "success"}
SMALL_TEXT = forms.Textarea(attrs={"rows": 2, "cols": 26})


def _frozen(request: HttpRequest, obj: EvaluationMatrix | None) -> bool:
    """Whether ``obj`` is a used version, counted once per request (the page asks many times)."""
    if obj is None or obj.pk is None:
        return False
    cache: dict[int, int] = request.__dict__.setdefault("_quality_audit_counts", {})
    if obj.pk not in cache:
        cache[obj.pk] = matrix_audit_count(obj)
    return cache[obj.pk] > 0


def score_display(audit: Audit) -> str:
    """The score as a bar: green passed, red failed, with a mark when a critical criterion failed."""
    if audit.score is None:
        return badge(gettext("Not scored"), "secondary")
    bar = progress_bar(round(audit.score), colour="success" if audit.passed else "danger")
    if audit.critical_failed:
        return format_html("{} {}", bar, badge(gettext("Critical failed"), "danger"))
    return bar


# --- matrices ----------------------------------------------------------------------------------------------
class _FrozenInlineMixin:
    """Sections and criteria of a used version can be looked at, never added, changed or removed."""

    def has_add_permission(self, request: HttpRequest, obj: EvaluationMatrix | None = None) -> bool:
        return not _frozen(request, obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: EvaluationMatrix | None = None) -> bool:
        return not _frozen(request, obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: EvaluationMatrix | None = None) -> bool:
        return not _frozen(request, obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class MatrixSectionInline(_FrozenInlineMixin, admin.TabularInline):
    model = MatrixSection
    fields = ("name", "position")
    extra = 0
    ordering = ("position", "pk")


class CriterionInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        weights = [form.cleaned_data.get("weight") or 0 for form in self.forms
                   if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if weights and not any(weights):
            raise ValidationError(gettext("At least one criterion must weigh more than zero."))


class CriterionInline(_FrozenInlineMixin, admin.TabularInline):
    model = Criterion
    formset = CriterionInlineFormSet
    fields = ("section", "position", "text", "weight", "is_critical", "answer_type", "allow_na", "speaker",
              "keywords", "negative_keywords", "guidance")
    extra = 0
    ordering = ("section__position", "position", "pk")
    formfield_overrides = {models.TextField: {"widget": SMALL_TEXT}}

    def formfield_for_foreignkey(self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "section":
            matrix = getattr(request, "_quality_matrix", None)
            kwargs["queryset"] = (MatrixSection.objects.filter(matrix=matrix).order_by("position", "pk")
                                  if matrix is not None else MatrixSection.objects.none())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EvaluationMatrixForm(forms.ModelForm):
    class Meta:
        model = EvaluationMatrix
        fields = ("code", "name", "description", "channel", "campaign", "team", "passing_score")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk:
            try:
                matrix_ensure_editable(self.instance)  # an audit may have used it since the page was opened
            except MatrixFrozenError as exc:
                raise ValidationError(exc.message) from exc
        return cleaned


@admin.register(EvaluationMatrix)
class EvaluationMatrixAdmin(admin.ModelAdmin):
    form = EvaluationMatrixForm
    change_form_template = "admin/quality/evaluationmatrix/change_form.html"
    list_display = ("name", "code", "version", "status_badge", "channel", "campaign", "team", "passing_score",
                    "criteria_count", "audits_count", "published_at")
    list_display_links = ("name",)
    list_filter = ("channel", "status", "campaign", "team")
    search_fields = ("name", "code", "campaign")
    readonly_fields = ("version", "status_badge", "published_at", "previous_link", "audits_count")
    fieldsets = (
        (None, {"fields": ("code", "version", "name", "description", "status_badge", "previous_link")}),
        (_("Where it applies"), {"fields": ("channel", "campaign", "team")}),
        (_("Scoring"), {"fields": ("passing_score", "published_at", "audits_count")}),
    )
    actions = ("make_new_version", "publish")

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvaluationMatrix]:
        return super().get_queryset(request).select_related("team", "previous").annotate(
            n_criteria=Count("criteria", distinct=True), n_audits=Count("audits", distinct=True),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: EvaluationMatrix | None = None) -> Any:
        if obj is not None:
            return (*self.readonly_fields, "code")  # the code names the scorecard across its versions
        return self.readonly_fields

    def get_inline_instances(self, request: HttpRequest, obj: EvaluationMatrix | None = None) -> list[Any]:
        request._quality_matrix = obj  # type: ignore[attr-defined]  # the criteria pick among its sections
        inlines = [MatrixSectionInline(self.model, self.admin_site)]
        if obj is not None:  # criteria go in sections, which exist once the matrix is saved
            inlines.append(CriterionInline(self.model, self.admin_site))
        return [inline for inline in inlines if inline.has_view_or_change_permission(request, obj)
                or inline.has_add_permission(request, obj)]

    def has_change_permission(self, request: HttpRequest, obj: EvaluationMatrix | None = None) -> bool:
        return not _frozen(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: EvaluationMatrix | None = None) -> bool:
        return not _frozen(request, obj) and super().has_delete_permission(request, obj)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return super().has_change_permission(request)

    def has_new_version_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request)

    def save_model(self, request: HttpRequest, obj: EvaluationMatrix, form: Any, change: bool) -> None:
        if change:
            matrix_ensure_editable(obj)
        else:
            last = EvaluationMatrix.objects.filter(code=obj.code).order_by("-version").first()
            obj.version = last.version + 1 if last else 1
            obj.status = EvaluationMatrix.Status.DRAFT
        super().save_model(request, obj, form, change)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        matrix = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if matrix is not None:
            count = matrix_audit_count(matrix)
            extra.update(is_frozen=count > 0, can_publish=(matrix.status != EvaluationMatrix.Status.PUBLISHED
                                                           and self.has_publish_permission(request)),
                         can_new_version=self.has_new_version_permission(request))
            if count and request.method == "GET":
                self.message_user(request, matrix_frozen_message(count), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<path:object_id>/new-version/", self.admin_site.admin_view(self.new_version_view),
                 name="{}_{}_new_version".format(*info)),
            path("<path:object_id>/publish/", self.admin_site.admin_view(self.publish_view),
                 name="{}_{}_publish".format(*info)),
            *super().get_urls(),
        ]

    def _change_url(self, matrix: EvaluationMatrix) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[matrix.pk])

    def _new_version(self, request: HttpRequest, matrix: EvaluationMatrix) -> EvaluationMatrix:
        draft = matrix_new_version(matrix)
        self.log_addition(request, draft, [{"added": {}}])
        self.message_user(request, gettext("Version %(version)d is a draft copy of version %(previous)d: edit it, "
                                           "then publish it.") % {"version": draft.version,
                                                                  "previous": matrix.version}, messages.SUCCESS)
        return draft

    def _publish(self, request: HttpRequest, matrix: EvaluationMatrix) -> bool:
        try:
            matrix = matrix_publish(matrix)
        except ApplicationError as exc:
            self.message_user(request, f"{matrix}: {exc.message}", messages.ERROR)
            return False
        self.log_change(request, matrix, [{"changed": {"fields": ["status"]}}])
        return True

    @method_decorator(require_POST)
    def new_version_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_new_version_permission(request):
            raise PermissionDenied
        matrix = get_object_or_404(self.get_queryset(request), pk=object_id)
        return HttpResponseRedirect(self._change_url(self._new_version(request, matrix)))

    @method_decorator(require_POST)
    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_publish_permission(request):
            raise PermissionDenied
        matrix = get_object_or_404(self.get_queryset(request), pk=object_id)
        if self._publish(request, matrix):
            self.message_user(request, gettext("%(matrix)s is published; the version published before it is "
                                               "retired.") % {"matrix": matrix}, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(matrix))

    @admin.action(description=_("New version (a draft copy to edit)"), permissions=["new_version"])
    def make_new_version(self, request: HttpRequest, queryset: QuerySet[EvaluationMatrix]) -> HttpResponse | None:
        drafts = [self._new_version(request, matrix) for matrix in queryset]
        if len(drafts) == 1:
            return HttpResponseRedirect(self._change_url(drafts[0]))
        return None

    @admin.action(description=_("Publish (retires the version published before)"), permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[EvaluationMatrix]) -> None:
        codes = [m.code for m in queryset]
        if len(codes) != len(set(codes)):
            self.message_user(request, gettext("Publish one version per scorecard at a time."), messages.ERROR)
            return
        done = sum(self._publish(request, matrix) for matrix in queryset)
        if done:
            self.message_user(request, ngettext("%(count)d version published.", "%(count)d versions published.",
                                                done) % {"count": done}, messages.SUCCESS)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: EvaluationMatrix) -> str:
        return badge(obj.get_status_display(), MATRIX_STATUS_COLOURS.get(obj.status, "secondary"))

    @admin.display(description=_("criteria"), ordering="n_criteria")
    def criteria_count(self, obj: EvaluationMatrix) -> int:
        return getattr(obj, "n_criteria", None) if hasattr(obj, "n_criteria") else obj.criteria.count()

    @admin.display(description=_("audits"), ordering="n_audits")
    def audits_count(self, obj: EvaluationMatrix) -> str:
        count = obj.n_audits if hasattr(obj, "n_audits") else matrix_audit_count(obj)
        if not count:
            return "0"
        url = reverse("admin:quality_audit_changelist") + f"?matrix__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, count)

    @admin.display(description=_("previous version"))
    def previous_link(self, obj: EvaluationMatrix) -> str:
        if obj.previous is None:
            return "-"
        return format_html('<a href="{}">{}</a>', self._change_url(obj.previous), obj.previous)


# --- audits ------------------------------------------------------------------------------------------------
class AuditScoreInline(admin.TabularInline):
    model = AuditScore
    fields = ("criterion", "critical", "weight", "answer_badge", "comment", "evidence", "evidence_at",
              "ai_answer_badge", "ai_evidence", "ai_confidence", "agrees")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("criterion__section__position", "criterion__position", "criterion_id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditScore]:
        return super().get_queryset(request).select_related("criterion", "criterion__section")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("critical"), boolean=True)
    def critical(self, obj: AuditScore) -> bool:
        return obj.criterion.is_critical

    @admin.display(description=_("weight"))
    def weight(self, obj: AuditScore) -> int:
        return obj.criterion.weight

    @admin.display(description=_("answer"))
    def answer_badge(self, obj: AuditScore) -> str:
        if not obj.answer:
            return "-"
        return badge(obj.get_answer_display(), ANSWER_COLOURS.get(obj.answer, "secondary"))

    @admin.display(description=_("AI's answer"))
    def ai_answer_badge(self, obj: AuditScore) -> str:
        if not obj.ai_answer:
            return "-"
        return badge(obj.get_ai_answer_display(), ANSWER_COLOURS.get(obj.ai_answer, "secondary"))

    @admin.display(description=_("agrees with the AI"), boolean=True)
    def agrees(self, obj: AuditScore) -> bool | None:
        return obj.agrees_with_ai


@admin.register(Audit)
class AuditAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("created_display", "subject", "agent", "team", "analyst", "matrix", "score_bar",
                    "status_badge", "ai_agreement_display")
    list_display_links = ("created_display",)
    list_filter = ("status", "passed", "critical_failed", AgentFilter, "team", "matrix", "submitted_at")
    search_fields = ("agent__username", "agent__first_name", "agent__last_name", "analyst__username",
                     "matrix__name", "conversation__contact__name", "call__from_number", "call__to_number")
    date_hierarchy = "created_at"
    inlines = (AuditScoreInline,)
    fieldsets = (
        (None, {"fields": ("open_link", "matrix", "subject", "agent", "team", "analyst", "status_badge")}),
        (_("Score"), {"fields": ("result", "score", "raw_score", "critical_failed", "passed", "feedback")}),
        (_("AI pre-scoring"), {"fields": ("ai_provider", "ai_scored_at", "ai_agreement")}),
        (_("Agent's answer"), {"fields": ("submitted_at", "acknowledged_at", "agent_comment", "disputed_at",
                                          "dispute_reason")}),
        (_("Resolution"), {"fields": ("resolution", "resolution_note", "resolved_by", "resolved_at")}),
        (None, {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("open_link", "matrix", "subject", "agent", "team", "analyst", "status_badge", "result",
                       "score", "raw_score", "critical_failed", "passed", "feedback", "ai_provider", "ai_scored_at",
                       "ai_agreement", "submitted_at", "acknowledged_at", "agent_comment", "disputed_at",
                       "dispute_reason", "resolution", "resolution_note", "resolved_by", "resolved_at",
                       "created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Audit]:
        return audits_visible(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # an audit starts on its call or conversation, with one answer per criterion

    def has_change_permission(self, request: HttpRequest, obj: Audit | None = None) -> bool:
        return False  # answers, scores and the workflow live on the audit page, through the services

    def has_delete_permission(self, request: HttpRequest, obj: Audit | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_admin_role
                    and (obj is None or obj.status == Audit.Status.DRAFT))

    @admin.display(description=_("created at"), ordering="created_at")
    def created_display(self, obj: Audit) -> str:
        return date_format(timezone.localtime(obj.created_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("audited"))
    def subject(self, obj: Audit) -> str:
        if obj.call_id:
            return format_html('<a href="{}">{}</a>', reverse("admin:calls_call_change", args=[obj.call_id]),
                               gettext("Call %(id)s") % {"id": obj.call_id})
        contact = obj.conversation.contact if obj.conversation_id else None
        return gettext("Chat with %(contact)s") % {"contact": contact} if contact else "-"

    @admin.display(description=_("audit page"))
    def open_link(self, obj: Audit) -> str:
        return format_html('<a href="{}">{}</a>', reverse("quality:audit_detail", args=[obj.pk]),
                           gettext("Open the audit"))

    @admin.display(description=_("score"), ordering="score")
    def score_bar(self, obj: Audit) -> str:
        return score_display(obj)

    @admin.display(description=_("result"))
    def result(self, obj: Audit) -> str:
        return score_display(obj)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Audit) -> str:
        return badge(obj.get_status_display(), AUDIT_STATUS_COLOURS.get(obj.status, "secondary"))

    @admin.display(description=_("agreement with the AI"), ordering="ai_agreement")
    def ai_agreement_display(self, obj: Audit) -> str:
        return "-" if obj.ai_agreement is None else f"{obj.ai_agreement:.0f}%"
