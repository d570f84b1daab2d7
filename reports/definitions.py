"""The built-in exports: leads, conversations, sales, quotes, payment agreements, calls (reports/calls.py),
quality audits (reports/quality.py) and tickets (reports/tickets.py).

Every value a column needs comes from the row's ``.values()`` (joins, annotations, subqueries), so an
export runs a constant number of queries whatever its size.

Conversation times (documented here because the model has no dedicated fields):
- first response = first agent or AI message after the customer's first message, minus that message;
- resolution = for resolved conversations, last message minus the customer's first message;
- quote value = sum of the totals of the conversation's quotes that were not rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Aggregate, CharField, OuterRef, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.policy import scope_queryset
from agreements.models import PaymentAgreement
from agreements.selectors import agreement_visible_queryset
from conversations.models import Conversation, Message, ProviderChoices
from conversations.selectors import conversation_visible_queryset
from leads.models import Classification, Lead, LeadStatus, SourceChannel
from leads.selectors import lead_visible_queryset
from reports.calls import call_definition, calls_per_agent_definition
from reports.exports import ExportColumn, ExportDefinition, ExportFilter, export_register
from reports.quality import audit_definition, audit_scores_definition
from reports.tickets import ticket_definition
from sales.models import Quote, Sale, SaleType
from sales.selectors import scope_by_agent


class GroupConcat(Aggregate):
    """``a, b, c`` of a text column (GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ', ')"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="STRING_AGG", **extra)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _choices(choices: Sequence[tuple[str, Any]]) -> Callable[[User | None], Sequence[tuple[str, Any]]]:
    return lambda user: choices


def _display(source: str, choices: Sequence[tuple[str, Any]]) -> Callable[[dict[str, Any]], Any]:
    labels = dict(choices)
    return lambda row: str(labels.get(row[source], row[source] or ""))


def _person(prefix: str) -> tuple[Callable[[dict[str, Any]], str], tuple[str, ...]]:
    fields = (f"{prefix}__first_name", f"{prefix}__last_name", f"{prefix}__username")

    def name(row: dict[str, Any]) -> str:
        full = f"{row[fields[0]] or ''} {row[fields[1]] or ''}".strip()
        return full or row[fields[2]] or ""

    return name, fields


def person_column(key: str, label: Any, prefix: str) -> ExportColumn:
    compute, needs = _person(prefix)
    return ExportColumn(key, label, compute=compute, needs=needs)


def _people(user: User | None) -> Sequence[tuple[str, str]]:
    """Agents and supervisors to filter by: those ``user`` may see (every one for ops)."""
    users = User.objects.filter(role__in=[Role.AGENT, Role.SUPERVISOR]).order_by("username")
    if user is not None:
        users = scope_queryset(users, user=user, agent_field="")
    return [(str(u.pk), str(u)) for u in users.only("pk", "username", "first_name", "last_name")]


def _minutes_between(start: str, end: str) -> Callable[[dict[str, Any]], float | None]:
    def minutes(row: dict[str, Any]) -> float | None:
        a: datetime | None = row.get(start)
        b: datetime | None = row.get(end)
        if a is None or b is None:
            return None
        return round((b - a).total_seconds() / 60, 1)

    return minutes


# ---------------------------------------------------------------------------------------------
# Leads
# ---------------------------------------------------------------------------------------------
# Every export lists what its app's selector lists for ``user`` (the one role policy, accounts.policy);
# ``user=None`` is ops (the export_report command): every row.
def _leads_queryset(user: User | None) -> QuerySet[Any]:
    return Lead.objects.all() if user is None else lead_visible_queryset(user=user)


def _lead_definition() -> ExportDefinition:
    return ExportDefinition(
        kind="leads",
        label=_("Leads"),
        queryset=_leads_queryset,
        date_field="created_at",
        columns=(
            ExportColumn("id", "ID", "pk"),
            ExportColumn("created_at", _("created at"), "created_at"),
            ExportColumn("contact", _("contact"), "contact__name"),
            ExportColumn("phone", _("phone"), "contact__phone"),
            ExportColumn("status", _("status"), compute=_display("status", LeadStatus.choices), needs=("status",)),
            ExportColumn("classification", _("class"), "classification"),
            ExportColumn("score", _("score"), "score"),
            ExportColumn("source", _("source channel"),
                         compute=_display("source", SourceChannel.choices), needs=("source",)),
            ExportColumn("operator", _("operator"), "operator__name"),
            ExportColumn("product_interest", _("product interest"), "product_interest"),
            ExportColumn("budget", _("budget"), "budget"),
            ExportColumn("currency", _("currency"), "currency", default=False),
            ExportColumn("zone", _("zone"), "zone"),
            person_column("assignee", _("assignee"), "assignee"),
            ExportColumn("lost_reason", _("reason lost"), "lost_reason", default=False),
            ExportColumn("closed_at", _("closed at"), "closed_at", default=False),
        ),
        filters=(
            ExportFilter("status", _("status"), "status", _choices(LeadStatus.choices)),
            ExportFilter("classification", _("class"), "classification", _choices(Classification.choices)),
            ExportFilter("source", _("source channel"), "source", _choices(SourceChannel.choices)),
            ExportFilter("assignee", _("assignee"), "assignee_id", _people),
        ),
    )


