from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.fields import IdField, MonthField
from leads.api.serializers import ContactBriefSerializer
from sales.models import Commission, Quote, QuoteLine, Sale, SaleLine, SaleType


class _LineSerializer(serializers.ModelSerializer):
    class Meta:
        fields = ("id", "product", "description", "quantity", "unit_price", "product_discount_percent",
                  "discount_percent", "line_total")


class QuoteLineSerializer(_LineSerializer):
    class Meta(_LineSerializer.Meta):
        model = QuoteLine


class SaleLineSerializer(_LineSerializer):
    class Meta(_LineSerializer.Meta):
        model = SaleLine


class QuoteSerializer(serializers.ModelSerializer):
    contact = ContactBriefSerializer(read_only=True)
    agent_name = serializers.SerializerMethodField()
    lines = QuoteLineSerializer(many=True, read_only=True)
    sale = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = (
            "id", "number", "status", "contact", "lead", "conversation", "agent", "agent_name", "sale_type",
            "currency", "subtotal", "discount_total", "total", "valid_until", "sent_at", "reminded_at",
            "accepted_at", "rejected_at", "notes", "lines", "sale", "created_at",
        )

    def get_agent_name(self, obj: Quote) -> str:
        return str(obj.agent)

    def get_sale(self, obj: Quote) -> int | None:
        sale = getattr(obj, "sale", None)
        return sale.pk if sale is not None else None


class SaleSerializer(serializers.ModelSerializer):
    contact = ContactBriefSerializer(read_only=True)
    agent_name = serializers.SerializerMethodField()
    lines = SaleLineSerializer(many=True, read_only=True)
    quote_number = serializers.CharField(source="quote.number", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Sale
        fields = (
            "id", "number", "status", "sale_type", "contact", "lead", "conversation", "quote", "quote_number",
            "agent", "agent_name", "rejection_reason", "cancellation_reason", "validated_by", "validated_at",
            "payment_method", "delivery_address", "delivery_date", "installation_state", "installation_date",
            "currency", "total", "sold_at", "notes", "lines", "created_at",
        )

    def get_agent_name(self, obj: Sale) -> str:
        return str(obj.agent)


class CommissionSerializer(serializers.ModelSerializer):
    agent_name = serializers.SerializerMethodField()
    sale_number = serializers.CharField(source="sale.number", read_only=True)
    rule_name = serializers.SerializerMethodField()

    class Meta:
        model = Commission
        fields = ("id", "month", "agent", "agent_name", "sale", "sale_number", "line", "rule", "rule_name",
                  "amount", "currency")

    def get_agent_name(self, obj: Commission) -> str:
        return str(obj.agent)

    def get_rule_name(self, obj: Commission) -> str | None:
        return str(obj.rule) if obj.rule_id else None


class LineInputSerializer(serializers.Serializer):
    product = IdField()
    quantity = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100,
                                                default=0)


class QuoteInputSerializer(serializers.Serializer):
    contact = IdField()
    conversation = IdField(required=False, allow_null=True, default=None)
    lines = LineInputSerializer(many=True, allow_empty=False)
    valid_days = serializers.IntegerField(min_value=1, max_value=90, default=7)
    sale_type = serializers.ChoiceField(choices=SaleType.choices, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    send = serializers.BooleanField(default=False)


class QuoteFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Quote.Status.choices, required=False, default="")
    contact = IdField(required=False, default=None)
    conversation = IdField(required=False, default=None)


class SaleFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Sale.Status.choices, required=False, default="")
    contact = IdField(required=False, default=None)
    agent = IdField(required=False, default=None)


class SaleInputSerializer(serializers.Serializer):
    quote = IdField(required=False, allow_null=True, default=None)
    contact = IdField(required=False, allow_null=True, default=None)
    conversation = IdField(required=False, allow_null=True, default=None)
    lines = LineInputSerializer(many=True, required=False, default=list)
    sale_type = serializers.ChoiceField(choices=SaleType.choices, required=False, allow_blank=True, default="")
    payment_method = serializers.ChoiceField(choices=Sale.PaymentMethod.choices, required=False, allow_blank=True,
                                             default="")
    delivery_address = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    delivery_date = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate(self, attrs: dict) -> dict:
        if not attrs["quote"] and not (attrs["contact"] and attrs["lines"]):
            raise serializers.ValidationError(_("Give a quote, or a customer with products."))
        return attrs


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class InstallationInputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Sale.InstallationState.choices)
    date = serializers.DateField(required=False, allow_null=True, default=None)


class CommissionFilterSerializer(serializers.Serializer):
    month = MonthField(required=False, allow_null=True, default=None)
