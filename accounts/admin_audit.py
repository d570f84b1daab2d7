"""The audit log in the back office: searchable, append-only.

Nobody adds or changes an entry here (an entry's page is read-only for everyone, and a POST to it is 403);
only administrators delete, e.g. entries past the retention period. Supervisors read the entries about
their teams and what their people did; other roles do not see the log.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.audit import SYSTEM, audit_change_lines, audit_data_lines
from accounts.models import AuditEntry, AuditKind
from accounts.selectors import audit_entry_visible_queryset
from core.admin_tools import ScopedAdminMixin, badge
from core.paginators import EstimatedCountPaginator

KIND_COLOURS = {
    AuditKind.CREATE: "success",
    AuditKind.UPDATE: "info",
    AuditKind.DELETE: "danger",
    AuditKind.ROLE: "warning",
    AuditKind.PASSWORD: "warning",
    AuditKind.SECRET: "danger",
    AuditKind.ASSIGN: "primary",
    AuditKind.TRANSFER: "primary",
    AuditKind.SALE_CREATE: "success",
    AuditKind.SALE_VALIDATE: "success",
    AuditKind.SALE_REJECT: "danger",
    AuditKind.SALE_CANCEL: "secondary",
    AuditKind.DISCOUNT: "warning",
    AuditKind.EXPORT: "dark",
    AuditKind.LOGIN: "secondary",
    AuditKind.LOGIN_FAILED: "danger",
    AuditKind.LOGOUT: "secondary",
    AuditKind.LOCKOUT: "danger",
}
# What the log may be about: the models django-auditlog follows, those the services write entries about,
# and those admin lists export (the object type filter offers these).
AUDITED_MODELS = (
    ("accounts", "user"), ("accounts", "team"), ("conversations", "channelaccount"),
    ("conversations", "conversation"), ("leads", "lead"), ("leads", "contact"), ("operators", "product"),
    ("sales", "sale"), ("sales", "quote"), ("sales", "discountlimit"), ("agreements", "debt"),
    ("agreements", "paymentagreement"), ("reports", "exportlog"),
)


class ObjectTypeFilter(admin.SimpleListFilter):
    """The kind of thing an entry is about (not a DISTINCT over the log, which grows without end)."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        wanted = Q()
        for app_label, model in AUDITED_MODELS:
            wanted |= Q(app_label=app_label, model=model)
        types = ContentType.objects.filter(wanted)
        named = [(str(ct.pk), str(ct.name).capitalize()) for ct in types if ct.model_class() is not None]
        return sorted(named, key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isascii() and value.isdigit() and len(value) < 10:
            return queryset.filter(content_type_id=int(value))
        return queryset


class DateRangeFilter(admin.FieldListFilter):
    """From one day to another (both included, in the local time zone)."""

    template = "admin/accounts/date_range_filter.html"

    def __init__(self, field: Any, request: HttpRequest, params: dict, model: Any, model_admin: Any,
                 field_path: str) -> None:
        self.since_param = f"{field_path}__from"
        self.until_param = f"{field_path}__to"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = _("date")

    def expected_parameters(self) -> list[str]:
        return [self.since_param, self.until_param]

    def _value(self, name: str) -> str:
        value = self.used_parameters.get(name, "")
        if isinstance(value, list):
            value = value[-1] if value else ""
        return str(value)

    def _day(self, name: str) -> date | None:
        value = self._value(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise IncorrectLookupParameters(exc) from exc

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        zone = timezone.get_current_timezone()
        since, until = self._day(self.since_param), self._day(self.until_param)
        if since is not None:
            queryset = queryset.filter(**{f"{self.field_path}__gte": datetime.combine(since, time.min, zone)})
        if until is not None:
            queryset = queryset.filter(
                **{f"{self.field_path}__lt": datetime.combine(until + timedelta(days=1), time.min, zone)})
        return queryset

    def choices(self, changelist: Any) -> list[dict[str, Any]]:
        own = {self.since_param, self.until_param}
        hidden = [(key, value) for key, values in changelist.filter_params.items() if key not in own
                  for value in values]
        return [{
            "since_name": self.since_param, "since": self._value(self.since_param),
            "until_name": self.until_param, "until": self._value(self.until_param),
            "hidden": hidden, "active": bool(self._value(self.since_param) or self._value(self.until_param)),
            "reset_url": changelist.get_query_string(remove=list(own)),
        }]


if admin.site.is_registered(AuditEntry):  # django-auditlog registers its own page for the entry model
    admin.site.unregister(AuditEntry)


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("timestamp", "kind_badge", "actor_display", "object_type", "object_display", "changes_short",
                    "remote_addr")
    list_filter = ("kind", ObjectTypeFilter, ("timestamp", DateRangeFilter))
    list_select_related = ("content_type", "actor", "team")
    search_fields = ("actor__username", "actor_username", "object_repr", "=object_pk")
    search_help_text = _("Actor's username, the object's name or its id.")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    ordering = ("-timestamp", "-pk")
    fields = ("timestamp", "kind_badge", "actor_display", "remote_addr", "object_type", "object_display",
              "object_pk", "team", "changes_full", "data_full")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return audit_entry_visible_queryset(user=request.user)

    def _may_read(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and (user.is_admin_role or user.is_supervisor))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_read(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return self._may_read(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_admin_role)

    @admin.display(description=_("action"), ordering="kind")
    def kind_badge(self, obj: AuditEntry) -> str:
        return badge(obj.get_kind_display(), KIND_COLOURS.get(obj.kind, "secondary"))

    @admin.display(description=_("who"), ordering="actor__username")
    def actor_display(self, obj: AuditEntry) -> str:
        if obj.actor_id is not None and obj.actor is not None:
            return obj.actor.get_username()
        return obj.actor_username or str(SYSTEM)

    @admin.display(description=_("object type"))
    def object_type(self, obj: AuditEntry) -> str:
        return str(obj.content_type.name).capitalize()

    @admin.display(description=_("object"))
    def object_display(self, obj: AuditEntry) -> str:
        if obj.object_pk:
            try:
                url = reverse(f"admin:{obj.content_type.app_label}_{obj.content_type.model}_change",
                              args=[obj.object_pk])
            except NoReverseMatch:
                url = ""
            if url:
                return format_html('<a href="{}">{}</a>', url, obj.object_repr)
        return obj.object_repr

    @admin.display(description=_("changes"))
    def changes_short(self, obj: AuditEntry) -> str:
        lines = audit_change_lines(obj) or audit_data_lines(obj)
        text = "; ".join(lines)
        return text if len(text) <= 120 else text[:119] + "…"

    @admin.display(description=_("changes"))
    def changes_full(self, obj: AuditEntry) -> str:
        return format_html_join("", "<div>{}</div>", ((line,) for line in audit_change_lines(obj))) or "—"

    @admin.display(description=_("details"))
    def data_full(self, obj: AuditEntry) -> str:
        return format_html_join("", "<div>{}</div>", ((line,) for line in audit_data_lines(obj))) or "—"
