"""The analytics endpoints' query parameters and answers, for the OpenAPI schema (names start with Analytics)."""

from __future__ import annotations

from rest_framework import serializers


class AnalyticsParamsSerializer(serializers.Serializer):
    """Query parameters shared by every analytics endpoint (checked by ``dashboard.analytics.filters_from_params``)."""

    # ``from`` is a Python keyword: the field is declared under its wire name below.
    to = serializers.DateField(required=False, help_text="Last local day, included (YYYY-MM-DD). Default: today.")
    team = serializers.IntegerField(required=False, help_text="A team id the user may see.")
    agent = serializers.IntegerField(required=False, help_text="A person's id the user may see.")
    channel = serializers.ChoiceField(choices=["whatsapp", "instagram"], required=False)
    operator = serializers.IntegerField(required=False, help_text="An operator id.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False, help_text="First local day, included (YYYY-MM-DD). Default: 29 days before `to`.")
        return fields


class AnalyticsFiltersSerializer(serializers.Serializer):
    to = serializers.DateField()
    team = serializers.IntegerField(allow_null=True)
    agent = serializers.IntegerField(allow_null=True)
    channel = serializers.CharField()
    operator = serializers.IntegerField(allow_null=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        return fields


class AnalyticsDurationSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True, help_text="Minutes.")
    p90 = serializers.FloatField(allow_null=True, help_text="Minutes.")


class AnalyticsConversationTotalsSerializer(serializers.Serializer):
    conversations = serializers.IntegerField(help_text="Created in the range.")
    whatsapp = serializers.IntegerField()
    instagram = serializers.IntegerField()
    resolved = serializers.IntegerField(help_text="Resolved in the range.")
    ai_resolved = serializers.IntegerField(help_text="Resolved in the range with no person writing in them.")
    ai_resolved_share = serializers.FloatField(allow_null=True, help_text="Percent of the resolved.")
    escalated = serializers.IntegerField(help_text="Handed to a person in the range.")


class AnalyticsEscalationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    conversations = serializers.IntegerField()


class AnalyticsMessagesSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    ai = serializers.IntegerField()
    agent = serializers.IntegerField()
    system = serializers.IntegerField()


class AnalyticsTicketPrioritySerializer(serializers.Serializer):
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    open = serializers.IntegerField()


class AnalyticsTicketsSerializer(serializers.Serializer):
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    open = serializers.IntegerField(help_text="SLA outcome not known yet.")
    compliance = serializers.FloatField(allow_null=True, help_text="Percent met of the known.")
    by_priority = serializers.DictField(child=AnalyticsTicketPrioritySerializer())


class AnalyticsCsatSerializer(serializers.Serializer):
    answered = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    distribution = serializers.DictField(child=serializers.IntegerField(), help_text="Answers per mark 1-5.")


class AnalyticsSpendMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    spend_usd = serializers.FloatField()


class AnalyticsAiSpendSerializer(serializers.Serializer):
    spend_usd = serializers.FloatField()
    monthly_budget_usd = serializers.FloatField(allow_null=True)
    by_month = AnalyticsSpendMonthSerializer(many=True)


class AnalyticsConversationsSerializer(serializers.Serializer):
    filters = AnalyticsFiltersSerializer()
    totals = AnalyticsConversationTotalsSerializer()
    escalation_reasons = AnalyticsEscalationReasonSerializer(many=True)
    first_response = AnalyticsDurationSerializer()
    resolution = AnalyticsDurationSerializer()
    messages = AnalyticsMessagesSerializer()
    peak_hours = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="Customers' messages: 7 rows (Monday first) of 24 hours (local time).")
    tickets = AnalyticsTicketsSerializer()
    csat = AnalyticsCsatSerializer()
    ai_spend = AnalyticsAiSpendSerializer()


class AnalyticsFunnelSerializer(serializers.Serializer):
    leads = serializers.IntegerField()
    quoted = serializers.IntegerField()
    sold = serializers.IntegerField()
    quote_rate = serializers.FloatField(allow_null=True)
    sale_rate = serializers.FloatField(allow_null=True)


class AnalyticsTopItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    asked = serializers.IntegerField()
    sold = serializers.IntegerField()


class AnalyticsLeadsSerializer(serializers.Serializer):
    filters = AnalyticsFiltersSerializer()
    total = serializers.IntegerField()
    by_temperature = serializers.DictField(child=serializers.IntegerField())
    by_stage = serializers.DictField(child=serializers.IntegerField())
    funnel = AnalyticsFunnelSerializer()
    top_products = AnalyticsTopItemSerializer(many=True)
    top_operators = AnalyticsTopItemSerializer(many=True)


class AnalyticsAgentRowSerializer(serializers.Serializer):
    agent_id = serializers.IntegerField()
    agent = serializers.CharField()
    leads = serializers.IntegerField()
    conversations = serializers.IntegerField()
    sales = serializers.IntegerField()
    revenue = serializers.FloatField()
    commissions = serializers.FloatField()
    quality_score = serializers.FloatField(allow_null=True)
    calls = serializers.IntegerField()
    csat = serializers.FloatField(allow_null=True)
    csat_answers = serializers.IntegerField()


class AnalyticsAgentsSerializer(serializers.Serializer):
    filters = AnalyticsFiltersSerializer()
    agents = AnalyticsAgentRowSerializer(many=True)


class AnalyticsSalesDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    sales = serializers.IntegerField()
    revenue = serializers.FloatField()
    commissions = serializers.FloatField()


class AnalyticsSaleTypeSerializer(serializers.Serializer):
    sale_type = serializers.CharField()
    sales = serializers.IntegerField()
    revenue = serializers.FloatField()


class AnalyticsInstallationSerializer(serializers.Serializer):
    state = serializers.CharField()
    sales = serializers.IntegerField()


class AnalyticsCollectionDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    promised = serializers.FloatField()
    paid = serializers.FloatField()


class AnalyticsCollectionsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    promised = serializers.FloatField()
    paid = serializers.FloatField()
    recovery = serializers.FloatField(allow_null=True)
    by_day = AnalyticsCollectionDaySerializer(many=True)


class AnalyticsSalesSerializer(serializers.Serializer):
    filters = AnalyticsFiltersSerializer()
    currency = serializers.CharField()
    sales = serializers.IntegerField(help_text="Validated sales sold in the range.")
    revenue = serializers.FloatField()
    commissions = serializers.FloatField()
    by_day = AnalyticsSalesDaySerializer(many=True)
    by_type = AnalyticsSaleTypeSerializer(many=True)
    installation_states = AnalyticsInstallationSerializer(many=True)
    collections = AnalyticsCollectionsSerializer()
