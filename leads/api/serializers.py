from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import DateTimeInRangeField, IdField, IdOrKeywordField
from leads.models import Classification, Contact, CustomerType, Lead, LeadStatus, SourceChannel
from leads.rfm import Profile
from operators.models import Category, Operator, Product


class ContactBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ("id", "name", "phone", "whatsapp_id", "instagram_username", "email")


class LeadOutputSerializer(serializers.ModelSerializer):
    contact = ContactBriefSerializer(read_only=True)
    assignee_name = serializers.SerializerMethodField()
    product_name = serializers.CharField(source="product.name", read_only=True, default=None, allow_null=True)
    operator_name = serializers.CharField(source="operator.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Lead
        fields = (
            "id", "contact", "source", "score", "classification", "score_breakdown", "status", "lost_reason",
            "intent", "service_type", "operator", "operator_name", "product", "product_name", "product_interest",
            "budget", "currency", "zone", "address", "notes", "next_action", "next_action_at", "assignee",
            "assignee_name", "conversation_count", "ai_analysis", "closed_at", "created_at", "updated_at",
        )

    def get_assignee_name(self, lead: Lead) -> str | None:
        return str(lead.assignee) if lead.assignee_id else None


class _LeadFieldsInput(serializers.Serializer):
    source = serializers.ChoiceField(choices=SourceChannel.choices, required=False)
    operator = serializers.PrimaryKeyRelatedField(queryset=Operator.objects.all(), required=False, allow_null=True)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)
    product_interest = serializers.CharField(required=False, allow_blank=True, max_length=200)
    service_type = serializers.ChoiceField(choices=Category.choices, required=False, allow_blank=True)
    budget = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
    currency = serializers.CharField(required=False, max_length=3, min_length=3)
    zone = serializers.CharField(required=False, allow_blank=True, max_length=80)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    notes = serializers.CharField(required=False, allow_blank=True)
    next_action = serializers.CharField(required=False, allow_blank=True, max_length=200)
    next_action_at = DateTimeInRangeField(required=False, allow_null=True)


class LeadCreateInputSerializer(_LeadFieldsInput):
    contact = IdField()
    assignee = IdField(required=False, allow_null=True)


class LeadUpdateInputSerializer(_LeadFieldsInput):
    status = serializers.ChoiceField(choices=LeadStatus.choices, required=False)
    lost_reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    assignee = IdField(required=False, allow_null=True)


class LeadFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    classification = serializers.ChoiceField(choices=Classification.choices, required=False, allow_blank=True,
                                             default="")
    status = serializers.ChoiceField(choices=LeadStatus.choices, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=SourceChannel.choices, required=False, allow_blank=True, default="")
    assignee = IdOrKeywordField(keywords=("me", "none"))
    operator = serializers.CharField(required=False, allow_blank=True, max_length=80, default="")


class ContactProfileFilterSerializer(serializers.Serializer):
    """``?profile=`` of the contacts list: one outreach profile (``leads.rfm.Profile``)."""

    profile = serializers.ChoiceField(choices=[p.value for p in Profile], required=False, allow_blank=True,
                                      default="")


class SegmentSerializer(serializers.Serializer):
    """The RFM segment (see ``leads.rfm``); null without validated purchases."""

    code = serializers.CharField()
    name = serializers.CharField()
    recency = serializers.IntegerField()
    frequency = serializers.IntegerField()
    monetary = serializers.IntegerField()
    days_since_last_purchase = serializers.IntegerField()
    purchases = serializers.IntegerField()
    total_spent = serializers.DecimalField(max_digits=14, decimal_places=2)


class OutreachProfileSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class _RFMFields(serializers.Serializer):
    """``segment`` and ``profile`` from the ``rfm`` dict the view puts in the context per contact id."""

    segment = serializers.SerializerMethodField()
    profile = serializers.SerializerMethodField()

    def _rfm(self, contact: Contact) -> dict:
        from leads.rfm import PurchaseSummary, segment_and_profile

        cached = self.context.get("rfm", {})
        if contact.pk not in cached:
            cached[contact.pk] = segment_and_profile(self.context.get("summaries", {}).get(contact.pk)
                                                     or PurchaseSummary())
            self.context["rfm"] = cached
        return cached[contact.pk]

    @extend_schema_field(SegmentSerializer(allow_null=True))
    def get_segment(self, contact: Contact) -> dict | None:
        return self._rfm(contact)["segment"]

    @extend_schema_field(OutreachProfileSerializer)
    def get_profile(self, contact: Contact) -> dict:
        return self._rfm(contact)["profile"]


class ContactListSerializer(_RFMFields, serializers.ModelSerializer):
    channels = serializers.ListField(child=serializers.CharField(), read_only=True)
    lead_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Contact
        fields = (
            "id", "name", "phone", "channels", "whatsapp_id", "instagram_id", "instagram_username", "email",
            "city", "zone", "customer_type", "tags", "lead_count", "last_seen_at", "created_at", "segment",
            "profile",
        )


class ContactSaleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    sale_type = serializers.CharField()
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    sold_at = serializers.DateTimeField()
    agent = serializers.CharField(source="agent.__str__", default=None)


class ContactQuoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    valid_until = serializers.DateField()
    created_at = serializers.DateTimeField()
    agent = serializers.CharField(source="agent.__str__", default=None)


class OutreachMessageSerializer(serializers.Serializer):
    profile = serializers.CharField()
    profile_name = serializers.CharField()
    message = serializers.CharField()
    whatsapp_url = serializers.CharField(allow_blank=True)
    source = serializers.CharField(help_text="ai or template")


class ContactDetailSerializer(_RFMFields, serializers.ModelSerializer):
    """The 360° profile: channels, the leads, sales and quotes the user may see, RFM segment, outreach profile."""

    channels = serializers.ListField(child=serializers.CharField(), read_only=True)
    leads = LeadOutputSerializer(source="visible_leads", many=True, read_only=True)
    sales = ContactSaleSerializer(source="visible_sales", many=True, read_only=True, default=list)
    quotes = ContactQuoteSerializer(source="visible_quotes", many=True, read_only=True, default=list)

    class Meta:
        model = Contact
        fields = (
            "id", "name", "phone", "extra_phones", "channels", "whatsapp_id", "instagram_id", "instagram_username",
            "email", "document_number", "city", "zone", "address", "customer_type", "tags", "marketing_consent",
            "consent_at", "last_seen_at", "created_at", "updated_at", "leads", "sales", "quotes", "segment",
            "profile",
        )


class ContactInputSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    extra_phones = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    whatsapp_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    instagram_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    instagram_username = serializers.CharField(required=False, allow_blank=True, max_length=64)
    email = serializers.EmailField(required=False, allow_blank=True)
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=20)
    city = serializers.CharField(required=False, allow_blank=True, max_length=80)
    zone = serializers.CharField(required=False, allow_blank=True, max_length=80)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    customer_type = serializers.ChoiceField(choices=CustomerType.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    marketing_consent = serializers.BooleanField(required=False)
