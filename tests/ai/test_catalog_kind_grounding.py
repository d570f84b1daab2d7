"""Grounding picks the kind of thing asked for: "cargador para iphone" is a charger, not an iPhone."""

from decimal import Decimal

import pytest

from ai.local import analyze
from ai.types import CatalogItem


def _item(sku: str, name: str, price: int, category: str, **attributes) -> CatalogItem:
    return CatalogItem(sku, name, Decimal(price), "PEN", 5, category, attributes=attributes)


CATALOG = [
    *(_item(f"IP15-{gb}", f"iPhone 15 {gb} GB Negro", 3799 + gb, "device", capacity_gb=gb, color="Negro")
      for gb in (128, 256)),
    _item("IP15P-256", "iPhone 15 Pro 256 GB Titanio Negro", 5599, "device", capacity_gb=256),
    _item("A55-128", "Samsung Galaxy A55 128 GB", 1499, "device", capacity_gb=128),
    _item("CARG-20", "Cargador USB-C 20W", 89, "accessory"),
    _item("CARG-45", "Cargador Súper Rápido 45W", 129, "accessory"),
    _item("CASE-IP15", "Case de silicona iPhone 15", 59, "accessory"),
    _item("CASE-IP15P", "Case de silicona iPhone 15 Pro", 59, "accessory"),
    _item("MICA-IP15", "Protector de pantalla iPhone 15", 29, "accessory"),
    _item("MICA-IP15P", "Mica de vidrio templado iPhone 15 Pro", 39, "accessory"),
    _item("CABLE-USBC", "Cable USB-C a USB-C 1 m", 39, "accessory"),
    CatalogItem("TV-CLARO", "TV Cable Digital Claro", Decimal(59), "PEN", None, "tv", "claro"),
]


def products(text: str) -> list[str]:
    return list(analyze(text, catalog=CATALOG).entities.products)


@pytest.mark.parametrize(("text", "expected"), [
    ("cuánto cuesta el cargador para iphone?", ["CARG-20", "CARG-45"]),  # every wattage offered
    ("tienen cargador para iphone 15?", ["CARG-20", "CARG-45"]),
    ("cargador de 45w", ["CARG-45"]),
    ("case para samsung", ["CASE-IP15", "CASE-IP15P"]),  # no Samsung case: the cases, not a Samsung phone
    ("funda para iphone 15 pro", ["CASE-IP15P"]),  # the model words rank within the kind
    ("mica para el 15 pro", ["MICA-IP15P"]),
    ("protector de pantalla iphone 15", ["MICA-IP15"]),
    ("cuánto el cable para iphone", ["CABLE-USBC"]),
    ("cuanto cuesta el cable de claro", ["TV-CLARO"]),  # a TV service, not a USB cable
])
def test_the_kind_asked_for_outranks_the_brand_or_model_word(text, expected):
    assert sorted(products(text)) == sorted(expected)


@pytest.mark.parametrize("text", ["cuánto cuesta el iphone 15?", "el iphone 15 viene con cargador?",
                                  "tienen algo para iphone 15"])
def test_a_phone_question_is_not_answered_with_an_accessory_of_that_phone(text):
    found = products(text)
    assert found and all(pid.startswith("IP15") for pid in found)
