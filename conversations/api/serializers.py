from __future__ import annotations

from rest_framework import serializers

from conversations.models import Channel, Conversation, Message, Note
from core.api.fields import DateTimeInRangeField, IdField, IdOrKeywordField
from leads.api.serializers import ContactBriefSerializer
from leads.models import Lead


class LeadBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lead
        fields = ("id", "score", "classification", "status")


class ConversationSerializer(serializers.ModelSerializer):
    channel = serializers.CharField(read_only=True)
    provider = serializers.CharField(source="channel_account.provider", read_only=True)
    contact = ContactBriefSerializer(read_only=True)
    lead = LeadBriefSerializer(read_only=True, allow_null=True)
    assignee_name = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = (
            "id", "channel", "provider", "status", "priority", "assignee", "assignee_name", "contact", "lead",
            "needs_human", "last_message_at", "last_message_preview", "last_inbound_at", "unread_count", "tags",
            "snoozed_until", "ai_draft", "created_at",
        )

    def get_assignee_name(self, obj: Conversation) -> str | None:
        return str(obj.assignee) if obj.assignee_id else None

    def get_tags(self, obj: Conversation) -> list[str]:
        return [t.name for t in obj.tags.all()]


class MessageSerializer(serializers.ModelSerializer):
    media = serializers.SerializerMethodField()
    author_name = serializers.SerializerMethodField()
    ai = serializers.JSONField(source="ai_flags", read_only=True)

    class Meta:
        model = Message
        fields = (
            "id", "direction", "sender", "author", "author_name", "type", "text", "media", "media_mime",
            "media_size", "media_state", "location", "interactive_id", "payload", "reply_to", "status", "error_code",
            "error_message", "intent", "sentiment", "ai", "is_echo", "sent_at", "delivered_at", "read_at",
            "created_at",
        )

    def get_media(self, obj: Message) -> str | None:
        return obj.media.url if obj.media else None

    def get_author_name(self, obj: Message) -> str | None:
        return str(obj.author) if obj.author_id else None


class MessageInputSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, max_length=4096, default="")
    template = IdField(required=False, allow_null=True, default=None)
    variables = serializers.ListField(child=serializers.CharField(max_length=1024), required=False, default=list)


class ConversationFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Conversation.Status.choices, required=False, allow_blank=True,
                                     default="")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True, default="")
    assignee = IdOrKeywordField(keywords=("me", "none"))
    priority = serializers.ChoiceField(choices=Conversation.Priority.choices, required=False, allow_blank=True,
                                       default="")
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class AssignInputSerializer(serializers.Serializer):
    assignee = IdField(allow_null=True)


class TransferInputSerializer(serializers.Serializer):
    to = IdField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Conversation.Status.choices)
    snoozed_until = DateTimeInRangeField(required=False, allow_null=True, default=None)


class NoteSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Note
        fields = ("id", "text", "author", "author_name", "created_at")
        read_only_fields = ("id", "author", "author_name", "created_at")

    def get_author_name(self, obj: Note) -> str | None:
        return str(obj.author) if obj.author_id else None


class IntentInputSerializer(serializers.Serializer):
    intent = serializers.CharField(max_length=40, help_text="One of ai.types.Intent: greeting, product_query, …")


class TagsInputSerializer(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(max_length=40), max_length=20)
