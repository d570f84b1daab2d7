"""Back office for collections: debts, agreements with their instalments and payments.

Agreements are made and paid through the services (API), which split and apply the money; the
admin shows them and lets supervisors cancel or export them.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_filters import AgentFilter, PersonFilter
from agreements.models import CollectionAction, Debt, Installment, Payment, PaymentAgreement
from agreements.selectors import agreement_visible_queryset, debt_visible_queryset
from agreements.services import agreement_cancel
from agreements.templatetags.collections_tags import STATUS_COLOURS
from core.admin_tools import ScopedAdminMixin, badge, excel_response, money_column, progress_bar
from core.errors import ApplicationError
from core.paginators import EstimatedCountPaginator
from leads.search import ContactSearchAdminMixin

STATE_COLOURS = {
    PaymentAgreement.State.DRAFT: "secondary",
    PaymentAgreement.State.ACTIVE: "primary",
    PaymentAgreement.State.FULFILLED: "success",
    PaymentAgreement.State.BROKEN: "danger",
    PaymentAgreement.State.CANCELLED: "dark",
}
INSTALLMENT_COLOURS = {
    Installment.State.PENDING: "secondary",
    Installment.State.PARTIAL: "info",
    Installment.State.PAID: "success",
    Installment.State.OVERDUE: "danger",
}


class AgreementInline(admin.TabularInline):
    model = PaymentAgreement
    fields = ("state", "agreed_total", "paid_total", "number_of_installments", "agent", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CollectionActionInline(admin.TabularInline):
    """The collection log, read-only: actions are logged from the collector's screen (or the API)."""

    model = CollectionAction
    fields = ("created_at", "agent", "kind", "result_badge", "promised_amount", "promised_date", "next_step",
              "next_step_at", "notes")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-created_at", "-pk")
    verbose_name_plural = _("collection log")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The history of a debt is for whoever may see the debt (the role groups hold no action permission).
        return request.user.has_perm("agreements.view_debt")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CollectionAction]:
        return super().get_queryset(request).select_related("agent")

    @admin.display(description=_("result"))
    def result_badge(self, obj: CollectionAction) -> str:
        return badge(obj.get_result_display(), STATUS_COLOURS.get(obj.result, "secondary"))


