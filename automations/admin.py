"""Back office for automation rules (supervisors and admins write them) and their runs (read-only log).

A rule reads top to bottom as a sentence: WHEN (the trigger) · IF (the conditions, fields of the rule: all that
are filled in must hold) · THEN (the actions, in order, inline). Supervisors see and edit their teams' rules and
read the company-wide ones (team empty), which admins write. The rule list shows each rule's runs, failures and
last result; the run list is the log, with the result of every action.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.policy import sees_everything
from automations.engine import rule_dry_run
from automations.models import AutomationAction, AutomationRule, AutomationRun
from automations.selectors import rule_editable, rule_list_with_stats, run_visible_queryset
from core.admin_tools import ScopedAdminMixin, badge

DRY_RUN_EVENTS = 20
STATUS_COLOURS = {AutomationRun.Status.OK: "success", AutomationRun.Status.FAILED: "danger",
                  AutomationRun.Status.SKIPPED: "secondary"}


def status_badge(status: str | None) -> str:
    if not status:
        return "-"
    return badge(str(AutomationRun.Status(status).label), STATUS_COLOURS.get(status, "secondary"))


def _when(value: Any) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "-"


class AutomationActionInline(ScopedAdminMixin, admin.StackedInline):
    model = AutomationAction
    extra = 0
    min_num = 1
    ordering = ("position", "pk")
    # One field a row: static/automations/action_kinds.js shows only the rows the chosen kind reads.
    fieldsets = (
        (None, {"fields": ("position", "kind")}),
        (_("What it needs"), {"classes": ("automation-needs",), "fields": (
            "agent", "priority", "tag_name", "text", "template", "template_variables", "ticket_category",
            "ticket_priority", "delay_minutes", "notify_users", "notify_assignee", "notify_supervisors",
        )}),
    )
    autocomplete_fields = ("agent", "notify_users")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and rule_editable(user=request.user, rule=obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and rule_editable(user=request.user, rule=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and rule_editable(user=request.user, rule=obj)


class RuleForm(forms.ModelForm):
    class Meta:
        model = AutomationRule
        fields = ("name", "trigger", "team", "position", "stop_processing", "is_active", "description", "channel",
                  "lead_temperature", "intent", "text_contains", "tags", "business_hours")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.user = kwargs.pop("user", None)
        super().__init__(*args, **kwargs)

    def clean_team(self) -> Any:
        team = self.cleaned_data.get("team")
        if team is None and self.user is not None and not sees_everything(self.user):
            raise forms.ValidationError(gettext("Choose your team: rules for every team are the administrators'."))
        return team


@admin.register(AutomationRule)
class AutomationRuleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = RuleForm
    list_display = ("name", "trigger_display", "team_display", "is_active", "conditions_display",
                    "actions_count", "runs_display", "failed_display", "last_run_display")
    list_display_links = ("name",)
    list_filter = ("trigger", "is_active", ("team", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "description", "text_contains")
    autocomplete_fields = ("tags",)
    inlines = (AutomationActionInline,)
    fieldsets = (
        (_("When"), {"fields": ("name", "trigger", "team", ("position", "stop_processing"), "is_active",
                                "description")}),
        (_("If (every condition filled in must hold)"), {"fields": (
            "channel", "lead_temperature", "intent", "text_contains", "tags", "business_hours")}),
        (_("Last runs"), {"fields": ("recent_runs", "dry_run")}),
    )
    readonly_fields = ("recent_runs", "dry_run")

    class Media:
        js = ("automations/action_kinds.js",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AutomationRule]:
        return rule_list_with_stats(user=request.user)  # type: ignore[arg-type]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class FormWithUser(form):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, user=request.user, **inner)

        return FormWithUser

    def has_change_permission(self, request: HttpRequest, obj: AutomationRule | None = None) -> bool:
        return super().has_change_permission(request, obj) and rule_editable(user=request.user, rule=obj)

    def has_delete_permission(self, request: HttpRequest, obj: AutomationRule | None = None) -> bool:
        return super().has_delete_permission(request, obj) and rule_editable(user=request.user, rule=obj)

    @admin.display(description=_("when"), ordering="trigger")
    def trigger_display(self, obj: AutomationRule) -> str:
        return obj.get_trigger_display()

    @admin.display(description=_("team"), ordering="team__name")
    def team_display(self, obj: AutomationRule) -> str:
        return str(obj.team) if obj.team_id else gettext("Every team")

    @admin.display(description=_("if"))
    def conditions_display(self, obj: AutomationRule) -> str:
        parts = []
        if obj.channel:
            parts.append(obj.get_channel_display())
        if obj.lead_temperature:
            parts.append(obj.get_lead_temperature_display())
        if obj.intent:
            parts.append(obj.get_intent_display())
        if obj.text_contains:
            parts.append(f"“{obj.text_contains}”")
        if obj.business_hours:
            parts.append(obj.get_business_hours_display())
        return " · ".join(str(p) for p in parts) or gettext("Always")

    @admin.display(description=_("actions"), ordering="n_actions")
    def actions_count(self, obj: AutomationRule) -> int:
        return getattr(obj, "n_actions", 0)

    @admin.display(description=_("last run"), ordering="last_run_at")
    def last_run_display(self, obj: AutomationRule) -> str:
        last = getattr(obj, "last_run_at", None)
        if last is None:
            return gettext("Never")
        return format_html("{} {}", status_badge(getattr(obj, "last_status", None)), _when(last))

    @admin.display(description=_("runs"), ordering="n_runs")
    def runs_display(self, obj: AutomationRule) -> str:
        count = getattr(obj, "n_runs", 0)
        if not count:
            return "0"
        url = reverse("admin:automations_automationrun_changelist") + f"?rule__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, count)

    @admin.display(description=_("failed"), ordering="n_failed")
    def failed_display(self, obj: AutomationRule) -> str:
        count = getattr(obj, "n_failed", 0)
        if not count:
            return "0"
        url = (reverse("admin:automations_automationrun_changelist")
               + f"?rule__id__exact={obj.pk}&status__exact=failed")
        return format_html('<a href="{}">{}</a>', url, badge(str(count), "danger"))

    @admin.display(description=_("last runs"))
    def recent_runs(self, obj: AutomationRule) -> str:
        if obj.pk is None:
            return "-"
        runs = list(obj.runs.order_by("-created_at", "-pk")[:10])
        if not runs:
            return gettext("This rule has not run yet.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", '<li>{} {} <a href="{}">{}</a></li>', (
                (status_badge(run.status), _when(run.created_at),
                 reverse("admin:automations_automationrun_change", args=[run.pk]),
                 run.error[:120] or gettext("see the details"))
                for run in runs)),
        )

    @admin.display(description=_("try it on recent events"))
    def dry_run(self, obj: AutomationRule) -> str:
        """The saved conditions against the latest events of the trigger: which would run it (nothing is done)."""
        if obj.pk is None:
            return gettext("Save the rule to try it on recent events.")
        result = rule_dry_run(obj, limit=DRY_RUN_EVENTS)
        if not result.checked:
            return gettext("No recent event of this kind to try it on.")
        summary = gettext("Of the last %(checked)d events, %(matched)d would run this rule (actions are not run "
                          "here).") % {"checked": result.checked, "matched": len(result.matched)}
        items = format_html_join("", "<li>{} · {}</li>", (
            (_subject_link(subject), _when(at)) for subject, at in result.matched[:10]))
        return format_html("<p>{}</p><ul>{}</ul>", summary, items)


def _subject_link(subject: Any) -> str:
    if subject.conversation is not None:
        return format_html('<a href="{}">{} #{}</a>', reverse("panel:conversation", args=[subject.conversation.pk]),
                           subject.conversation.contact.name or gettext("conversation"), subject.conversation.pk)
    deal = subject.sale or subject.quote or subject.lead
    return str(deal) if deal is not None else "-"


@admin.register(AutomationRun)
class AutomationRunAdmin(admin.ModelAdmin):
    list_display = ("created_display", "rule", "status_display", "conversation_link", "actions_display",
                    "error_short")
    list_filter = ("status", "event", ("rule", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("rule__name", "error")
    list_select_related = ("rule",)
    date_hierarchy = "created_at"
    fields = ("rule", "event", "status_display", "created_at", "duration_ms", "depth", "conversation_link", "lead",
              "quote", "sale", "results_table", "error", "payload")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AutomationRun]:
        return run_visible_queryset(user=request.user)  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # written by the engine only

    def has_change_permission(self, request: HttpRequest, obj: AutomationRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AutomationRun | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_admin_role)

    @admin.display(description=_("ran at"), ordering="created_at")
    def created_display(self, obj: AutomationRun) -> str:
        return _when(obj.created_at)

    @admin.display(description=_("result"), ordering="status")
    def status_display(self, obj: AutomationRun) -> str:
        return status_badge(obj.status)

    @admin.display(description=_("conversation"))
    def conversation_link(self, obj: AutomationRun) -> str:
        if obj.conversation_id is None:
            return "-"
        return format_html('<a href="{}">#{}</a>', reverse("panel:conversation", args=[obj.conversation_id]),
                           obj.conversation_id)

    @admin.display(description=_("actions"))
    def actions_display(self, obj: AutomationRun) -> str:
        results = obj.results or []
        if not results:
            return "-"
        return format_html_join(" ", "{}", ((badge(str(r.get("label", "")), "success" if r.get("ok") else "danger"),)
                                            for r in results))

    @admin.display(description=_("error"))
    def error_short(self, obj: AutomationRun) -> str:
        return obj.error[:100]

    @admin.display(description=_("action results"))
    def results_table(self, obj: AutomationRun) -> str:
        results = obj.results or []
        if not results:
            return gettext("No action ran.")
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (r.get("label", r.get("kind", "")),
             badge(gettext("Done"), "success") if r.get("ok") else badge(gettext("Failed"), "danger"),
             r.get("detail", ""))
            for r in results))
        return format_html("<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody>"
                           "</table>", gettext("action"), gettext("result"), gettext("detail"), rows)

