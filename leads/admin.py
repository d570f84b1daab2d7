from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.admin_filters import PersonFilter as AssigneeFilter
from accounts.audit import audit_assignment
from accounts.models import User
from accounts.selectors import assignable_users_list
from core.admin_tools import ScopedAdminMixin, badge, excel_response, progress_bar
from core.errors import ApplicationError, InvalidPhoneError
from core.paginators import EstimatedCountPaginator
from core.phones import normalize_phone
from leads.models import (
    Classification,
    Contact,
    Lead,
    LeadStatus,
    ScoringFactor,
    ScoringRule,
    ScoringSettings,
    SourceChannel,
)
from leads.search import ContactSearchAdminMixin
from leads.selectors import contact_visible_queryset, lead_visible_queryset
from leads.services import lead_apply_score, leads_assign, leads_rescore, leads_set_status

CONTACT_SEARCH_HELP = _(
    "Name, phone in any format, WhatsApp or Instagram id, Instagram user, email or ID document."
)
CLASS_COLOURS = {Classification.HOT: "danger", Classification.WARM: "warning", Classification.COLD: "info"}
STATUS_COLOURS = {
    LeadStatus.NEW: "primary",
    LeadStatus.CONTACTED: "info",
    LeadStatus.QUALIFIED: "warning",
    LeadStatus.QUOTED: "dark",
    LeadStatus.WON: "success",
    LeadStatus.LOST: "secondary",
}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = "__all__"  # noqa: DJ007 - the admin shows every field of the person

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "")
        if not phone:
            return ""
        try:
            return normalize_phone(phone)
        except InvalidPhoneError as exc:
            raise ValidationError(exc.message) from exc


class LeadInline(admin.TabularInline):
    model = Lead
    fields = ("source", "product_interest", "score", "classification", "status", "assignee")
    readonly_fields = ("score", "classification")
    autocomplete_fields = ("assignee",)
    extra = 0
    show_change_link = True


