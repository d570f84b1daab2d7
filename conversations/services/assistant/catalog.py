"""The catalog as plain data for the AI library, and the items a customer's turn points at.

Operators' products become ``ai.types.CatalogItem``s (kept in this process until the catalog
changes: ``operators.selectors.CATALOG_KEY``); ``turn_hits`` finds the items a turn names (and, with a
budget below all of them, the other items of their kind it covers), and ``with_earlier_products`` narrows
"el de 256 negro" (or "tengo 90 soles") to the products of the turns before it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ai.budget import MAX_FITS, price_of, rank_fits
from ai.types import Analysis, CatalogItem, Intent
from conversations.models import Conversation, Message
from core.config_cache import config_cached
from core.text import tokens
from operators.models import Product
from operators.selectors import CATALOG_KEY


def _catalog_item(product: Product) -> CatalogItem:
    return CatalogItem(
        id=str(product.pk),
        name=product.name,
        price=product.final_price,
        currency=product.currency,
        stock=product.stock,
        category=product.category,
        operator=product.operator.slug if product.operator_id else "",
        wholesale_price=product.wholesale_price,
        attributes={
            k: v for k, v in {
                "capacity_gb": product.capacity_gb, "color": product.color, "speed_mbps": product.speed_mbps,
                "data_gb": int(product.data_gb) if product.data_gb is not None else None, "brand": product.brand,
                "list_price": str(product.price), "final_price": str(product.final_price),
            }.items() if v not in (None, "")
        },
    )


def _catalog_load() -> list[CatalogItem]:
    return [_catalog_item(p) for p in Product.objects.filter(is_active=True).select_related("operator")]


def active_catalog() -> list[CatalogItem]:
    """The whole active catalog as CatalogItems, kept in this process (core.config_cache) until a product or an
    operator changes: no query per message (the version aggregate it replaced scanned every product). Callers
    read it, never change it."""
    return config_cached(CATALOG_KEY, _catalog_load)


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\b(\d{2,4})\b", text)]


def with_earlier_products(analysis: Analysis, conversation: Conversation, before_id: int,
                          catalog: list[CatalogItem], text: str = "") -> Analysis:
    """"El de 256 negro", "lo quiero": no product named, so narrow the products of the last turns."""
    e = analysis.entities
    if e.products or e.service_type:
        return analysis
    follow_up = e.capacity_gb or e.color or e.budget or analysis.intent in (
        Intent.PRICE_QUERY, Intent.STOCK_QUERY, Intent.PURCHASE_INTENT, Intent.COMPARISON)
    if not follow_up:
        return analysis
    earlier = (
        conversation.messages.filter(pk__lt=before_id, direction=Message.Direction.IN)
        .order_by("-pk").values_list("ai_flags", flat=True)[:5]
    )
    by_id = {item.id: item for item in catalog}
    for flags in earlier:
        said = (flags or {}).get("entities", {})
        ids = [i for i in (said.get("products") or []) if i in by_id]
        if not ids and e.budget and said.get("service_type"):
            # "quiero internet" then "tengo 90 soles": the budget is for that kind of service
            ids = [i.id for i in catalog if i.category == said["service_type"]
                   and (not said.get("operator") or i.operator == said["operator"])
                   and (not said.get("speed_mbps") or i.attributes.get("speed_mbps") == said["speed_mbps"])]
        if not ids:
            continue
        items = [by_id[i] for i in ids]
        capacities = {i.attributes.get("capacity_gb") for i in items} - {None}
        capacity = e.capacity_gb or next((n for n in _numbers(text) if n in capacities), None)
        if capacity:
            items = [i for i in items if i.attributes.get("capacity_gb") == capacity] or items
        if e.color:
            items = [i for i in items if str(i.attributes.get("color", "")).lower() == e.color.lower()] or items
        return replace(analysis, entities=replace(e, products=tuple(i.id for i in items)),
                       notes=(*analysis.notes, "products from the previous turns"))
    return analysis


def turn_hits(analysis: Analysis, catalog: list[CatalogItem], text: str = "") -> list[CatalogItem]:
    """The catalog items a turn points at: the products it names, else the cheapest of its service type."""
    by_id = {item.id: item for item in catalog}
    hits = [by_id[i] for i in analysis.entities.products if i in by_id]
    budget = analysis.entities.budget
    if budget is not None and len(hits) > 12:  # "quiero internet" then a budget: the whole kind was named
        within = [h for h in hits if price_of(h) <= budget.amount]
        over = sorted((h for h in hits if price_of(h) > budget.amount), key=price_of)
        hits = rank_fits(hits, within)[:9] + over[:3]
    if hits:
        # the fits within a budget first: a list to choose from shows them before what the budget misses
        return [*_budget_alternatives(analysis, hits, catalog), *hits]
    e = analysis.entities
    if e.service_type:
        pool = [i for i in catalog if i.category == e.service_type and (not e.operator or i.operator == e.operator)]
        # "precio del cargador": prefer the items whose name holds one of the customer's words
        words = {w for w in tokens(text) if len(w) >= 4}
        pool = [i for i in pool if words & set(tokens(i.name))] or pool
        if e.speed_mbps:
            pool = [i for i in pool if i.attributes.get("speed_mbps") == e.speed_mbps] or pool
        if e.data_gb:
            pool = [i for i in pool if i.attributes.get("data_gb") == e.data_gb] or pool
        budget = e.budget
        within = [i for i in pool if budget is not None and price_of(i) <= budget.amount
                  and (not budget.currency or i.currency == budget.currency)]
        if within:  # "internet, tengo 90 soles": the most the budget buys
            return rank_fits(pool, within)[:5]
        return sorted(pool, key=lambda i: i.price)[:5]
    return []


def _budget_alternatives(analysis: Analysis, hits: list[CatalogItem], catalog: list[CatalogItem]
                         ) -> list[CatalogItem]:
    """A budget below every item named: the other items of their kind within it (``ai.budget`` picks)."""
    budget = analysis.entities.budget
    if budget is None or any(price_of(h) <= budget.amount for h in hits):
        return []
    named = {h.id for h in hits}
    categories = {h.category for h in hits}
    return rank_fits(hits, [i for i in catalog if i.id not in named and i.category in categories
                            and (not budget.currency or i.currency == budget.currency)
                            and price_of(i) <= budget.amount and (i.stock is None or i.stock > 0)])[:MAX_FITS]