# ---------------------------------------------------------------------------------------------
# Conversations
# ---------------------------------------------------------------------------------------------
def _conversations_queryset(user: User | None) -> QuerySet[Any]:
    qs = Conversation.objects.all() if user is None else conversation_visible_queryset(user=user)
    first_in = (
        Message.objects.filter(conversation=OuterRef("pk"), direction=Message.Direction.IN)
        .order_by("created_at")
        .values("created_at")[:1]
    )
    first_reply = (
        Message.objects.filter(
            conversation=OuterRef("pk"),
            direction=Message.Direction.OUT,
            sender__in=[Message.Sender.AGENT, Message.Sender.AI],
            created_at__gte=OuterRef("first_in_at"),
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    tags = (
        Conversation.tags.through.objects.filter(conversation=OuterRef("pk"))
        .order_by()
        .values("conversation")
        .annotate(names=GroupConcat("tag__name"))
        .values("names")
    )
    qs = qs.annotate(first_in_at=Subquery(first_in)).annotate(
        first_reply_at=Subquery(first_reply), tag_names=Subquery(tags, output_field=CharField())
    )
    quotes = (
        Quote.objects.filter(conversation=OuterRef("pk"))
        .exclude(status="rejected")
        .order_by()
        .values("conversation")
        .annotate(value=Sum("total"))
        .values("value")
    )
    return qs.annotate(quote_value=Subquery(quotes))


def _quote_value(row: dict[str, Any]) -> Decimal | None:
    return row.get("quote_value")


def _resolution_minutes(row: dict[str, Any]) -> float | None:
    if row.get("status") != "resolved":
        return None
    return _minutes_between("first_in_at", "last_message_at")(row)


def _conversation_definition() -> ExportDefinition:
    return ExportDefinition(
        kind="conversations",
        label=_("Conversations"),
        queryset=_conversations_queryset,
        date_field="created_at",
        columns=(
            ExportColumn("id", "ID", "pk"),
            ExportColumn("created_at", _("created at"), "created_at"),
            ExportColumn("contact", _("contact"), "contact__name"),
            ExportColumn("phone", _("phone"), "contact__phone"),
            ExportColumn("channel", _("channel"), compute=_display("channel_account__provider",
                                                                  ProviderChoices.choices),
                         needs=("channel_account__provider",)),
            ExportColumn("status", _("status"),
                         compute=_display("status", Conversation.Status.choices), needs=("status",)),
            person_column("agent", _("agent"), "assignee"),
            ExportColumn("tags", _("tags"), "tag_names"),
            ExportColumn("first_response_minutes", _("first response (minutes)"),
                         compute=_minutes_between("first_in_at", "first_reply_at"),
                         needs=("first_in_at", "first_reply_at")),
            ExportColumn("resolution_minutes", _("resolution (minutes)"), compute=_resolution_minutes,
                         needs=("status", "first_in_at", "last_message_at")),
            ExportColumn("lead_score", _("lead score"), "lead__score"),
            ExportColumn("outcome", _("outcome"), compute=_display("lead__status", LeadStatus.choices),
                         needs=("lead__status",)),
            ExportColumn("quote_value", _("quote value"), compute=_quote_value,
                         needs=("quote_value",)),
            ExportColumn("last_message_at", _("last message"), "last_message_at", default=False),
        ),
        filters=(
            ExportFilter("status", _("status"), "status", _choices(Conversation.Status.choices)),
            ExportFilter("provider", _("channel"), "channel_account__provider", _choices(ProviderChoices.choices)),
            ExportFilter("assignee", _("agent"), "assignee_id", _people),
        ),
    )


# ---------------------------------------------------------------------------------------------
# Sales, quotes, agreements
# ---------------------------------------------------------------------------------------------
def _sales_queryset(user: User | None) -> QuerySet[Any]:
    return Sale.objects.all() if user is None else scope_by_agent(Sale.objects.all(), user)


def _quotes_queryset(user: User | None) -> QuerySet[Any]:
    return Quote.objects.all() if user is None else scope_by_agent(Quote.objects.all(), user)


def _agreements_queryset(user: User | None) -> QuerySet[Any]:
    return PaymentAgreement.objects.all() if user is None else agreement_visible_queryset(user=user)


def _sale_definition() -> ExportDefinition:
    return ExportDefinition(
        kind="sales",
        label=_("Sales"),
        queryset=_sales_queryset,
        date_field="sold_at",
        columns=(
            ExportColumn("number", _("number"), "number"),
            ExportColumn("sold_at", _("sold at"), "sold_at"),
            ExportColumn("contact", _("contact"), "contact__name"),
            ExportColumn("phone", _("phone"), "contact__phone"),
            person_column("agent", _("agent"), "agent"),
            ExportColumn("sale_type", _("sale type"),
                         compute=_display("sale_type", SaleType.choices), needs=("sale_type",)),
            ExportColumn("status", _("status"), compute=_display("status", Sale.Status.choices), needs=("status",)),
            ExportColumn("payment_method", _("payment method"),
                         compute=_display("payment_method", Sale.PaymentMethod.choices), needs=("payment_method",)),
            ExportColumn("installation_state", _("installation"),
                         compute=_display("installation_state", Sale.InstallationState.choices),
                         needs=("installation_state",)),
            ExportColumn("currency", _("currency"), "currency"),
            ExportColumn("total", _("total"), "total"),
            ExportColumn("quote", _("quote"), "quote__number", default=False),
            ExportColumn("validated_at", _("validated at"), "validated_at", default=False),
        ),
        filters=(
            ExportFilter("status", _("status"), "status", _choices(Sale.Status.choices)),
            ExportFilter("sale_type", _("sale type"), "sale_type", _choices(SaleType.choices)),
            ExportFilter("payment_method", _("payment method"), "payment_method",
                         _choices(Sale.PaymentMethod.choices)),
            ExportFilter("agent", _("agent"), "agent_id", _people),
        ),
    )


def _quote_definition() -> ExportDefinition:
    return ExportDefinition(
        kind="quotes",
        label=_("Quotes"),
        queryset=_quotes_queryset,
        date_field="created_at",
        columns=(
            ExportColumn("number", _("number"), "number"),
            ExportColumn("created_at", _("created at"), "created_at"),
            ExportColumn("contact", _("contact"), "contact__name"),
            ExportColumn("phone", _("phone"), "contact__phone"),
            person_column("agent", _("agent"), "agent"),
            ExportColumn("status", _("status"), compute=_display("status", Quote.Status.choices), needs=("status",)),
            ExportColumn("sale_type", _("sale type"),
                         compute=_display("sale_type", SaleType.choices), needs=("sale_type",), default=False),
            ExportColumn("currency", _("currency"), "currency"),
            ExportColumn("subtotal", _("subtotal"), "subtotal"),
            ExportColumn("discount_total", _("discount"), "discount_total"),
            ExportColumn("total", _("total"), "total"),
            ExportColumn("valid_until", _("valid until"), "valid_until"),
        ),
        filters=(
            ExportFilter("status", _("status"), "status", _choices(Quote.Status.choices)),
            ExportFilter("agent", _("agent"), "agent_id", _people),
        ),
    )


def _outstanding(row: dict[str, Any]) -> Decimal:
    return (row["agreed_total"] or Decimal("0")) - (row["paid_total"] or Decimal("0"))


def _agreement_definition() -> ExportDefinition:
    return ExportDefinition(
        kind="agreements",
        label=_("Payment agreements"),
        queryset=_agreements_queryset,
        date_field="created_at",
        columns=(
            ExportColumn("id", "ID", "pk"),
            ExportColumn("created_at", _("created at"), "created_at"),
            ExportColumn("contact", _("contact"), "debt__contact__name"),
            ExportColumn("phone", _("phone"), "debt__contact__phone"),
            ExportColumn("creditor", _("creditor"), "debt__operator__name"),
            ExportColumn("reference", _("reference"), "debt__reference"),
            person_column("agent", _("agent"), "agent"),
            ExportColumn("state", _("state"),
                         compute=_display("state", PaymentAgreement.State.choices), needs=("state",)),
            ExportColumn("currency", _("currency"), "debt__currency"),
            ExportColumn("base_amount", _("amount owed"), "base_amount"),
            ExportColumn("discount_percent", _("discount %"), "discount_percent"),
            ExportColumn("agreed_total", _("agreed total"), "agreed_total"),
            ExportColumn("paid_total", _("paid"), "paid_total"),
            ExportColumn("outstanding", _("outstanding"), compute=_outstanding, needs=("agreed_total", "paid_total")),
            ExportColumn("installments", _("instalments"), "number_of_installments"),
        ),
        filters=(
            ExportFilter("state", _("state"), "state", _choices(PaymentAgreement.State.choices)),
            ExportFilter("agent", _("agent"), "agent_id", _people),
        ),
    )


export_register(_lead_definition())
export_register(_conversation_definition())
export_register(_sale_definition())
export_register(_quote_definition())
export_register(_agreement_definition())
export_register(call_definition(_people))
export_register(calls_per_agent_definition(_people))
export_register(audit_definition(_people))
export_register(audit_scores_definition(_people))
export_register(ticket_definition(_people))
