"""``{% load money %}`` then ``{{ sale.total|money:sale.currency }}`` or ``{{ column.value|money }}``.

The one way a page writes an amount (``core.money.format_money``): the currency's symbol and its
country's separators, "S/ 4,000.00", never Django's number localisation of the UI language.
"""

from __future__ import annotations

from typing import Any

from django import template

from core.money import format_money_or_empty

register = template.Library()


@register.filter(name="money")
def money(amount: Any, currency: str | None = None) -> str:
    """``amount`` in ``currency`` (the business currency when left out); "" for no amount."""
    return format_money_or_empty(amount, currency or None)
