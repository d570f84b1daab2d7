from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Team, User
from accounts.services import user_sync_role
from core.admin_tools import badge

ROLE_COLOURS = {Role.AGENT: "primary", Role.BACKOFFICE: "info", Role.SUPERVISOR: "warning", Role.ADMIN: "dark"}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "role_badge", "team", "is_active", "last_login")
    list_filter = ("role", "team", "is_active")
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

    @admin.display(description=_("role"), ordering="role")
    def role_badge(self, obj: User) -> str:
        return badge(obj.get_role_display(), ROLE_COLOURS.get(obj.role, "secondary"))

    def save_related(self, request, form, formsets, change) -> None:  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        user_sync_role(user=form.instance)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "supervisor", "created_at")
    list_select_related = ("supervisor",)
    search_fields = ("name",)
    autocomplete_fields = ("supervisor",)
