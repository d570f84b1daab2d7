"""Administrators read every notice (who was told what, when, and whether they read it); nobody edits them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin_tools import AdminsOnlyMixin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(AdminsOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["title", "body", "user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["user", "kind", "title", "body", "url", "dedupe_key", "read_at", "created_at", "updated_at"]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
