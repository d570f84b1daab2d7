"""Calls over the API: parse, call a selector or a service, answer.

The rows come from ``calls.selectors`` (the one role policy): a call the user may not see is a 404. Changing a
call is limited to the outcome and the notes (its agent or above); starting one is click to call.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from calls.api.serializers import (
    CallDetailSerializer,
    CallFilterSerializer,
    CallListSerializer,
    CallStartInputSerializer,
    CallUpdateInputSerializer,
)
from calls.models import Call
from calls.selectors import CallFilters, call_get_visible, call_list
from calls.services.outbound import call_start
from calls.services.outcomes import call_set_outcome
from conversations.models import Conversation
from conversations.selectors import conversation_visible_queryset
from core.errors import ApplicationError
from leads.api.lookups import visible_contact_or_field_error
from leads.models import Contact, Lead
from leads.selectors import lead_visible_queryset

ERROR_RESPONSE = OpenApiResponse(
    description="`{detail, code}`; codes: phone_invalid, phone_not_contacts, agent_no_phone, "
                "voice_not_configured, provider_error (400), rate_limited (429), or field errors.",
)


def _targets(user: User, values: dict[str, Any]) -> tuple[Contact, Lead | None, Conversation | None]:
    """The contact, lead and conversation named in the input, each one the user may see (else a 400 on it)."""
    conversation = lead = None
    if values["conversation"]:
        conversation = (conversation_visible_queryset(user=user).select_related("contact", "lead")
                        .filter(pk=values["conversation"]).first())
        if conversation is None:
            raise serializers.ValidationError({"conversation": [_("No conversation with that id.")]})
    if values["lead"] and conversation is not None and conversation.lead_id == values["lead"]:
        lead = conversation.lead  # the open conversation's lead is called from it, even while unassigned
    elif values["lead"]:
        lead = lead_visible_queryset(user=user).select_related("contact").filter(pk=values["lead"]).first()
        if lead is None:
            raise serializers.ValidationError({"lead": [_("No lead with that id.")]})
    if values["contact"]:
        contact = visible_contact_or_field_error(user, values["contact"])
    else:
        contact = lead.contact if lead is not None else conversation.contact  # type: ignore[union-attr]
    if lead is not None and lead.contact_id != contact.pk:
        raise serializers.ValidationError({"lead": [_("That lead is of another contact.")]})
    if conversation is not None and conversation.contact_id != contact.pk:
        raise serializers.ValidationError({"conversation": [_("That conversation is with another contact.")]})
    if lead is None and conversation is not None and conversation.lead_id:
        lead = conversation.lead
    return contact, lead, conversation


@extend_schema(parameters=[CallFilterSerializer])
class CallListCreateApi(generics.ListAPIView):
    """GET: the calls the user may see, newest first. POST: click to call (the agent's phone rings first)."""

    serializer_class = CallListSerializer

    def get_queryset(self) -> QuerySet[Call]:
        params = CallFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return call_list(user=self.request.user, filters=CallFilters(**params.validated_data))

    @extend_schema(
        request=CallStartInputSerializer,
        responses={201: CallDetailSerializer, 400: ERROR_RESPONSE, 429: ERROR_RESPONSE},
        examples=[OpenApiExample("Call a contact", value={"contact": 12}, request_only=True),
                  OpenApiExample("Call a lead on another number", value={"lead": 7, "to_number": "+51987654321"},
                                 request_only=True)],
    )
    def post(self, request: Request) -> Response:
        data = CallStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact, lead, conversation = _targets(request.user, data.validated_data)
        try:
            call = call_start(agent=request.user, contact=contact, lead=lead, conversation=conversation,
                              to_number=data.validated_data["to_number"] or None)
        except ApplicationError as exc:
            if exc.code == "rate_limited":
                exc.status_code = status.HTTP_429_TOO_MANY_REQUESTS
            raise
        body = CallDetailSerializer(call_get_visible(request.user, call.pk), context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class CallDetailApi(APIView):
    """GET: one call with recordings, transcript and AI reading. PATCH: its outcome and notes only."""

    def _respond(self, request: Request, pk: int) -> Response:
        call = call_get_visible(request.user, pk)
        return Response(CallDetailSerializer(call, context={"request": request}).data)

    @extend_schema(responses=CallDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return self._respond(request, pk)

    @extend_schema(request=CallUpdateInputSerializer, responses={200: CallDetailSerializer, 400: ERROR_RESPONSE})
    def patch(self, request: Request, pk: int) -> Response:
        call = call_get_visible(request.user, pk)
        data = CallUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call_set_outcome(actor=request.user, call=call, outcome=data.validated_data.get("outcome"),
                         notes=data.validated_data.get("notes"))
        return self._respond(request, pk)
