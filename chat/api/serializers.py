from __future__ import annotations

from rest_framework import serializers


class ChatMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = serializers.CharField(read_only=True)
    author_id = serializers.IntegerField(read_only=True, allow_null=True)
    body = serializers.CharField(read_only=True)
    html = serializers.CharField(read_only=True, help_text="The text as HTML: escaped, mentions and #T/#C links.")
    created_at = serializers.DateTimeField(read_only=True)
    is_broadcast = serializers.BooleanField(read_only=True)


class RoomSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="The other person's name for a direct room.")
    team = serializers.IntegerField(read_only=True, allow_null=True)
    unread = serializers.IntegerField(read_only=True)
    last_message_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MessagePageSerializer(serializers.Serializer):
    messages = ChatMessageSerializer(many=True, read_only=True)
    has_more = serializers.BooleanField(read_only=True)


class ChatMessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000, trim_whitespace=True)


class BroadcastInputSerializer(serializers.Serializer):
    team = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                    help_text="A team id; null or absent: everyone (admins only).")
    body = serializers.CharField(max_length=4000, trim_whitespace=True)


class MessageFilterSerializer(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)
