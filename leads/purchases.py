"""What leads needs to know of purchases, answered by a higher app (sales) that registers at start-up.

leads sits below sales (shared/DESIGN.md) and never imports it. RFM, outreach and the pipeline's totals
ask :func:`purchases` instead; ``SalesConfig.ready`` registers sales' selectors with
:func:`purchase_source_register`. Without sales installed the answers are empty: no purchases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import QuerySet


@dataclass(frozen=True)
class PurchaseRow:
    """One contact's validated sales, aggregated."""

    contact_id: int
    count: int
    total: Decimal
    first_at: datetime | None
    last_at: datetime | None
    recent_count: int  # sold on or after ``recent_from``
    middle_count: int  # before ``recent_from``, on or after ``dormant_from``
    old_count: int  # before ``dormant_from``


class PurchaseSource(Protocol):
    def purchase_rows(
        self, contact_ids: list[int] | QuerySet[Any], *, recent_from: datetime, dormant_from: datetime
    ) -> list[PurchaseRow]: ...

    def favourite_categories(self, contact_id: int, *, limit: int = 2) -> tuple[str, ...]: ...

    def last_purchase_description(self, contact_id: int) -> str: ...

    def pending_quote_totals_by_lead_status(self, leads: QuerySet[Any]) -> dict[str, Decimal]: ...

    def contact_sales_and_quotes(self, *, user: Any, contact_id: int, limit: int) -> tuple[list[Any], list[Any]]: ...


class NoPurchases:
    """The answers when no app sells (sales not installed)."""

    def purchase_rows(
        self, contact_ids: list[int] | QuerySet[Any], *, recent_from: datetime, dormant_from: datetime
    ) -> list[PurchaseRow]:
        return []

    def favourite_categories(self, contact_id: int, *, limit: int = 2) -> tuple[str, ...]:
        return ()

    def last_purchase_description(self, contact_id: int) -> str:
        return ""

    def pending_quote_totals_by_lead_status(self, leads: QuerySet[Any]) -> dict[str, Decimal]:
        return {}

    def contact_sales_and_quotes(self, *, user: Any, contact_id: int, limit: int) -> tuple[list[Any], list[Any]]:
        return [], []


_source: PurchaseSource = NoPurchases()


def purchase_source_register(source: PurchaseSource) -> None:
    """Called once from the selling app's ``AppConfig.ready``."""
    global _source
    _source = source


def purchases() -> PurchaseSource:
    return _source
