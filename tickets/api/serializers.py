from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import IdField, IdOrKeywordField
from tickets.models import Priority, Ticket, TicketAttachment, TicketComment, TicketEvent
from tickets.sla import ticket_sla


def _name(user: Any) -> str | None:
    return str(user) if user is not None else None


class SlaSerializer(serializers.Serializer):
    state = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    remaining_seconds = serializers.IntegerField(allow_null=True)
    which = serializers.CharField()


class TicketSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    category_name = serializers.SerializerMethodField()
    team_name = serializers.SerializerMethodField()
    assignee_name = serializers.SerializerMethodField()
    contact_name = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = (
            "id", "number", "subject", "description", "state", "priority", "category", "category_name", "source",
            "team", "team_name", "assignee", "assignee_name", "contact", "contact_name", "lead", "conversation",
            "call", "sale", "escalation_reason", "sla", "first_response_due_at", "resolution_due_at",
            "first_responded_at", "resolved_at", "closed_at", "is_first_response_breached", "is_resolution_breached",
            "reopen_count", "created_at", "updated_at",
        )
        read_only_fields = fields

    def get_category_name(self, ticket: Ticket) -> str | None:
        return ticket.category.name if ticket.category_id else None

    def get_team_name(self, ticket: Ticket) -> str | None:
        return ticket.team.name if ticket.team_id else None

    def get_assignee_name(self, ticket: Ticket) -> str | None:
        return _name(ticket.assignee) if ticket.assignee_id else None

    def get_contact_name(self, ticket: Ticket) -> str | None:
        return ticket.contact.name if ticket.contact_id else None

    @extend_schema_field(SlaSerializer)
    def get_sla(self, ticket: Ticket) -> dict[str, Any]:
        status = ticket_sla(ticket)
        return SlaSerializer({"state": status.state, "due_at": status.due_at,
                              "remaining_seconds": status.remaining_seconds, "which": status.which}).data


class TicketFilterSerializer(serializers.Serializer):
    view = serializers.ChoiceField(choices=("mine", "team", "all"), required=False, default="all")
    state = serializers.ChoiceField(choices=(*Ticket.State.values, "active"), required=False, allow_blank=True,
                                    default="")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_blank=True, default="")
    category = IdField(required=False, allow_null=True, default=None)
    assignee = IdOrKeywordField(keywords=("me", "none"))
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class TicketInputSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_null=True, default=None)
    category = IdField(required=False, allow_null=True, default=None)
    conversation = IdField(required=False, allow_null=True, default=None)
    contact = IdField(required=False, allow_null=True, default=None)
    lead = IdField(required=False, allow_null=True, default=None)
    assignee = IdField(required=False, allow_null=True, default=None)


class TicketPatchSerializer(serializers.Serializer):
    """Only the fields sent change."""

    subject = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = IdField(required=False, allow_null=True)
    state = serializers.ChoiceField(choices=Ticket.State.choices, required=False)
    assignee = IdField(required=False, allow_null=True)


class CommentSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = TicketComment
        fields = ("id", "visibility", "body", "author", "author_name", "message", "created_at")
        read_only_fields = fields

    def get_author_name(self, comment: TicketComment) -> str | None:
        return _name(comment.author) if comment.author_id else None


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)
    visibility = serializers.ChoiceField(
        choices=[TicketComment.Visibility.INTERNAL, TicketComment.Visibility.CUSTOMER], required=False,
        default=TicketComment.Visibility.INTERNAL,
    )


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by_name = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = TicketAttachment
        fields = ("id", "original_name", "content_type", "size", "comment", "uploaded_by", "uploaded_by_name", "url",
                  "created_at")
        read_only_fields = fields

    def get_uploaded_by_name(self, attachment: TicketAttachment) -> str | None:
        return _name(attachment.uploaded_by) if attachment.uploaded_by_id else None

    def get_url(self, attachment: TicketAttachment) -> str:
        """The role-checked download (never the storage's own URL)."""
        try:
            return reverse("tickets:attachment", args=[attachment.pk])
        except NoReverseMatch:
            return f"/tickets/attachments/{attachment.pk}/"


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    comment = IdField(required=False, allow_null=True, default=None)


class HistorySerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ("id", "kind", "field", "old_value", "new_value", "actor", "actor_name", "created_at")
        read_only_fields = fields

    def get_actor_name(self, event: TicketEvent) -> str | None:
        return _name(event.actor) if event.actor_id else None
