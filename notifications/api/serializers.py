from __future__ import annotations

from rest_framework import serializers

from core.api.fields import IdField
from notifications import kinds
from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    icon = serializers.SerializerMethodField()
    label = serializers.SerializerMethodField()
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "icon", "label", "title", "body", "url", "created_at", "read", "read_at"]
        read_only_fields = fields

    def get_icon(self, obj: Notification) -> str:
        kind = kinds.get(obj.kind)
        return kind.icon if kind else "inbox"

    def get_label(self, obj: Notification) -> str:
        kind = kinds.get(obj.kind)
        return str(kind.label) if kind else obj.kind


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="Only unread notices.")


class NotificationReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(child=IdField(), required=False, default=list,
                                max_length=500)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict) -> dict:
        if not attrs["all"] and not attrs["ids"]:
            raise serializers.ValidationError("Give ids, or all: true.")
        return attrs


class NotificationReadOutputSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
    marked = serializers.IntegerField()