@admin.register(Debt)
class DebtAdmin(ContactSearchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "contact", "operator", "original_amount_display", "due_since", "campaign",
                    "assignee", "status_badge", "next_action_at", "created_at")
    original_amount_display = money_column("original_amount", _("original amount"))
    list_filter = ("contact_status", "campaign", "operator", PersonFilter, "currency")
    list_select_related = ("contact", "operator", "assignee")
    contact_search_prefix = "contact__"  # phone in any format, channel ids, username, email
    search_fields = ("reference", "contact__name", "campaign")
    autocomplete_fields = ("contact", "operator", "assignee")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    ordering = ("-created_at", "-pk")
    inlines = (AgreementInline, CollectionActionInline)
    actions = ("export_excel",)
    # The status and follow-up follow the collection log (agreements.services.collection).
    readonly_fields = ("contact_status", "last_action_at", "next_action_at", "created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Debt]:
        return debt_visible_queryset(user=request.user)

    @admin.display(description=_("contact status"), ordering="contact_status")
    def status_badge(self, obj: Debt) -> str:
        return badge(obj.get_contact_status_display(), STATUS_COLOURS.get(obj.contact_status, "secondary"))

    @admin.action(description=_("Export selection to Excel"))
    def export_excel(self, request: HttpRequest, queryset: QuerySet[Debt]) -> HttpResponse:
        columns = [
            (_("reference"), lambda d: d.reference),
            (_("contact"), lambda d: str(d.contact)),
            (_("phone"), lambda d: d.contact.phone),
            (_("creditor"), lambda d: d.operator.name if d.operator else ""),
            (_("original amount"), lambda d: d.original_amount),
            (_("currency"), lambda d: d.currency),
            (_("due since"), lambda d: d.due_since.isoformat()),
            (_("campaign"), lambda d: d.campaign),
            (_("assigned agent"), lambda d: str(d.assignee) if d.assignee else ""),
            (_("contact status"), lambda d: d.get_contact_status_display()),
            (_("next follow-up"), lambda d: d.next_action_at),
        ]
        rows = queryset.select_related("contact", "operator", "assignee").order_by("pk").iterator(chunk_size=2000)
        return excel_response(filename="deudas.xlsx", sheet=str(_("debts")), columns=columns, rows=rows)


class InstallmentInline(admin.TabularInline):
    model = Installment
    fields = ("number", "due_date", "amount", "paid_amount", "state_badge", "paid_at", "reminded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("state"))
    def state_badge(self, obj: Installment) -> str:
        return badge(obj.get_state_display(), INSTALLMENT_COLOURS.get(obj.state, "secondary"))


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ("paid_at", "amount", "method", "reference", "applied_to", "recorded_by", "notes")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CampaignFilter(admin.SimpleListFilter):
    title = _("campaign")
    parameter_name = "campaign"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        campaigns = (
            debt_visible_queryset(user=request.user).exclude(campaign="").order_by("campaign")
            .values_list("campaign", flat=True).distinct()
        )
        return [(c, c) for c in campaigns]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        return queryset.filter(debt__campaign=self.value()) if self.value() else queryset


@admin.register(PaymentAgreement)
class PaymentAgreementAdmin(ContactSearchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "contact", "debt", "agent", "state_badge", "agreed_total_display", "paid_bar",
                    "number_of_installments", "created_at")
    agreed_total_display = money_column("agreed_total", _("agreed total"))
    list_filter = ("state", CampaignFilter, AgentFilter, "created_at")
    list_select_related = ("debt__contact", "debt__operator", "agent")
    contact_search_prefix = "debt__contact__"
    search_fields = ("debt__reference", "debt__contact__name")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    ordering = ("-created_at", "-pk")
    inlines = (InstallmentInline, PaymentInline)
    actions = ("cancel", "export_excel")
    fields = ("debt", "agent", "state", "base_amount", "discount_percent", "discount_amount", "agreed_total",
              "paid_total", "number_of_installments", "notes", "closed_at", "cancel_reason", "created_at",
              "updated_at")
    readonly_fields = tuple(f for f in fields if f != "notes")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PaymentAgreement]:
        return agreement_visible_queryset(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # negotiated through the API, which splits the instalments

    @admin.display(description=_("contact"), ordering="debt__contact__name")
    def contact(self, obj: PaymentAgreement) -> str:
        return str(obj.debt.contact)

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: PaymentAgreement) -> str:
        return badge(obj.get_state_display(), STATE_COLOURS.get(obj.state, "secondary"))

    @admin.display(description=_("paid %"))
    def paid_bar(self, obj: PaymentAgreement) -> str:
        colour = "success" if obj.state == PaymentAgreement.State.FULFILLED else (
            "danger" if obj.state == PaymentAgreement.State.BROKEN else "primary"
        )
        return progress_bar(obj.paid_percent, colour=colour)

    @admin.action(description=_("Cancel the selected agreements"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[PaymentAgreement]) -> None:
        done = 0
        for agreement in queryset:
            try:
                agreement_cancel(actor=request.user, agreement=agreement, reason=str(_("Cancelled in the back office")))
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{agreement}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(
                request,
                ngettext("%(n)d agreement cancelled.", "%(n)d agreements cancelled.", done) % {"n": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Export selection to Excel"))
    def export_excel(self, request: HttpRequest, queryset: QuerySet[PaymentAgreement]) -> HttpResponse:
        columns = [
            (_("id"), lambda a: a.pk),
            (_("contact"), lambda a: str(a.debt.contact)),
            (_("phone"), lambda a: a.debt.contact.phone),
            (_("reference"), lambda a: a.debt.reference),
            (_("campaign"), lambda a: a.debt.campaign),
            (_("agent"), lambda a: str(a.agent) if a.agent else ""),
            (_("state"), lambda a: a.get_state_display()),
            (_("currency"), lambda a: a.debt.currency),
            (_("amount owed"), lambda a: a.base_amount),
            (_("discount %"), lambda a: a.discount_percent),
            (_("agreed total"), lambda a: a.agreed_total),
            (_("paid"), lambda a: a.paid_total),
            (_("instalments"), lambda a: a.number_of_installments),
            (_("created at"), lambda a: a.created_at),
        ]
        rows = queryset.select_related("debt__contact", "agent").order_by("pk").iterator(chunk_size=2000)
        return excel_response(filename="acuerdos.xlsx", sheet=str(_("payment agreements")), columns=columns,
                              rows=rows)
