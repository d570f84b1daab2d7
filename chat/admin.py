"""The internal chat in the back office: admins only, read-only, for compliance. Supervisors and back office see
nothing of it here (direct messages are between their two people)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from chat.models import BroadcastReceipt, ChatMessage, Room, RoomMember


class _AdminOnlyReadOnly:
    def _is_admin(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_admin_role)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._is_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RoomMemberInline(_AdminOnlyReadOnly, admin.TabularInline):
    model = RoomMember
    fields = ("user", "joined_at", "last_read_at")
    readonly_fields = fields
    extra = 0


class BroadcastReceiptInline(_AdminOnlyReadOnly, admin.TabularInline):
    model = BroadcastReceipt
    fields = ("user", "read_at")
    readonly_fields = fields
    extra = 0


@admin.register(Room)
class RoomAdmin(_AdminOnlyReadOnly, admin.ModelAdmin):
    list_display = ("__str__", "kind", "team", "last_message_at", "created_at")
    list_filter = ("kind", "team")
    search_fields = ("name", "key", "members__user__username")
    readonly_fields = ("kind", "name", "team", "key", "created_by", "last_message_at", "created_at", "updated_at")
    list_select_related = ("team",)
    inlines = (RoomMemberInline,)


@admin.register(ChatMessage)
class ChatMessageAdmin(_AdminOnlyReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "room", "author", "short_body", "is_broadcast")
    list_filter = ("is_broadcast", "room__kind", "created_at")
    search_fields = ("body", "author__username", "room__name")
    readonly_fields = ("room", "author", "body", "is_broadcast", "created_at")
    list_select_related = ("room", "author")
    date_hierarchy = "created_at"
    inlines = (BroadcastReceiptInline,)

    @admin.display(description=ChatMessage._meta.get_field("body").verbose_name)
    def short_body(self, obj: ChatMessage) -> str:
        return obj.body[:80]
