"""Back office for service levels.

- **Service hours**: one object per team (and the company default, no team) with its weekly hours as inline
  rows, its time zone and its out-of-office answer. Supervisors see and edit their teams' and read the
  company default; administrators edit everything.
- **Holidays**: for one team or for all (all: administrators).
- **First-response targets** per conversation priority: the promise to customers, set by administrators.
- **Out-of-office answers** and **SLA notices**: read-only logs, within role.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.policy import Queue, scope_queryset
from core.admin_tools import ScopedAdminMixin, badge
from sla.models import BusinessHours, Holiday, OutOfOfficeReply, ResponseTarget, ServiceHours, SlaNotice

PRIORITY_COLOURS = {"low": "secondary", "normal": "primary", "high": "warning", "urgent": "danger"}
OUTCOME_COLOURS = {"text": "success", "template": "info", "note": "warning"}
LEVEL_COLOURS = {"warning": "warning", "breached": "danger"}


def _is_admin(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_admin_role", False) or request.user.is_superuser)


def _minutes(value: int) -> str:
    days, rest = divmod(value, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes or not parts else []
    return " ".join(parts)


class _CompanyRowsMixin:
    """Rows without a team (the company's) are the administrators' to add, change and delete."""

    def _may_write(self, request: HttpRequest, obj: Any) -> bool:
        return obj is None or getattr(obj, "team_id", None) is not None or _is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)  # type: ignore[misc]
        if not _is_admin(request) and "team" in form.base_fields:
            form.base_fields["team"].required = True  # a supervisor writes for their teams, not for all
        return form


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 1
    fields = ("weekday", "opens", "closes")
    ordering = ("weekday", "opens")

    def _parent_writable(self, request: HttpRequest, obj: ServiceHours | None) -> bool:
        return obj is None or obj.team_id is not None or _is_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: ServiceHours | None = None) -> bool:
        return self._parent_writable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: ServiceHours | None = None) -> bool:
        return self._parent_writable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ServiceHours | None = None) -> bool:
        return self._parent_writable(request, obj) and super().has_delete_permission(request, obj)


@admin.register(ServiceHours)
class ServiceHoursAdmin(_CompanyRowsMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "timezone", "hours_summary", "away_badge", "ai_answers_out_of_hours", "updated_at")
    list_select_related = ("team",)
    inlines = (BusinessHoursInline,)
    fieldsets = (
        (None, {"fields": ("team", "timezone")}),
        (_("Out of hours"), {"fields": ("away_enabled", "away_text", "away_template_name", "ai_answers_out_of_hours")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceHours]:
        """Every row for admins; their teams' and the company default for supervisors."""
        qs = super().get_queryset(request).prefetch_related("intervals")
        return scope_queryset(qs, user=request.user, agent_field=None, team_field="team", queue=Queue.EVERYONE)

    @admin.display(description=_("team"), ordering="team__name")
    def name(self, obj: ServiceHours) -> str:
        return str(obj.team) if obj.team_id else format_html("<strong>{}</strong>", gettext("Company default"))

    @admin.display(description=_("business hours"))
    def hours_summary(self, obj: ServiceHours) -> str:
        rows = sorted(obj.intervals.all(), key=lambda r: (r.weekday, r.opens))
        if not rows:
            return gettext("the company default's") if obj.team_id else gettext("always open")
        days: dict[int, list[str]] = {}
        for row in rows:
            days.setdefault(row.weekday, []).append(f"{row.opens:%H:%M}-{row.closes:%H:%M}")
        names = dict(BusinessHours.Weekday.choices)
        return "; ".join(f"{str(names[d])[:3]} {', '.join(spans)}" for d, spans in days.items())

    @admin.display(description=_("out-of-office answer"))
    def away_badge(self, obj: ServiceHours) -> str:
        if not obj.away_enabled:
            return badge(gettext("does not answer"), "secondary")
        if not (obj.away_text or obj.away_template_name):
            return badge(gettext("the company default's"), "info") if obj.team_id else badge(gettext("not set"),
                                                                                                "warning")
        return badge(gettext("answers"), "success")


@admin.register(Holiday)
class HolidayAdmin(_CompanyRowsMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("date", "name", "team_label")
    list_filter = (("team", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("team",)
    date_hierarchy = "date"
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Holiday]:
        return scope_queryset(super().get_queryset(request), user=request.user, agent_field=None,
                              team_field="team", queue=Queue.EVERYONE)

    @admin.display(description=_("team"), ordering="team__name")
    def team_label(self, obj: Holiday) -> str:
        return str(obj.team) if obj.team_id else badge(gettext("every team"), "primary")


@admin.register(ResponseTarget)
class ResponseTargetAdmin(admin.ModelAdmin):
    list_display = ("priority_badge", "target", "warning_percent")
    fields = ("priority", "minutes", "warning_percent")

    def get_readonly_fields(self, request: HttpRequest, obj: ResponseTarget | None = None) -> Any:
        return ("priority",) if obj is not None else ()

    @admin.display(description=_("priority"), ordering="priority")
    def priority_badge(self, obj: ResponseTarget) -> str:
        return badge(obj.get_priority_display(), PRIORITY_COLOURS.get(obj.priority, "secondary"))

    @admin.display(description=_("first response"), ordering="minutes")
    def target(self, obj: ResponseTarget) -> str:
        return _minutes(obj.minutes)


class _LogAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A read-only log of conversations' rows, within role (the conversation's holder, else its team)."""

    list_select_related = ("conversation__contact", "conversation__assignee")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scope_queryset(super().get_queryset(request), user=request.user,
                              agent_field="conversation__assignee", queue=Queue.SUPERVISORS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("conversation"))
    def conversation_link(self, obj: Any) -> str:
        contact = obj.conversation.contact
        return format_html('<a href="{}">{}</a>', reverse("panel:conversation", args=[obj.conversation_id]),
                           contact.name or contact.phone or f"#{obj.conversation_id}")


@admin.register(OutOfOfficeReply)
class OutOfOfficeReplyAdmin(_LogAdmin):
    list_display = ("created_at", "day", "conversation_link", "team", "outcome_badge", "reason")
    list_filter = ("outcome", ("team", admin.RelatedOnlyFieldListFilter), "day")
    list_select_related = ("conversation__contact", "conversation__assignee", "team")
    readonly_fields = ("conversation", "day", "team", "outcome", "message", "reason", "created_at")
    date_hierarchy = "created_at"

    @admin.display(description=_("outcome"), ordering="outcome")
    def outcome_badge(self, obj: OutOfOfficeReply) -> str:
        return badge(obj.get_outcome_display(), OUTCOME_COLOURS.get(obj.outcome, "secondary"))


@admin.register(SlaNotice)
class SlaNoticeAdmin(_LogAdmin):
    list_display = ("created_at", "conversation_link", "level_badge", "waiting_since", "due_at", "recipients")
    list_filter = ("level",)
    readonly_fields = ("conversation", "waiting_since", "level", "due_at", "recipients", "created_at")
    date_hierarchy = "created_at"

    @admin.display(description=_("level"), ordering="level")
    def level_badge(self, obj: SlaNotice) -> str:
        return badge(obj.get_level_display(), LEVEL_COLOURS.get(obj.level, "secondary"))
