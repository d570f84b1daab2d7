"""Selling to the budget: which of the items a customer asked for their budget covers, and if none, the
closest fits (a lower speed or capacity, another operator, a promotion) and how much is missing.

Pure functions of plain data. ``matched`` are the items the customer named; ``others`` the rest of the
turn's hits (the same kind of item, in stock, within the budget: ``conversations`` puts them there).
An item's price is its final price (a promotion's) when it has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ai.grounding import as_decimal
from ai.types import Analysis, CatalogItem, Money
from core.money import format_money

MAX_FITS = 3
MAX_LISTED = 5
_VALUE_KEYS = ("speed_mbps", "data_gb", "capacity_gb")


def price_of(item: CatalogItem) -> Decimal:
    final = as_decimal(item.attributes.get("final_price")) if item.attributes else None
    return final if final is not None else item.price


def _in_stock(item: CatalogItem) -> bool:
    return item.stock is None or item.stock > 0


def _same_currency(item: CatalogItem, budget: Money) -> bool:
    return not budget.currency or not item.currency or item.currency.upper() == budget.currency.upper()


def _value(item: CatalogItem) -> int:
    for key in _VALUE_KEYS:
        value = item.attributes.get(key) if item.attributes else None
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return int(value)
    return 0


@dataclass(frozen=True)
class BudgetFit:
    budget: Money
    within: tuple[CatalogItem, ...]  # the items asked for that the budget covers, the most value first
    closest: tuple[CatalogItem, ...]  # when none: other items within the budget, the best fit first
    cheapest_over: CatalogItem | None  # when none: the cheapest item asked for

    @property
    def missing(self) -> Decimal | None:
        """How much the budget lacks for the cheapest item asked for (None when one fits)."""
        if self.within or self.cheapest_over is None:
            return None
        return price_of(self.cheapest_over) - self.budget.amount


def fit_to_budget(matched: Sequence[CatalogItem], others: Sequence[CatalogItem], budget: Money) -> BudgetFit | None:
    """The budget against the items asked for; ``None`` when nothing in stock in its currency was asked for."""
    asked = [i for i in matched if _in_stock(i) and _same_currency(i, budget)]
    if not asked or budget.amount <= 0:
        return None
    # The most the budget buys first (speed, data, capacity), the cheapest of equal value first.
    within = sorted((i for i in asked if price_of(i) <= budget.amount), key=lambda i: (-_value(i), price_of(i)))
    if within:
        return BudgetFit(budget, tuple(within), (), None)
    asked_ids = {i.id for i in asked}
    categories = {i.category for i in asked}
    candidates = [i for i in others if i.id not in asked_ids and _in_stock(i) and _same_currency(i, budget)
                  and i.category in categories and price_of(i) <= budget.amount]
    closest = rank_fits(asked, candidates)
    return BudgetFit(budget, (), tuple(closest[:MAX_FITS]), min(asked, key=price_of))


def rank_fits(asked: Sequence[CatalogItem], candidates: Sequence[CatalogItem]) -> list[CatalogItem]:
    """``candidates`` the best fit first: the most value (speed, data, capacity), the operator of the items
    asked for before another, then the price closest to the budget (the highest)."""
    operators = {i.operator for i in asked if i.operator}
    return sorted(candidates, key=lambda i: (-_value(i), i.operator not in operators, -price_of(i)))


def _line(item: CatalogItem) -> str:
    price = price_of(item)
    text = format_money(price, item.currency)
    if price != item.price:
        return f"• {item.name}: {text} (antes {format_money(item.price, item.currency)})"
    list_price = as_decimal(item.attributes.get("list_price")) if item.attributes else None
    if list_price is not None and list_price > price:
        return f"• {item.name}: {text} (en promoción, antes {format_money(list_price, item.currency)})"
    return f"• {item.name}: {text}"


def budget_answer(fit: BudgetFit, *, name: str | None = None) -> str:
    """The reply to a budget: the quote when something fits, else the closest fits and the difference."""
    currency = fit.budget.currency or (fit.within or fit.closest or (fit.cheapest_over,))[0].currency
    budget = format_money(fit.budget.amount, currency)
    who = f", {name}" if name else ""
    if len(fit.within) == 1:
        item = fit.within[0]
        return (f"¡Perfecto{who}! 🎉 Con {budget} te alcanza para {item.name}, a "
                f"{format_money(price_of(item), item.currency)}. ¿Te preparo la cotización?")
    if fit.within:
        lines = [_line(i) for i in fit.within[:MAX_LISTED]]
        return "\n".join([f"¡Buenas noticias{who}! 🎉 Con {budget} te alcanza para:", *lines,
                          "¿Cuál prefieres? Te preparo la cotización 😊"])
    over = fit.cheapest_over
    if over is None:  # not built by fit_to_budget: nothing asked for
        return ""
    missing = fit.missing or Decimal(0)
    head = (f"Con {budget} no llegamos a {over.name}, que está a {format_money(price_of(over), over.currency)} "
            f"(te faltan {format_money(missing, over.currency)}) 😕.")
    if not fit.closest:
        return f"{head} ¿Te gustaría estirar un poco el presupuesto? Te preparo la cotización."
    lines = [_line(i) for i in fit.closest]
    return "\n".join([f"{head} Pero por {budget} o menos tengo:", *lines,
                      "¿Te preparo la cotización de alguno? 😊"])


def budget_reply(analysis: Analysis, hits: Sequence[CatalogItem], *, name: str | None = None) -> str:
    """The turn gives a budget for the products it (or the turns before it) named: the answer to it, else ""."""
    budget = analysis.entities.budget
    # the products named, else (a kind of service named: "internet, tengo 90 soles") the items found for it
    named = set(analysis.entities.products) or ({h.id for h in hits} if analysis.entities.service_type else set())
    if budget is None or not named:
        return ""
    matched = [h for h in hits if h.id in named]
    fit = fit_to_budget(matched, [h for h in hits if h.id not in named], budget)
    return budget_answer(fit, name=name) if fit is not None else ""
