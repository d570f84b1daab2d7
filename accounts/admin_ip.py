"""Admin pages of the IP allowlist: allowed networks (admins edit them) and the access log (read-only)."""

from __future__ import annotations

import ipaddress

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.ip_allowlist import allowed_networks_changed, ip_restriction_enabled
from accounts.models import AllowedNetwork, IPAccessLog, Role
from core.admin_tools import AdminsOnlyMixin, badge
from core.paginators import EstimatedCountPaginator

ROLE_COLOURS = {Role.AGENT: "primary", Role.BACKOFFICE: "info", Role.SUPERVISOR: "warning", Role.ADMIN: "dark"}


class AllowedNetworkForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=Role.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Roles allowed from here; none means every role."))

    class Meta:
        model = AllowedNetwork
        fields = ("network", "label", "roles", "is_active", "expires_at")

    def clean_network(self) -> str:
        value = self.cleaned_data["network"].strip()
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError as exc:
            raise forms.ValidationError(_("“%(value)s” is not an IP address or network."),
                                        params={"value": value}) from exc


@admin.register(AllowedNetwork)
class AllowedNetworkAdmin(AdminsOnlyMixin, admin.ModelAdmin):
    form = AllowedNetworkForm
    list_display = ("label", "network", "role_badges", "state_badge", "expires_at", "hits", "last_seen_at")
    list_filter = ("is_active",)
    search_fields = ("label", "network")
    readonly_fields = ("hits", "last_seen_at", "created_by", "created_at")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):  # type: ignore[no-untyped-def]
        if not ip_restriction_enabled():
            self.message_user(request, gettext("IP restriction is off (IP_RESTRICTION_ENABLED): these networks are "
                                               "kept but not enforced."), level="WARNING")
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("roles"))
    def role_badges(self, obj: AllowedNetwork) -> str:
        if not obj.roles:
            return badge(gettext("every role"), "secondary")
        labels = dict(Role.choices)
        return format_html_join(" ", "{}", ((badge(str(labels.get(role, role)), ROLE_COLOURS.get(role, "secondary")),)
                                            for role in obj.roles))

    @admin.display(description=_("state"))
    def state_badge(self, obj: AllowedNetwork) -> str:
        if not obj.is_active:
            return badge(gettext("inactive"), "secondary")
        if obj.expires_at and obj.expires_at <= timezone.now():
            return badge(gettext("expired"), "danger")
        if obj.expires_at:
            return badge(gettext("temporary"), "warning")
        return badge(gettext("active"), "success")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        allowed_networks_changed()

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        super().delete_model(request, obj)
        allowed_networks_changed()

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        super().delete_queryset(request, queryset)
        allowed_networks_changed()


@admin.register(IPAccessLog)
class IPAccessLogAdmin(AdminsOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "address", "user", "role", "allowed_badge", "network", "reason", "path")
    list_filter = ("is_allowed", "role", "reason", "created_at")
    list_select_related = ("user", "network")
    search_fields = ("address", "user__username", "path")
    date_hierarchy = "created_at"
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("allowed"), ordering="is_allowed")
    def allowed_badge(self, obj: IPAccessLog) -> str:
        return badge(gettext("allowed"), "success") if obj.is_allowed else badge(gettext("refused"), "danger")
