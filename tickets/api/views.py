from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import active_user_or_field_error
from accounts.models import User
from conversations.selectors import conversation_visible_queryset
from core.api.permissions import RolePermission
from leads.api.lookups import visible_contact_or_field_error
from leads.selectors import lead_visible_queryset
from tickets.api.serializers import (
    AttachmentInputSerializer,
    AttachmentSerializer,
    CommentInputSerializer,
    CommentSerializer,
    HistorySerializer,
    TicketFilterSerializer,
    TicketInputSerializer,
    TicketPatchSerializer,
    TicketSerializer,
)
from tickets.models import Ticket, TicketAttachment, TicketCategory, TicketComment, TicketEvent
from tickets.selectors import (
    TicketFilters,
    ticket_attachments,
    ticket_comments,
    ticket_get_for_user,
    ticket_history,
    ticket_list,
)
from tickets.services import (
    ticket_attachment_add,
    ticket_comment_add,
    ticket_create,
    ticket_update,
)
from tickets.services.sla import with_sla_warning_percent


def _category_or_field_error(category_id: int | None) -> TicketCategory | None:
    if category_id is None:
        return None
    category = TicketCategory.objects.filter(pk=category_id, is_active=True).first()
    if category is None:
        raise serializers.ValidationError({"category": [_("No active category with that id.")]})
    return category


def _links(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """The ids of the records a new ticket is about, resolved within what ``user`` may see (else a 400)."""
    links: dict[str, Any] = {}
    if (conversation_id := data.get("conversation")) is not None:
        links["conversation"] = conversation_visible_queryset(user=user).select_related(
            "contact", "lead", "assignee__team").filter(pk=conversation_id).first()
        if links["conversation"] is None:
            raise serializers.ValidationError({"conversation": [_("No conversation with that id.")]})
    if data.get("contact") is not None:
        links["contact"] = visible_contact_or_field_error(user, data["contact"])
    if (lead_id := data.get("lead")) is not None:
        links["lead"] = lead_visible_queryset(user=user).filter(pk=lead_id).first()
        if links["lead"] is None:
            raise serializers.ValidationError({"lead": [_("No lead with that id.")]})
    return links


def _output(user: User, ticket: Ticket) -> dict[str, Any]:
    """The ticket as the user now sees it (one they just gave to another team is shown once more as it is)."""
    try:
        ticket = ticket_get_for_user(user=user, ticket_id=ticket.pk)
    except Http404:
        ticket = with_sla_warning_percent(Ticket.objects.filter(pk=ticket.pk)).get()
    return TicketSerializer(ticket).data


@extend_schema(parameters=[TicketFilterSerializer])
class TicketListCreateApi(generics.ListAPIView):
    """Tickets the user may see, newest first (filters: view, state, priority, category, assignee, q).
    POST opens one; without an assignee it is dealt by turn."""

    serializer_class = TicketSerializer
    permission_classes = [RolePermission]
    permission_model = Ticket

    def get_queryset(self) -> QuerySet[Ticket]:
        params = TicketFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return ticket_list(user=self.request.user, filters=TicketFilters(**params.validated_data))

    @extend_schema(request=TicketInputSerializer, responses={201: TicketSerializer})
    def post(self, request: Request) -> Response:
        data = TicketInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        ticket = ticket_create(
            actor=request.user, subject=fields["subject"], description=fields["description"],
            priority=fields["priority"], category=_category_or_field_error(fields["category"]),
            source=Ticket.Source.API, assignee=active_user_or_field_error(fields["assignee"], "assignee"),
            **_links(request.user, fields),
        )
        return Response(_output(request.user, ticket), status=status.HTTP_201_CREATED)


class TicketDetailApi(generics.GenericAPIView):
    """GET one ticket; PATCH any of subject, description, priority, category, state, assignee."""

    serializer_class = TicketSerializer
    permission_classes = [RolePermission]
    permission_model = Ticket

    def get(self, request: Request, pk: int) -> Response:
        return Response(TicketSerializer(ticket_get_for_user(user=request.user, ticket_id=pk)).data)

    @extend_schema(request=TicketPatchSerializer, responses=TicketSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        ticket = ticket_get_for_user(user=request.user, ticket_id=pk)
        data = TicketPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "category" in changes:
            changes["category"] = _category_or_field_error(changes["category"])
        if "assignee" in changes:
            changes["assignee"] = active_user_or_field_error(changes["assignee"], "assignee")
        ticket = ticket_update(actor=request.user, ticket=ticket, **changes)
        return Response(_output(request.user, ticket))


class TicketCommentsApi(generics.ListAPIView):
    """GET the ticket's comments (the customer's replies too), oldest first; POST ``{body, visibility}``:
    ``internal`` or ``customer`` (sent in the linked conversation)."""

    serializer_class = CommentSerializer
    permission_classes = [RolePermission]
    permission_model = TicketComment

    def get_queryset(self) -> QuerySet[TicketComment]:
        ticket = ticket_get_for_user(user=self.request.user, ticket_id=self.kwargs["pk"])
        return ticket_comments(ticket=ticket)

    @extend_schema(request=CommentInputSerializer, responses={201: CommentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        ticket = ticket_get_for_user(user=request.user, ticket_id=pk)
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = ticket_comment_add(actor=request.user, ticket=ticket, **data.validated_data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class TicketAttachmentsApi(generics.ListAPIView):
    """GET the ticket's files; POST multipart ``file`` (PDF, images, text/CSV, DOCX, XLSX; checked by content)."""

    serializer_class = AttachmentSerializer
    permission_classes = [RolePermission]
    permission_model = TicketAttachment
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> QuerySet[TicketAttachment]:
        ticket = ticket_get_for_user(user=self.request.user, ticket_id=self.kwargs["pk"])
        return ticket_attachments(ticket=ticket)

    @extend_schema(request={"multipart/form-data": AttachmentInputSerializer}, responses={201: AttachmentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        ticket = ticket_get_for_user(user=request.user, ticket_id=pk)
        data = AttachmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = None
        if (comment_id := data.validated_data["comment"]) is not None:
            comment = ticket.comments.filter(pk=comment_id).first()
            if comment is None:
                raise serializers.ValidationError({"comment": [_("No comment with that id on this ticket.")]})
        attachment = ticket_attachment_add(actor=request.user, ticket=ticket, upload=data.validated_data["file"],
                                           comment=comment)
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class TicketHistoryApi(generics.ListAPIView):
    """The ticket's history: who changed what, from what, to what, and when (oldest first)."""

    serializer_class = HistorySerializer
    permission_classes = [RolePermission]
    permission_model = TicketEvent

    def get_queryset(self) -> QuerySet[TicketEvent]:
        ticket = ticket_get_for_user(user=self.request.user, ticket_id=self.kwargs["pk"])
        return ticket_history(ticket=ticket)
