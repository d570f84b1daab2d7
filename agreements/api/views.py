from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import active_user_or_field_error
from agreements.api.serializers import (
    AgreementDetailSerializer,
    AgreementFilterSerializer,
    AgreementInputSerializer,
    AgreementSerializer,
    CancelInputSerializer,
    CollectionActionInputSerializer,
    CollectionActionLoggedSerializer,
    CollectionActionSerializer,
    DebtFilterSerializer,
    DebtInputSerializer,
    DebtSerializer,
    PaymentInputSerializer,
    PaymentRecordedSerializer,
)
from agreements.models import CollectionAction, Debt, Payment, PaymentAgreement
from agreements.selectors import (
    AgreementFilters,
    DebtFilters,
    agreement_get_for_user,
    agreement_list,
    collection_action_list,
    debt_get_for_user,
    debt_list,
    debt_visible_queryset,
)
from agreements.services import (
    agreement_cancel,
    agreement_create,
    collection_action_log,
    debt_create,
    payment_record,
)
from core.api.permissions import RolePermission
from leads.api.lookups import visible_contact_or_field_error
from operators.models import Operator


@extend_schema(parameters=[DebtFilterSerializer])
class DebtListCreateApi(generics.ListAPIView):
    """Debts the user may see, newest first. POST loads one (supervisors and back office)."""

    serializer_class = DebtSerializer
    permission_classes = [RolePermission]
    permission_model = Debt

    def get_queryset(self) -> QuerySet[Debt]:
        params = DebtFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return debt_list(user=self.request.user, filters=DebtFilters(**params.validated_data))

    @extend_schema(request=DebtInputSerializer, responses={201: DebtSerializer})
    def post(self, request: Request) -> Response:
        data = DebtInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        contact = visible_contact_or_field_error(request.user, fields.pop("contact"))
        operator = None
        operator_id = fields.pop("operator")
        if operator_id is not None:
            operator = Operator.objects.filter(pk=operator_id).first()
            if operator is None:
                raise serializers.ValidationError({"operator": [_("No operator with that id.")]})
        assignee = active_user_or_field_error(fields.pop("assignee"), "assignee")
        debt = debt_create(actor=request.user, contact=contact, operator=operator, assignee=assignee, **fields)
        return Response(DebtSerializer(debt_get_for_user(user=request.user, debt_id=debt.pk)).data,
                        status=status.HTTP_201_CREATED)


class DebtDetailApi(generics.GenericAPIView):
    serializer_class = DebtSerializer
    permission_classes = [RolePermission]
    permission_model = Debt

    def get(self, request: Request, pk: int) -> Response:
        return Response(DebtSerializer(debt_get_for_user(user=request.user, debt_id=pk)).data)


@extend_schema(parameters=[AgreementFilterSerializer])
class AgreementListCreateApi(generics.ListAPIView):
    """Payment agreements the user may see, newest first. POST negotiates one on a debt."""

    serializer_class = AgreementSerializer
    permission_classes = [RolePermission]
    permission_model = PaymentAgreement

    def get_queryset(self) -> QuerySet[PaymentAgreement]:
        params = AgreementFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return agreement_list(user=self.request.user, filters=AgreementFilters(**params.validated_data))

    @extend_schema(request=AgreementInputSerializer, responses={201: AgreementDetailSerializer})
    def post(self, request: Request) -> Response:
        data = AgreementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        try:
            debt = debt_visible_queryset(user=request.user).get(pk=fields.pop("debt"))
        except Debt.DoesNotExist as exc:
            raise serializers.ValidationError({"debt": [_("No debt with that id.")]}) from exc
        agreement = agreement_create(actor=request.user, debt=debt, **fields)
        agreement = agreement_get_for_user(user=request.user, agreement_id=agreement.pk)
        return Response(AgreementDetailSerializer(agreement).data, status=status.HTTP_201_CREATED)


class AgreementDetailApi(generics.GenericAPIView):
    """One agreement with its instalments and payments."""

    serializer_class = AgreementDetailSerializer
    permission_classes = [RolePermission]
    permission_model = PaymentAgreement

    def get(self, request: Request, pk: int) -> Response:
        return Response(AgreementDetailSerializer(agreement_get_for_user(user=request.user, agreement_id=pk)).data)


class AgreementPaymentsApi(APIView):
    """POST ``{amount, paid_at?, method?, reference?, notes?}``: money received, applied oldest-first."""

    permission_classes = [RolePermission]
    permission_model = Payment

    @extend_schema(request=PaymentInputSerializer, responses={201: PaymentRecordedSerializer})
    def post(self, request: Request, pk: int) -> Response:
        agreement = agreement_get_for_user(user=request.user, agreement_id=pk)
        data = PaymentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = payment_record(actor=request.user, agreement=agreement, **data.validated_data)
        return Response(PaymentRecordedSerializer(payment).data, status=status.HTTP_201_CREATED)


class AgreementCancelApi(APIView):
    """POST ``{reason?}``: end the agreement (supervisors)."""

    permission_classes = [RolePermission]
    permission_model = PaymentAgreement
    permission_actions = {"POST": "change"}

    @extend_schema(request=CancelInputSerializer, responses=AgreementDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        agreement = agreement_get_for_user(user=request.user, agreement_id=pk)
        data = CancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement_cancel(actor=request.user, agreement=agreement, reason=data.validated_data["reason"])
        return Response(AgreementDetailSerializer(agreement_get_for_user(user=request.user, agreement_id=pk)).data)


class DebtActionsApi(generics.ListAPIView):
    """A debt's collection actions, newest first. POST logs one (the debt's agent, a supervisor of it, an admin):
    ``{kind, result, notes?, promised_amount?, promised_date?, next_step?, next_step_at?}``; a promise to pay needs
    an amount no larger than what is owed and a day that is not past. Whoever may see the debt may read its log."""

    serializer_class = CollectionActionSerializer
    permission_classes = [RolePermission]
    permission_model = Debt  # the service decides who may log (back office may not)
    permission_actions = {"POST": "view"}

    def get_queryset(self) -> QuerySet[CollectionAction]:
        debt = debt_get_for_user(user=self.request.user, debt_id=self.kwargs["pk"])
        return collection_action_list(debt=debt)

    @extend_schema(request=CollectionActionInputSerializer, responses={201: CollectionActionLoggedSerializer})
    def post(self, request: Request, pk: int) -> Response:
        debt = debt_get_for_user(user=request.user, debt_id=pk)
        data = CollectionActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = collection_action_log(actor=request.user, debt=debt, **data.validated_data)
        return Response(CollectionActionLoggedSerializer(action).data, status=status.HTTP_201_CREATED)
