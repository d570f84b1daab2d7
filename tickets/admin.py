"""Back office for tickets: the tickets within role, their categories (routing) and the SLA policies.

Tickets are listed within role (``tickets.selectors.ticket_visible_queryset``: supervisors their teams' and the
unassigned ones, admins and back office every ticket) and shown read-only here, with their comments, history and
attachments: a change of state, priority, category or assignee goes through the ticket page, whose services
check who may do what and write one history row per change. Categories are routing (supervisors manage them);
SLA policies are the promise made to customers (admins edit them, supervisors read them).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_tools import ScopedAdminMixin, badge
from tickets.models import SlaPolicy, Ticket, TicketAttachment, TicketCategory, TicketComment, TicketEvent
from tickets.selectors import ticket_visible_queryset
from tickets.sla import ticket_sla

STATE_COLOURS = {Ticket.State.OPEN: "primary", Ticket.State.IN_PROGRESS: "info", Ticket.State.REOPENED: "warning",
                 Ticket.State.RESOLVED: "success", Ticket.State.CLOSED: "secondary"}
PRIORITY_COLOURS = {"low": "secondary", "medium": "primary", "high": "warning", "critical": "danger"}
SLA_COLOURS = {"ok": "success", "warning": "warning", "breached": "danger", "met": "secondary"}
VISIBILITY_COLOURS = {TicketComment.Visibility.INTERNAL: "warning", TicketComment.Visibility.CUSTOMER: "primary",
                      TicketComment.Visibility.FROM_CUSTOMER: "success"}


def _minutes(value: int) -> str:
    days, rest = divmod(value, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes or not parts else []
    return " ".join(parts)


def priority_badge(priority: str, label: str) -> str:
    return badge(label, PRIORITY_COLOURS.get(priority, "secondary"))


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return True  # the ticket's own admin decided the user may see the ticket


class TicketCommentInline(_ReadOnlyInline):
    model = TicketComment
    fields = ("created_at", "author", "visibility_badge", "body")
    readonly_fields = fields
    ordering = ("created_at", "pk")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketComment]:
        return super().get_queryset(request).select_related("author")

    @admin.display(description=_("visibility"))
    def visibility_badge(self, obj: TicketComment) -> str:
        return badge(obj.get_visibility_display(), VISIBILITY_COLOURS.get(obj.visibility, "secondary"))


class TicketEventInline(_ReadOnlyInline):
    model = TicketEvent
    fields = ("created_at", "actor", "kind", "field", "old_value", "new_value")
    readonly_fields = fields
    ordering = ("created_at", "pk")
    verbose_name_plural = _("history")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketEvent]:
        return super().get_queryset(request).select_related("actor")


class TicketAttachmentInline(_ReadOnlyInline):
    model = TicketAttachment
    fields = ("created_at", "download", "content_type", "size", "uploaded_by")
    readonly_fields = fields
    ordering = ("created_at", "pk")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketAttachment]:
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("file"))
    def download(self, obj: TicketAttachment) -> str:
        return format_html('<a href="{}">{}</a>', reverse("tickets:attachment", args=[obj.pk]), obj.original_name)


@admin.register(Ticket)
class TicketAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("number_display", "subject", "state_badge", "priority_display", "sla_badge", "category",
                    "team", "assignee", "contact", "created_display")
    list_display_links = ("number_display", "subject")
    list_filter = ("state", "priority", "category", "team", "source", "is_first_response_breached",
                   "is_resolution_breached", "created_at")
    search_fields = ("subject", "description", "contact__name", "contact__phone", "assignee__username",
                     "assignee__first_name", "assignee__last_name")
    list_select_related = ("category", "team", "assignee", "contact")
    date_hierarchy = "created_at"
    inlines = (TicketCommentInline, TicketEventInline, TicketAttachmentInline)
    fieldsets = (
        (None, {"fields": ("open_link", "subject", "description", "state_badge", "priority_display", "category",
                           "source", "escalation_reason", "team", "assignee", "created_by")}),
        (_("Linked to"), {"fields": ("contact", "lead", "conversation", "call", "sale")}),
        (_("SLA"), {"fields": ("sla_badge", "first_response_due_at", "first_responded_at", "resolution_due_at",
                               "resolved_at", "closed_at", "is_first_response_breached", "is_resolution_breached",
                               "sla_warned_at", "reopen_count")}),
        (None, {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("open_link", "subject", "description", "state_badge", "priority_display", "category",
                       "source", "escalation_reason", "team", "assignee", "created_by", "contact", "lead",
                       "conversation", "call", "sale", "sla_badge", "first_response_due_at", "first_responded_at",
                       "resolution_due_at", "resolved_at", "closed_at", "is_first_response_breached",
                       "is_resolution_breached", "sla_warned_at", "reopen_count", "created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return ticket_visible_queryset(user=request.user)  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a ticket starts on the ticket pages, the panel, the API or an AI escalation

    def has_change_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False  # changes go through the ticket page: the services keep the history and the SLA clocks

    def has_delete_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_admin_role)

    @admin.display(description=_("ticket"), ordering="pk")
    def number_display(self, obj: Ticket) -> str:
        return obj.number

    @admin.display(description=_("ticket page"))
    def open_link(self, obj: Ticket) -> str:
        return format_html('<a href="{}">{}</a>', reverse("tickets:detail", args=[obj.pk]),
                           gettext("Open the ticket"))

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: Ticket) -> str:
        return badge(obj.get_state_display(), STATE_COLOURS.get(obj.state, "secondary"))

    @admin.display(description=_("priority"), ordering="priority")
    def priority_display(self, obj: Ticket) -> str:
        return priority_badge(obj.priority, obj.get_priority_display())

    @admin.display(description=_("SLA"))
    def sla_badge(self, obj: Ticket) -> str:
        status = ticket_sla(obj, timezone.now())
        labels = {"ok": gettext("On time"), "warning": gettext("At risk"), "breached": gettext("Breached"),
                  "met": gettext("SLA met")}
        if status.state not in labels:
            return "-"
        return badge(labels[status.state], SLA_COLOURS[status.state])

    @admin.display(description=_("created at"), ordering="created_at")
    def created_display(self, obj: Ticket) -> str:
        return date_format(timezone.localtime(obj.created_at), "SHORT_DATETIME_FORMAT")


@admin.register(TicketCategory)
class TicketCategoryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "team", "default_priority_badge", "agents_count", "tickets_count", "is_active")
    list_filter = ("is_active", "team", "default_priority")
    search_fields = ("name",)
    filter_horizontal = ("agents",)
    fields = ("name", "team", "agents", "default_priority", "is_active")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketCategory]:
        return super().get_queryset(request).select_related("team").annotate(
            n_agents=Count("agents", distinct=True), n_tickets=Count("tickets", distinct=True))

    @admin.display(description=_("default priority"), ordering="default_priority")
    def default_priority_badge(self, obj: TicketCategory) -> str:
        return priority_badge(obj.default_priority, obj.get_default_priority_display())

    @admin.display(description=_("agents"), ordering="n_agents")
    def agents_count(self, obj: TicketCategory) -> int:
        return getattr(obj, "n_agents", 0)

    @admin.display(description=_("tickets"), ordering="n_tickets")
    def tickets_count(self, obj: TicketCategory) -> str:
        count = getattr(obj, "n_tickets", 0)
        if not count:
            return "0"
        url = reverse("admin:tickets_ticket_changelist") + f"?category__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, count)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("priority_display", "first_response", "resolution", "warning_percent")
    fields = ("priority", "first_response_minutes", "resolution_minutes", "warning_percent")

    def get_readonly_fields(self, request: HttpRequest, obj: SlaPolicy | None = None) -> Any:
        return ("priority",) if obj is not None else ()  # one policy per priority, for good

    def has_delete_permission(self, request: HttpRequest, obj: SlaPolicy | None = None) -> bool:
        return False  # every priority keeps a policy (a missing one would fall back to the built-in times)

    @admin.display(description=_("priority"), ordering="priority")
    def priority_display(self, obj: SlaPolicy) -> str:
        return priority_badge(obj.priority, obj.get_priority_display())

    @admin.display(description=_("first response"), ordering="first_response_minutes")
    def first_response(self, obj: SlaPolicy) -> str:
        return _minutes(obj.first_response_minutes)

    @admin.display(description=_("resolution"), ordering="resolution_minutes")
    def resolution(self, obj: SlaPolicy) -> str:
        return _minutes(obj.resolution_minutes)
