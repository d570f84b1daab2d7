from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_filters import AgentFilter
from core.admin_tools import ScopedAdminMixin, badge, money_column
from core.errors import ApplicationError
from core.paginators import EstimatedCountPaginator
from leads.search import ContactSearchAdminMixin
from sales.models import Commission, CommissionRule, DiscountLimit, Quote, QuoteLine, Sale, SaleLine
from sales.selectors import scope_by_agent
from sales.services.sales import sale_reject, sale_validate

QUOTE_COLOURS = {Quote.Status.PENDING: "warning", Quote.Status.ACCEPTED: "success",
                 Quote.Status.REJECTED: "danger", Quote.Status.EXPIRED: "secondary"}
SALE_COLOURS = {Sale.Status.PENDING_VALIDATION: "warning", Sale.Status.VALIDATED: "success",
                Sale.Status.REJECTED: "danger", Sale.Status.CANCELLED: "secondary"}
INSTALLATION_COLOURS = {"pending": "secondary", "scheduled": "info", "installed": "success", "failed": "danger",
                        "cancelled": "dark"}
LINE_FIELDS = ("product", "description", "quantity", "unit_price", "product_discount_percent", "discount_percent",
               "line_total")


class _ReadOnlyLines(admin.TabularInline):
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class QuoteLineInline(_ReadOnlyLines):
    model = QuoteLine


class SaleLineInline(_ReadOnlyLines):
    model = SaleLine


class _ScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Supervisors see their team's rows here too; totals and states change only through services."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_by_agent(super().get_queryset(request), request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Quote)
class QuoteAdmin(ContactSearchAdminMixin, _ScopedAdmin):
    list_display = ("number", "contact", "agent", "status_badge", "total_display", "valid_until", "sent_at",
                    "created_at")
    list_filter = ("status", "valid_until", "created_at")
    total_display = money_column("total", _("total"))
    contact_search_prefix = "contact__"  # phone in any format, channel ids, username, email
    search_fields = ("number", "contact__name")
    list_select_related = ("contact", "agent")
    readonly_fields = ("number", "contact", "lead", "conversation", "agent", "status", "currency", "subtotal",
                       "discount_total", "total", "valid_until", "sent_at", "reminded_at", "accepted_at",
                       "rejected_at", "pdf", "created_at", "updated_at")
    fields = (*readonly_fields[:-2], "sale_type", "notes", "created_at", "updated_at")
    inlines = (QuoteLineInline,)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Quote) -> str:
        return badge(obj.get_status_display(), QUOTE_COLOURS.get(obj.status, "secondary"))


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


@admin.register(Sale)
class SaleAdmin(ContactSearchAdminMixin, _ScopedAdmin):
    list_display = ("number", "contact", "agent", "sale_type", "status_badge", "installation_badge",
                    "total_display", "sold_at")
    list_filter = ("status", "sale_type", "installation_state", "payment_method", "sold_at")
    total_display = money_column("total", _("total"))
    contact_search_prefix = "contact__"
    search_fields = ("number", "contact__name", "quote__number")
    list_select_related = ("contact", "agent")
    date_hierarchy = "sold_at"
    readonly_fields = ("number", "contact", "lead", "conversation", "quote", "agent", "status", "rejection_reason",
                       "cancellation_reason", "validated_by", "validated_at", "cancelled_at", "currency", "total",
                       "sold_at", "receipt", "receipt_sent_at", "created_at", "updated_at")
    fields = (*readonly_fields[:-2], "sale_type", "payment_method", "delivery_address", "delivery_date",
              "installation_state", "installation_date", "notes", "created_at", "updated_at")
    inlines = (SaleLineInline,)
    actions = ("validate_sales", "reject_sales")

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Sale) -> str:
        return badge(obj.get_status_display(), SALE_COLOURS.get(obj.status, "secondary"))

    @admin.display(description=_("installation"), ordering="installation_state")
    def installation_badge(self, obj: Sale) -> str:
        return badge(obj.get_installation_state_display(), INSTALLATION_COLOURS.get(obj.installation_state, "dark"))

    @admin.action(description=_("Validate the selected sales"), permissions=["change"])
    def validate_sales(self, request: HttpRequest, queryset: QuerySet[Sale]) -> None:
        done = 0
        for sale in queryset.order_by("pk"):
            try:
                sale_validate(actor=request.user, sale=sale)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{sale.number}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, ngettext("%(n)d sale validated.", "%(n)d sales validated.", done)
                              % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Reject the selected sales…"), permissions=["change"])
    def reject_sales(self, request: HttpRequest, queryset: QuerySet[Sale]) -> TemplateResponse | None:
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(request, "sales/admin_reject.html", {
                **self.admin_site.each_context(request), "form": form, "sales": queryset,
                "opts": self.model._meta, "title": _("Reject sales"),
            })
        done = 0
        for sale in queryset.order_by("pk"):
            try:
                sale_reject(actor=request.user, sale=sale, reason=form.cleaned_data["reason"])
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{sale.number}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, ngettext("%(n)d sale rejected.", "%(n)d sales rejected.", done)
                              % {"n": done}, messages.SUCCESS)
        return None


@admin.register(CommissionRule)
class CommissionRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "operator", "category", "sale_type", "kind", "value", "is_active")
    list_filter = ("is_active", "kind", "operator", "category", "sale_type")
    list_editable = ("is_active",)


@admin.register(Commission)
class CommissionAdmin(_ScopedAdmin):
    list_display = ("month", "agent", "sale", "rule", "amount_display")
    amount_display = money_column("amount", _("amount"))
    list_filter = ("month", AgentFilter)
    list_select_related = ("agent", "sale", "rule")
    readonly_fields = ("sale", "line", "agent", "rule", "amount", "currency", "month", "created_at")
    fields = readonly_fields
    search_fields = ("sale__number", "agent__username")


@admin.register(DiscountLimit)
class DiscountLimitAdmin(admin.ModelAdmin):
    list_display = ("role", "max_percent")
