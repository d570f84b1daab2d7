from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenAdmin as BaseTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from accounts.models import Role, Team, User
from accounts.selectors import team_visible_queryset, user_visible_queryset
from accounts.services import user_sync_role
from accounts.two_factor.services import two_factor_disable
from core.admin_tools import AdminsOnlyMixin, ScopedAdminMixin, badge

ROLE_COLOURS = {Role.AGENT: "primary", Role.BACKOFFICE: "info", Role.SUPERVISOR: "warning", Role.ADMIN: "dark"}


@admin.register(User)
class UserAdmin(ScopedAdminMixin, BaseUserAdmin):
    list_display = ("username", "get_full_name", "role_badge", "team", "two_factor", "is_active", "last_login")
    list_filter = ("role", ("team", admin.RelatedOnlyFieldListFilter), "is_active")
    list_select_related = ("team",)
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("CRM"), {"fields": ("role", "team", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("CRM"), {"fields": ("role", "team", "first_name", "last_name", "email")}),
    )

    actions = ("reset_two_factor",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return user_visible_queryset(user=request.user).annotate(
            has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )

    @admin.display(description=_("role"), ordering="role")
    def role_badge(self, obj: User) -> str:
        return badge(obj.get_role_display(), ROLE_COLOURS.get(obj.role, "secondary"))

    @admin.display(description=_("two-step verification"), boolean=True, ordering="has_two_factor")
    def two_factor(self, obj: User) -> bool:
        return obj.has_two_factor

    def has_reset_two_factor_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_admin_role)

    @admin.action(description=_("Reset two-step verification (lost phone)"), permissions=["reset_two_factor"])
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Remove the selected people's authenticator apps and recovery codes. Roles that must use two
        factors set up a new app at their next login (a current session of theirs is sent to set it up)."""
        reset = 0
        for user in queryset:
            if two_factor_disable(user=user, actor=request.user):
                reset += 1
                self.log_change(request, user, [{"changed": {"fields": [str(_("two-step verification"))]}}])
        self.message_user(request, ngettext(
            "Two-step verification reset for %(count)d person.",
            "Two-step verification reset for %(count)d people.", reset) % {"count": reset}, messages.SUCCESS)

    def save_related(self, request, form, formsets, change) -> None:  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        user_sync_role(user=form.instance)


@admin.register(Team)
class TeamAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "supervisor", "created_at")
    list_select_related = ("supervisor",)
    search_fields = ("name",)
    autocomplete_fields = ("supervisor",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return team_visible_queryset(user=request.user)


admin.site.unregister(TokenProxy)
# django-otp's device pages would show people's secret keys; the user list's action resets them instead.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


@admin.register(TokenProxy)
class TokenAdmin(AdminsOnlyMixin, BaseTokenAdmin):
    """API tokens act as their user: only administrators see or manage them, whatever a group holds."""


import accounts.admin_audit  # noqa: E402, F401 - the audit log
from accounts import admin_ip  # noqa: E402, F401 - the IP allowlist pages
