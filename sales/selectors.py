"""Reads of quotes, sales and commissions, scoped by role (CONTRACT section 6).

Agents see their own; supervisors their team's; back office and admins everything. A record the
user may not see is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from django.db.models import Count, Model, Prefetch, QuerySet, Sum
from django.http import Http404

from accounts.models import User
from accounts.policy import scope_queryset
from sales.models import Commission, Quote, QuoteLine, Sale, SaleLine

M = TypeVar("M", bound=Model)


def scope_by_agent(qs: QuerySet[M], user: User) -> QuerySet[M]:
    """Quotes, sales and commissions (or anything with an ``agent``) ``user`` may see, by the one role
    policy: a sale always has its agent, so there is no unassigned queue."""
    return scope_queryset(qs, user=user, agent_field="agent")


@dataclass(frozen=True)
class QuoteFilters:
    status: str = ""
    contact: int | None = None
    conversation: int | None = None


def quote_list(*, user: User, filters: QuoteFilters | None = None) -> QuerySet[Quote]:
    filters = filters or QuoteFilters()
    qs = scope_by_agent(Quote.objects.all(), user).select_related("contact", "agent", "lead", "conversation", "sale")
    qs = qs.prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.select_related("product")))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.contact:
        qs = qs.filter(contact_id=filters.contact)
    if filters.conversation:
        qs = qs.filter(conversation_id=filters.conversation)
    return qs.order_by("-created_at", "-pk")


def quote_get_for_user(*, user: User, quote_id: int) -> Quote:
    try:
        return quote_list(user=user).get(pk=quote_id)
    except Quote.DoesNotExist as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class SaleFilters:
    status: str = ""
    contact: int | None = None
    agent: int | None = None


def sale_list(*, user: User, filters: SaleFilters | None = None) -> QuerySet[Sale]:
    filters = filters or SaleFilters()
    qs = scope_by_agent(Sale.objects.all(), user).select_related(
        "contact", "agent", "lead", "conversation", "quote", "validated_by"
    )
    qs = qs.prefetch_related(Prefetch("lines", queryset=SaleLine.objects.select_related("product")))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.contact:
        qs = qs.filter(contact_id=filters.contact)
    if filters.agent:
        qs = qs.filter(agent_id=filters.agent)
    return qs.order_by("-sold_at", "-pk")


def sale_get_for_user(*, user: User, sale_id: int) -> Sale:
    try:
        return sale_list(user=user).get(pk=sale_id)
    except Sale.DoesNotExist as exc:
        raise Http404 from exc


def commission_list(*, user: User, month: date | None = None) -> QuerySet[Commission]:
    qs = scope_by_agent(Commission.objects.all(), user).select_related("agent", "sale", "rule", "line")
    if month is not None:
        qs = qs.filter(month=month)
    return qs.order_by("-month", "agent__username", "-pk")


@dataclass(frozen=True)
class MonthlyTotal:
    month: date
    agent_id: int
    agent_name: str
    currency: str
    amount: Decimal
    sales: int


def commission_monthly_totals(*, user: User, months: int = 6) -> list[MonthlyTotal]:
    """Commission per agent and month (newest first), for the agents ``user`` may see."""
    rows = (
        scope_by_agent(Commission.objects.all(), user)
        .values("month", "agent_id", "agent__username", "agent__first_name", "agent__last_name", "currency")
        .annotate(total=Sum("amount"), sales=Count("sale", distinct=True))
        .order_by("-month", "agent__username")
    )
    result = []
    kept_months: list[date] = []
    for row in rows:
        if row["month"] not in kept_months:
            if len(kept_months) == months:
                break
            kept_months.append(row["month"])
        name = f"{row['agent__first_name']} {row['agent__last_name']}".strip() or row["agent__username"]
        total = (row["total"] or Decimal("0")).quantize(Decimal("0.01"))
        result.append(MonthlyTotal(month=row["month"], agent_id=row["agent_id"], agent_name=name,
                                   currency=row["currency"], amount=total, sales=row["sales"] or 0))
    return result
