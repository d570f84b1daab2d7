from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from agreements.models import CollectionAction, ContactStatus, Debt, Installment, Payment, PaymentAgreement
from core.api.fields import DateInRangeField, DateTimeInRangeField, IdField, IdOrKeywordField


class DebtSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    contact_phone = serializers.CharField(source="contact.phone", read_only=True)
    operator_name = serializers.CharField(source="operator.name", read_only=True, default=None, allow_null=True)
    assignee_name = serializers.SerializerMethodField()

    class Meta:
        model = Debt
        fields = (
            "id", "contact", "contact_name", "contact_phone", "operator", "operator_name", "reference",
            "original_amount", "currency", "due_since", "campaign", "assignee", "assignee_name", "contact_status",
            "last_action_at", "next_action_at", "created_at",
        )

    def get_assignee_name(self, debt: Debt) -> str | None:
        return str(debt.assignee) if debt.assignee_id else None


class DebtInputSerializer(serializers.Serializer):
    contact = IdField()
    operator = IdField(required=False, allow_null=True, default=None)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    original_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, default="")
    due_since = serializers.DateField()
    campaign = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    assignee = IdField(required=False, allow_null=True, default=None)


class DebtFilterSerializer(serializers.Serializer):
    campaign = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    assignee = IdOrKeywordField(keywords=("me", "none"))
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class InstallmentSerializer(serializers.ModelSerializer):
    outstanding = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = Installment
        fields = ("id", "number", "due_date", "amount", "paid_amount", "outstanding", "state", "paid_at",
                  "reminded_at")


class PaymentSerializer(serializers.ModelSerializer):
    recorded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = ("id", "agreement", "installment", "amount", "paid_at", "method", "reference", "applied_to",
                  "notes", "recorded_by", "recorded_by_name", "created_at")

    def get_recorded_by_name(self, payment: Payment) -> str | None:
        return str(payment.recorded_by) if payment.recorded_by_id else None


class AgreementSerializer(serializers.ModelSerializer):
    contact = serializers.IntegerField(source="debt.contact_id", read_only=True)
    contact_name = serializers.CharField(source="debt.contact.name", read_only=True)
    currency = serializers.CharField(source="debt.currency", read_only=True)
    campaign = serializers.CharField(source="debt.campaign", read_only=True)
    agent_name = serializers.SerializerMethodField()
    outstanding = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = PaymentAgreement
        fields = (
            "id", "debt", "contact", "contact_name", "campaign", "agent", "agent_name", "state", "base_amount",
            "discount_percent", "discount_amount", "agreed_total", "paid_total", "outstanding", "currency",
            "number_of_installments", "notes", "closed_at", "cancel_reason", "created_at", "updated_at",
        )

    def get_agent_name(self, agreement: PaymentAgreement) -> str | None:
        return str(agreement.agent) if agreement.agent_id else None


class AgreementDetailSerializer(AgreementSerializer):
    installments = InstallmentSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta(AgreementSerializer.Meta):
        fields = (*AgreementSerializer.Meta.fields, "installments", "payments")


class AgreementInputSerializer(serializers.Serializer):
    debt = IdField()
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"), default=Decimal("0")
    )
    installments = serializers.IntegerField(min_value=1, max_value=120)
    first_due_date = serializers.DateField()
    interval_days = serializers.IntegerField(required=False, default=30)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    draft = serializers.BooleanField(required=False, default=False)


class AgreementFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=PaymentAgreement.State.choices, required=False, allow_blank=True,
                                    default="")
    campaign = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    agent = IdOrKeywordField(keywords=("me",))
    debt = IdField(required=False, allow_null=True, default=None)


class PaymentInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    paid_at = DateTimeInRangeField(required=False, allow_null=True, default=None)
    method = serializers.ChoiceField(choices=Payment.Method.choices, required=False, default=Payment.Method.TRANSFER)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")


class PaymentRecordedSerializer(PaymentSerializer):
    agreement_state = serializers.CharField(source="agreement.state", read_only=True)
    agreement_paid_total = serializers.DecimalField(source="agreement.paid_total", max_digits=12,
                                                    decimal_places=2, read_only=True)

    class Meta(PaymentSerializer.Meta):
        fields = (*PaymentSerializer.Meta.fields, "agreement_state", "agreement_paid_total")


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class CollectionActionSerializer(serializers.ModelSerializer):
    agent_name = serializers.SerializerMethodField()

    class Meta:
        model = CollectionAction
        fields = ("id", "debt", "agent", "agent_name", "kind", "result", "notes", "promised_amount", "promised_date",
                  "next_step", "next_step_at", "created_at")

    def get_agent_name(self, action: CollectionAction) -> str | None:
        return str(action.agent) if action.agent_id else None


class CollectionActionLoggedSerializer(CollectionActionSerializer):
    """The action, and where it left the debt."""

    debt_contact_status = serializers.CharField(source="debt.contact_status", read_only=True)
    debt_next_action_at = serializers.DateTimeField(source="debt.next_action_at", read_only=True, allow_null=True)

    class Meta(CollectionActionSerializer.Meta):
        fields = (*CollectionActionSerializer.Meta.fields, "debt_contact_status", "debt_next_action_at")


class CollectionActionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CollectionAction.Kind.choices)
    result = serializers.ChoiceField(choices=ContactStatus.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    promised_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True,
                                               default=None)
    promised_date = DateInRangeField(required=False, allow_null=True, default=None)
    next_step = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    next_step_at = DateTimeInRangeField(required=False, allow_null=True, default=None)
