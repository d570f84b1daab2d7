from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import active_user_or_field_error
from core.api.permissions import RolePermission
from leads.api.lookups import visible_contact_or_field_error
from leads.api.serializers import (
    ContactDetailSerializer,
    ContactInputSerializer,
    ContactListSerializer,
    ContactProfileFilterSerializer,
    LeadCreateInputSerializer,
    LeadFilterSerializer,
    LeadOutputSerializer,
    LeadUpdateInputSerializer,
    OutreachMessageSerializer,
)
from leads.models import Contact, Lead
from leads.outreach import outreach_message_build
from leads.rfm import contact_sales_and_quotes, contacts_with_profile, purchase_summaries, purchase_summary
from leads.selectors import (
    LeadFilters,
    contact_get_for_user,
    contact_list,
    lead_get_for_user,
    lead_list,
)
from leads.services import contact_create, contact_update, lead_change, lead_create


@extend_schema(parameters=[LeadFilterSerializer])
class LeadListCreateApi(generics.ListAPIView):
    """Leads the user may see, newest first. Agents see their own; supervisors their team's."""

    serializer_class = LeadOutputSerializer
    permission_classes = [RolePermission]
    permission_model = Lead

    def get_queryset(self) -> QuerySet[Lead]:
        params = LeadFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return lead_list(user=self.request.user, filters=LeadFilters(**params.validated_data))

    @extend_schema(request=LeadCreateInputSerializer, responses={201: LeadOutputSerializer})
    def post(self, request: Request) -> Response:
        data = LeadCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        contact = visible_contact_or_field_error(request.user, fields.pop("contact"))
        assignee = active_user_or_field_error(fields.pop("assignee", None), "assignee")
        lead = lead_create(actor=request.user, contact=contact, assignee=assignee, **fields)
        lead = lead_get_for_user(user=request.user, lead_id=lead.pk)
        return Response(LeadOutputSerializer(lead).data, status=status.HTTP_201_CREATED)


class LeadDetailApi(generics.GenericAPIView):
    serializer_class = LeadOutputSerializer
    permission_classes = [RolePermission]
    permission_model = Lead

    def get(self, request: Request, pk: int) -> Response:
        return Response(LeadOutputSerializer(lead_get_for_user(user=request.user, lead_id=pk)).data)

    @extend_schema(request=LeadUpdateInputSerializer, responses=LeadOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        lead = lead_get_for_user(user=request.user, lead_id=pk)
        data = LeadUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "assignee" in fields:
            fields["assignee"] = active_user_or_field_error(fields["assignee"], "assignee")
        lead_change(actor=request.user, lead=lead, data=fields)
        return Response(LeadOutputSerializer(lead_get_for_user(user=request.user, lead_id=pk)).data)


class ContactListCreateApi(generics.ListAPIView):
    """Contacts the user may see, each with their RFM segment and outreach profile (one query per page)."""

    serializer_class = ContactListSerializer
    permission_classes = [RolePermission]
    permission_model = Contact

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], list):
            context = kwargs.setdefault("context", self.get_serializer_context())
            context["summaries"] = purchase_summaries([contact.pk for contact in args[0]])
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self) -> QuerySet[Contact]:
        contacts = contact_list(
            user=self.request.user,
            q=self.request.query_params.get("q", "")[:100],
            customer_type=self.request.query_params.get("customer_type", "")[:10],
        )
        params = ContactProfileFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        if params.validated_data["profile"]:
            contacts = contacts_with_profile(contacts, params.validated_data["profile"])
        return contacts

    @extend_schema(parameters=[ContactProfileFilterSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ContactInputSerializer, responses={201: ContactDetailSerializer})
    def post(self, request: Request) -> Response:
        data = ContactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = contact_create(actor=request.user, **data.validated_data)
        contact = contact_get_for_user(user=request.user, contact_id=contact.pk)
        return Response(ContactDetailSerializer(contact).data, status=status.HTTP_201_CREATED)


def contact_360(*, user: Any, contact_id: int) -> dict[str, Any]:
    """The 360° profile as the API shows it (404 when the user may not see the contact)."""
    contact = contact_get_for_user(user=user, contact_id=contact_id)
    contact.visible_sales, contact.visible_quotes = contact_sales_and_quotes(user=user, contact_id=contact.pk)
    context = {"summaries": {contact.pk: purchase_summary(contact.pk)}}
    return ContactDetailSerializer(contact, context=context).data


class ContactDetailApi(generics.GenericAPIView):
    """The 360° profile of a person: channels, leads, sales and quotes the user may see, segment, profile."""

    serializer_class = ContactDetailSerializer
    permission_classes = [RolePermission]
    permission_model = Contact

    def get(self, request: Request, pk: int) -> Response:
        return Response(contact_360(user=request.user, contact_id=pk))

    @extend_schema(request=ContactInputSerializer, responses=ContactDetailSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        contact = contact_get_for_user(user=request.user, contact_id=pk)
        data = ContactInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        contact_update(actor=request.user, contact=contact, data=data.validated_data)
        return Response(contact_360(user=request.user, contact_id=pk))


class ContactOutreachMessageApi(generics.GenericAPIView):
    """An opening WhatsApp message for the contact, fitted to their outreach profile, with a wa.me link.

    Written by the AI provider when one is configured, else (or when it fails) by the local templates.
    """

    serializer_class = OutreachMessageSerializer
    permission_classes = [RolePermission]
    permission_model = Contact
    permission_actions = {"POST": "view"}  # drafts a message, changes nothing

    @extend_schema(request=None, responses=OutreachMessageSerializer)
    def post(self, request: Request, pk: int) -> Response:
        contact = contact_get_for_user(user=request.user, contact_id=pk)
        result = outreach_message_build(contact=contact)
        return Response(
            OutreachMessageSerializer(
                {
                    "profile": result.profile.value,
                    "profile_name": result.profile_name,
                    "message": result.message,
                    "whatsapp_url": result.whatsapp_url,
                    "source": result.source,
                }
            ).data
        )


