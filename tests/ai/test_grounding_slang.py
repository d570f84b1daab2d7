"""The price guard reads slang multipliers the way the budget reader does: a million "palos", thousands "lucas"."""

from decimal import Decimal

import pytest

from ai.grounding import prices_in_text, reply_is_grounded
from ai.types import CatalogItem


@pytest.mark.parametrize(("text", "amounts"), [
    ("te sale en 1,8 palos", ["1800000"]),
    ("cuesta 1.5 millones", ["1500000"]),
    ("20 lucas", ["20000"]),
])
def test_slang_amounts_are_read_at_their_size(text, amounts):
    assert prices_in_text(text) == [Decimal(a) for a in amounts]


def test_lucas_are_thousands_of_argentine_pesos_too():
    phone = CatalogItem("1", "Moto G84", Decimal("450000"), "ARS", 3, "device")
    assert reply_is_grounded("El Moto G84 te sale 450 lucas", [phone])
    assert not reply_is_grounded("El Moto G84 te sale 400 lucas", [phone])