@admin.register(Contact)
class ContactAdmin(ContactSearchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = ContactForm
    list_display = ("__str__", "phone", "channel_badges", "customer_type", "city", "zone", "leads", "created_at")
    list_filter = ("customer_type", "marketing_consent", "created_at")
    # Phones in any format, channel ids and the username are found by ContactSearchAdminMixin (leads.search).
    search_fields = ("name", "email", "document_number")
    search_help_text = CONTACT_SEARCH_HELP
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    inlines = (LeadInline,)
    readonly_fields = ("consent_at", "last_seen_at", "created_at", "updated_at")
    actions = ("export_excel",)
    # Adds "Start conversation": an opening message for the outreach profile, to copy or open in WhatsApp.
    change_form_template = "admin/leads/contact/change_form.html"
    fieldsets = (
        (None, {"fields": ("name", "customer_type", "document_number")}),
        (
            _("Channels"),
            {"fields": ("phone", "extra_phones", "whatsapp_id", "instagram_id", "instagram_username", "email")},
        ),
        (_("Location"), {"fields": ("city", "zone", "address")}),
        (
            _("Other details"),
            {"fields": ("tags", "marketing_consent", "consent_at", "last_seen_at", "created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contact]:
        return contact_visible_queryset(user=request.user).annotate(n_leads=Count("leads"))

    @admin.display(description=_("leads"), ordering="n_leads")
    def leads(self, obj: Contact) -> int:
        return obj.n_leads

    @admin.display(description=_("channels"))
    def channel_badges(self, obj: Contact) -> str:
        colours = {SourceChannel.WHATSAPP: "#25D366", SourceChannel.INSTAGRAM: "#C13584"}
        labels = dict(SourceChannel.choices)
        return " ".join(badge(labels[name], colours[name]) for name in obj.channels) or "—"

    @admin.action(description=_("Export selection to Excel"))
    def export_excel(self, request: HttpRequest, queryset: QuerySet[Contact]) -> HttpResponse:
        columns = [
            (_("name"), lambda c: c.name),
            (_("phone"), lambda c: c.phone),
            (_("email"), lambda c: c.email),
            (_("Instagram user"), lambda c: c.instagram_username),
            (_("customer type"), lambda c: c.get_customer_type_display()),
            (_("city"), lambda c: c.city),
            (_("zone"), lambda c: c.zone),
            (_("address"), lambda c: c.address),
            (_("marketing consent"), lambda c: _("yes") if c.marketing_consent else _("no")),
            (_("created at"), lambda c: c.created_at),
        ]
        rows = queryset.order_by("pk").iterator(chunk_size=2000)
        return excel_response(filename="contactos.xlsx", sheet=str(_("contacts")), columns=columns, rows=rows)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Assign to"),
                                      empty_label=_("Nobody (unassigned)"))

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["assignee"].queryset = assignable_users_list(user=user)  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=LeadStatus.choices, label=_("New status"))
    lost_reason = forms.CharField(required=False, max_length=200, label=_("Reason lost"))


@admin.register(Lead)
class LeadAdmin(ContactSearchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "contact",
        "contact_phone",
        "classification_badge",
        "score_bar",
        "status_badge",
        "product_interest_display",
        "operator",
        "source",
        "assignee",
        "next_action_at",
        "created_at",
    )
    list_filter = ("classification", "status", "source", "service_type", "operator", AssigneeFilter)
    list_select_related = ("contact", "assignee", "operator", "product")
    list_per_page = 50
    contact_search_prefix = "contact__"
    search_fields = ("contact__name", "product_interest")
    search_help_text = CONTACT_SEARCH_HELP
    autocomplete_fields = ("contact", "product", "assignee", "operator")
    readonly_fields = ("score", "classification", "breakdown", "closed_at", "created_at", "updated_at")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    ordering = ("-created_at", "-pk")
    actions = ("assign", "change_status", "rescore", "export_excel")
    fieldsets = (
        (None, {"fields": ("contact", "source", "assignee", "status", "lost_reason")}),
        (_("Interest"), {"fields": ("operator", "product", "product_interest", "service_type", "budget", "currency")}),
        (_("Location"), {"fields": ("zone", "address")}),
        (_("Follow-up"), {"fields": ("next_action", "next_action_at", "notes")}),
        (_("Score"), {"fields": ("score", "classification", "breakdown", "conversation_count", "intent")}),
        (_("AI"), {"fields": ("ai_analysis",), "classes": ("collapse",)}),
        (_("Dates"), {"fields": ("closed_at", "created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Lead]:
        return lead_visible_queryset(user=request.user)

    def save_model(self, request: HttpRequest, obj: Lead, form: forms.ModelForm, change: bool) -> None:
        if obj.status == LeadStatus.LOST and not obj.lost_reason.strip():
            obj.lost_reason = str(_("Marked lost in the back office"))
        lead_apply_score(lead=obj)
        super().save_model(request, obj, form, change)
        if "assignee" in form.changed_data:
            audit_assignment(actor=request.user, obj=obj, previous_id=form.initial.get("assignee"),
                             new_id=obj.assignee_id)

    @admin.display(description=_("phone"), ordering="contact__phone")
    def contact_phone(self, obj: Lead) -> str:
        return obj.contact.phone

    @admin.display(description=_("class"), ordering="classification")
    def classification_badge(self, obj: Lead) -> str:
        return badge(obj.get_classification_display(), CLASS_COLOURS.get(obj.classification, "secondary"))

    @admin.display(description=_("score"), ordering="score")
    def score_bar(self, obj: Lead) -> str:
        return progress_bar(obj.score, colour=CLASS_COLOURS.get(obj.classification, "primary"))

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Lead) -> str:
        return badge(obj.get_status_display(), STATUS_COLOURS.get(obj.status, "secondary"))

    @admin.display(description=_("interest"))
    def product_interest_display(self, obj: Lead) -> str:
        return str(obj.product) if obj.product_id else obj.product_interest or "—"

    @admin.display(description=_("breakdown"))
    def breakdown(self, obj: Lead) -> str:
        labels = dict(ScoringFactor.choices)
        rows = [f"{labels.get(k, k)}: +{v}" for k, v in (obj.score_breakdown or {}).items()]
        return "; ".join(rows) or "—"

    def _intermediate(
        self, request: HttpRequest, queryset: QuerySet[Lead], *, form: forms.Form, action: str, title: str
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            "admin/leads/lead/bulk_action.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "form": form,
                "queryset": queryset[:20],
                "count": queryset.count(),
                "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
                "action": action,
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Assign selected leads"), permissions=["change"])
    def assign(self, request: HttpRequest, queryset: QuerySet[Lead]) -> TemplateResponse | None:
        form = AssignForm(request.POST if "apply" in request.POST else None, user=request.user)
        if form.is_bound and form.is_valid():
            try:
                n = leads_assign(actor=request.user, leads=queryset, assignee=form.cleaned_data["assignee"])
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            self.message_user(request, _("%(n)d leads assigned.") % {"n": n}, messages.SUCCESS)
            return None
        return self._intermediate(request, queryset, form=form, action="assign", title=_("Assign leads"))

    @admin.action(description=_("Change status of selected leads"), permissions=["change"])
    def change_status(self, request: HttpRequest, queryset: QuerySet[Lead]) -> TemplateResponse | None:
        form = StatusForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                n = leads_set_status(actor=request.user, leads=queryset, **form.cleaned_data)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            self.message_user(request, _("%(n)d leads updated.") % {"n": n}, messages.SUCCESS)
            return None
        return self._intermediate(request, queryset, form=form, action="change_status", title=_("Change status"))

    @admin.action(description=_("Recompute score of selected leads"), permissions=["change"])
    def rescore(self, request: HttpRequest, queryset: QuerySet[Lead]) -> None:
        n = leads_rescore(queryset=queryset)
        self.message_user(request, _("Scores recomputed; %(n)d changed.") % {"n": n}, messages.SUCCESS)

    @admin.action(description=_("Export selection to Excel"))
    def export_excel(self, request: HttpRequest, queryset: QuerySet[Lead]) -> HttpResponse:
        columns = [
            ("ID", lambda lead: lead.pk),
            (_("contact"), lambda lead: lead.contact.name),
            (_("phone"), lambda lead: lead.contact.phone),
            (_("class"), lambda lead: lead.get_classification_display()),
            (_("score"), lambda lead: lead.score),
            (_("status"), lambda lead: lead.get_status_display()),
            (_("source channel"), lambda lead: lead.get_source_display()),
            (_("operator"), lambda lead: lead.operator.name if lead.operator else ""),
            (_("interest"), lambda lead: str(lead.product) if lead.product else lead.product_interest),
            (_("budget"), lambda lead: lead.budget),
            (_("zone"), lambda lead: lead.zone),
            (_("assignee"), lambda lead: str(lead.assignee) if lead.assignee else ""),
            (_("next action"), lambda lead: lead.next_action),
            (_("next action due"), lambda lead: lead.next_action_at),
            (_("created at"), lambda lead: lead.created_at),
        ]
        rows = (
            queryset.select_related("contact", "operator", "product", "assignee")
            .order_by("pk")
            .iterator(chunk_size=2000)
        )
        return excel_response(filename="leads.xlsx", sheet="Leads", columns=columns, rows=rows)


@admin.register(ScoringRule)
class ScoringRuleAdmin(admin.ModelAdmin):
    list_display = ("factor", "points", "points_bar", "is_active", "keyword_count")
    list_editable = ("points", "is_active")
    readonly_fields = ("factor",)
    actions = ("rescore_all",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ScoringRule | None = None) -> bool:
        return False

    @admin.display(description=_("weight"))
    def points_bar(self, obj: ScoringRule) -> str:
        return progress_bar(obj.points, maximum=50)

    @admin.display(description=_("keywords"))
    def keyword_count(self, obj: ScoringRule) -> int | str:
        return len(obj.keywords) if obj.keywords else "—"

    @admin.action(description=_("Recompute every lead's score with these rules"))
    def rescore_all(self, request: HttpRequest, queryset: QuerySet[ScoringRule]) -> None:
        n = leads_rescore()
        self.message_user(request, _("Scores recomputed; %(n)d changed.") % {"n": n}, messages.SUCCESS)


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "hot_from", "warm_from", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ScoringSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: ScoringSettings | None = None) -> bool:
        return False
