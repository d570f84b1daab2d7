"""Quotes, sales and commissions over the API: parse, call a selector or a service, answer.

Who may act is decided by the services (roles) and the selectors (rows): a record the user may not
see is a 404, a role that may not act is a 403.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from conversations.models import Conversation
from conversations.selectors import conversation_list
from leads.api.lookups import visible_contact_or_field_error
from sales.api.serializers import (
    CommissionFilterSerializer,
    CommissionSerializer,
    InstallationInputSerializer,
    QuoteFilterSerializer,
    QuoteInputSerializer,
    QuoteSerializer,
    ReasonInputSerializer,
    SaleFilterSerializer,
    SaleInputSerializer,
    SaleSerializer,
)
from sales.models import Commission, Quote, Sale
from sales.selectors import (
    QuoteFilters,
    SaleFilters,
    commission_list,
    quote_get_for_user,
    quote_list,
    sale_get_for_user,
    sale_list,
)
from sales.services.documents import sale_receipt_render
from sales.services.quotes import quote_accept, quote_create, quote_reject, quote_send
from sales.services.sales import sale_cancel, sale_create, sale_reject, sale_set_installation, sale_validate


def _conversation_or_field_error(user: User, conversation_id: int | None) -> Conversation | None:
    if not conversation_id:
        return None
    conversation = conversation_list(user=user).filter(pk=conversation_id).first()
    if conversation is None:
        raise serializers.ValidationError({"conversation": [_("No conversation with that id.")]})
    return conversation


@extend_schema(parameters=[QuoteFilterSerializer])
class QuoteListCreateApi(generics.ListAPIView):
    """GET: the quotes the user may see. POST: price and store a quote (``send`` also sends its PDF)."""

    serializer_class = QuoteSerializer

    def get_queryset(self) -> QuerySet[Quote]:
        params = QuoteFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return quote_list(user=self.request.user, filters=QuoteFilters(**params.validated_data))

    @extend_schema(request=QuoteInputSerializer, responses={201: QuoteSerializer})
    def post(self, request: Request) -> Response:
        data = QuoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        contact = visible_contact_or_field_error(request.user, values["contact"])
        conversation = _conversation_or_field_error(request.user, values["conversation"])
        quote = quote_create(
            actor=request.user, contact=contact, conversation=conversation,
            lines=[dict(line) for line in values["lines"]], valid_days=values["valid_days"],
            notes=values["notes"], sale_type=values["sale_type"],
        )
        if values["send"]:
            quote_send(actor=request.user, quote=quote)
        return Response(QuoteSerializer(quote_get_for_user(user=request.user, quote_id=quote.pk)).data,
                        status=status.HTTP_201_CREATED)


class QuoteDetailApi(APIView):
    @extend_schema(responses=QuoteSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(QuoteSerializer(quote_get_for_user(user=request.user, quote_id=pk)).data)


class QuoteAcceptApi(APIView):
    @extend_schema(request=None, responses={201: SaleSerializer})
    def post(self, request: Request, pk: int) -> Response:
        quote = quote_get_for_user(user=request.user, quote_id=pk)
        sale = quote_accept(quote=quote, actor=request.user)
        return Response(SaleSerializer(sale_get_for_user(user=request.user, sale_id=sale.pk)).data,
                        status=status.HTTP_201_CREATED)


class QuoteSendApi(APIView):
    @extend_schema(request=None, responses=QuoteSerializer)
    def post(self, request: Request, pk: int) -> Response:
        quote = quote_get_for_user(user=request.user, quote_id=pk)
        quote_send(actor=request.user, quote=quote)
        return Response(QuoteSerializer(quote_get_for_user(user=request.user, quote_id=pk)).data)


class QuoteRejectApi(APIView):
    @extend_schema(request=ReasonInputSerializer, responses=QuoteSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = quote_get_for_user(user=request.user, quote_id=pk)
        quote_reject(quote=quote, actor=request.user, reason=data.validated_data["reason"])
        return Response(QuoteSerializer(quote_get_for_user(user=request.user, quote_id=pk)).data)


@extend_schema(parameters=[SaleFilterSerializer])
class SaleListCreateApi(generics.ListAPIView):
    """GET: the sales the user may see. POST: a sale from ``quote``, or for ``contact`` with ``lines``."""

    serializer_class = SaleSerializer

    def get_queryset(self) -> QuerySet[Sale]:
        params = SaleFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return sale_list(user=self.request.user, filters=SaleFilters(**params.validated_data))

    @extend_schema(request=SaleInputSerializer, responses={201: SaleSerializer})
    def post(self, request: Request) -> Response:
        data = SaleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(data.validated_data)
        quote_id = values.pop("quote")
        contact_id = values.pop("contact")
        conversation_id = values.pop("conversation")
        lines = [dict(line) for line in values.pop("lines")]
        if quote_id:
            quote = quote_list(user=request.user).filter(pk=quote_id).first()
            if quote is None:
                raise serializers.ValidationError({"quote": [_("No quote with that id.")]})
            sale = sale_create(actor=request.user, quote=quote, **values)
        else:
            sale = sale_create(
                actor=request.user, contact=visible_contact_or_field_error(request.user, contact_id),
                conversation=_conversation_or_field_error(request.user, conversation_id), lines=lines, **values,
            )
        return Response(SaleSerializer(sale_get_for_user(user=request.user, sale_id=sale.pk)).data,
                        status=status.HTTP_201_CREATED)


class _SaleActionApi(APIView):
    def respond(self, request: Request, pk: int) -> Response:
        return Response(SaleSerializer(sale_get_for_user(user=request.user, sale_id=pk)).data)


class SaleDetailApi(_SaleActionApi):
    @extend_schema(responses=SaleSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return self.respond(request, pk)


class SaleValidateApi(_SaleActionApi):
    @extend_schema(request=None, responses=SaleSerializer)
    def post(self, request: Request, pk: int) -> Response:
        sale_validate(actor=request.user, sale=sale_get_for_user(user=request.user, sale_id=pk))
        return self.respond(request, pk)


class SaleRejectApi(_SaleActionApi):
    @extend_schema(request=ReasonInputSerializer, responses=SaleSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sale_reject(actor=request.user, sale=sale_get_for_user(user=request.user, sale_id=pk),
                    reason=data.validated_data["reason"])
        return self.respond(request, pk)


class SaleCancelApi(_SaleActionApi):
    @extend_schema(request=ReasonInputSerializer, responses=SaleSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sale_cancel(actor=request.user, sale=sale_get_for_user(user=request.user, sale_id=pk),
                    reason=data.validated_data["reason"])
        return self.respond(request, pk)


class SaleInstallationApi(_SaleActionApi):
    @extend_schema(request=InstallationInputSerializer, responses=SaleSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = InstallationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sale_set_installation(actor=request.user, sale=sale_get_for_user(user=request.user, sale_id=pk),
                              state=data.validated_data["state"], on=data.validated_data["date"])
        return self.respond(request, pk)


class SaleReceiptApi(APIView):
    """The sale's receipt as a PDF, rendered now (it shows the current status)."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        sale = sale_get_for_user(user=request.user, sale_id=pk)
        with translation.override(settings.LANGUAGE_CODE):
            pdf = sale_receipt_render(sale=sale)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{sale.number}.pdf"'
        return response


@extend_schema(parameters=[CommissionFilterSerializer])
class CommissionListApi(generics.ListAPIView):
    """Commissions of the agents the user may see; ``?month=YYYY-MM`` for one month."""

    serializer_class = CommissionSerializer

    def get_queryset(self) -> QuerySet[Commission]:
        params = CommissionFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return commission_list(user=self.request.user, month=params.validated_data["month"])
