"""Sales' answers to leads' questions about purchases (``leads.purchases``), registered in ``SalesConfig.ready``.

Reads only: validated sales make the purchase history, pending quotes the pipeline's open amounts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet, Sum

from accounts.policy import scope_queryset
from leads.purchases import PurchaseRow
from sales.models import Quote, Sale, SaleLine


class SalesPurchases:
    def purchase_rows(
        self, contact_ids: list[int] | QuerySet[Any], *, recent_from: datetime, dormant_from: datetime
    ) -> list[PurchaseRow]:
        """One row per contact among ``contact_ids`` (ids, or a query of them) with validated sales."""
        rows = (
            Sale.objects.filter(status=Sale.Status.VALIDATED, contact_id__in=contact_ids)
            .order_by()
            .values("contact_id")
            .annotate(
                n=Count("pk"),
                total=Sum("total"),
                first_at=Min("sold_at"),
                last_at=Max("sold_at"),
                recent=Count("pk", filter=Q(sold_at__gte=recent_from)),
                middle=Count("pk", filter=Q(sold_at__lt=recent_from, sold_at__gte=dormant_from)),
                old=Count("pk", filter=Q(sold_at__lt=dormant_from)),
            )
        )
        return [
            PurchaseRow(contact_id=row["contact_id"], count=row["n"], total=row["total"] or Decimal("0"),
                        first_at=row["first_at"], last_at=row["last_at"], recent_count=row["recent"],
                        middle_count=row["middle"], old_count=row["old"])
            for row in rows
        ]

    def _validated_lines(self, contact_id: int) -> QuerySet[SaleLine]:
        return SaleLine.objects.filter(sale__contact_id=contact_id, sale__status=Sale.Status.VALIDATED)

    def favourite_categories(self, contact_id: int, *, limit: int = 2) -> tuple[str, ...]:
        return tuple(
            row["product__category"]
            for row in self._validated_lines(contact_id).exclude(product__isnull=True)
            .values("product__category")
            .annotate(n=Count("pk"))
            .order_by("-n", "product__category")[:limit]
        )

    def last_purchase_description(self, contact_id: int) -> str:
        last = (self._validated_lines(contact_id).order_by("-sale__sold_at", "-sale_id", "pk")
                .values_list("description", flat=True).first())
        return last or ""

    def pending_quote_totals_by_lead_status(self, leads: QuerySet[Any]) -> dict[str, Decimal]:
        rows = (
            Quote.objects.filter(status=Quote.Status.PENDING, lead__in=leads.order_by().values("pk"))
            .values("lead__status")
            .annotate(total=Sum("total"))
            .order_by()
        )
        return {row["lead__status"]: row["total"] or Decimal("0") for row in rows}

    def contact_sales_and_quotes(self, *, user: Any, contact_id: int, limit: int) -> tuple[list[Any], list[Any]]:
        """The contact's latest sales and quotes that ``user`` may see (the role policy, by agent)."""
        sales = scope_queryset(Sale.objects.filter(contact_id=contact_id), user=user, agent_field="agent")
        quotes = scope_queryset(Quote.objects.filter(contact_id=contact_id), user=user, agent_field="agent")
        return (list(sales.select_related("agent").order_by("-sold_at", "-pk")[:limit]),
                list(quotes.select_related("agent").order_by("-created_at", "-pk")[:limit]))
