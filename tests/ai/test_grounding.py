"""The price-grounding guard: which numbers are prices, and whether a reply states only catalog prices."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ai import replies
from ai.grounding import parse_amount, prices_in_text, reply_is_grounded, ungrounded_prices
from ai.types import CatalogItem

IPHONE = CatalogItem(id="1", name="iPhone 15 128 GB", price=D("3799.00"), currency="PEN", stock=4,
                     wholesale_price=D("3550.00"))
PLAN = CatalogItem(id="2", name="Plan Max 79.90", price=D("69.90"), currency="PEN", stock=None,
                   attributes={"final_price": "59.90"})
CABLE = CatalogItem(id="3", name="Cable USB-C", price=D("12990"), currency="CLP", stock=10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("S/ 89", ["89"]),
        ("S/.89.90", ["89.90"]),
        ("s/89", ["89"]),
        ("89 soles", ["89"]),
        ("$1.299", ["1299"]),
        ("USD 300", ["300"]),
        ("US$ 899", ["899"]),
        ("300 dólares", ["300"]),
        ("1,299.00", ["1299.00"]),
        ("$ 1.299,50 c/u", ["1299.50"]),
        ("3 799", ["3799"]),
        ("3.799", ["3799"]),
        ("S/ 1 299 000", ["1299000"]),
        ("20 lucas", ["20000"]),
        ("20 mil pesos", ["20000"]),
        ("89.90 mensuales", ["89.90"]),
        ("cuesta 1999", ["1999"]),
        ("te lo dejo a 899", ["899"]),
        ("el precio es de 450", ["450"]),
        ("3 cuotas de 99", ["99"]),
        ("El precio del iPhone 15 es S/ 3,499.00", ["3499.00"]),
    ],
)
def test_prices_in_text_reads_how_prices_are_written_in_spanish_chats(text, expected):
    assert prices_in_text(text) == [D(e) for e in expected]


@pytest.mark.parametrize(
    "text",
    [
        "iPhone 15 de 256 GB",
        "Samsung A15 128GB 4G",
        "Plan de 200 Mbps con 20 GB y 1000 minutos",
        "20% de descuento",
        "llévate 2 equipos",
        "más de 1.000 clientes",
        "llámame al 987 654 321 o al +51 987654321",
        "mi DNI es 12345678",
        "modelo del 2024",
        "te llega en 2 o 3 días",
        "a las 10:30 am",
        "el 12/05/2025",
        "está a 3 cuadras",
        "pantalla de 6.1 pulgadas",
        "garantía de 12 meses",
    ],
)
def test_prices_in_text_ignores_numbers_that_are_not_prices(text):
    assert prices_in_text(text) == []


def test_prices_in_text_keeps_the_price_when_a_speed_follows_it_with_space_grouping():
    assert prices_in_text("iPhone 15 256 GB a S/ 3 799") == [D("3799")]
    assert prices_in_text("S/ 49 200 Mbps") == [D("49")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1.299", "1299"), ("1,299.00", "1299.00"), ("89,90", "89.90"), ("1.299,50", "1299.50"), ("3 799", "3799"),
     ("1.299.000", "1299000"), ("89.9", "89.9")],
)
def test_parse_amount_tells_thousands_from_decimals(raw, expected):
    assert parse_amount(raw) == D(expected)


def test_reply_is_grounded_when_it_states_only_catalog_prices():
    text = "¡Hola Ana! El iPhone 15 está a S/ 3,799.00 y por mayor a S/ 3,550.00 😊"
    assert reply_is_grounded(text, [IPHONE])


def test_reply_is_grounded_accepts_the_final_price_after_discount():
    assert reply_is_grounded("Antes S/ 69.90, ahora solo S/ 59.90 🎉", [PLAN])


def test_reply_is_not_grounded_when_it_invents_a_price():
    assert not reply_is_grounded("El iPhone 15 está a S/ 3,499.00", [IPHONE])
    assert ungrounded_prices("Está a S/ 3,799 o en 12 cuotas de S/ 316.58", [IPHONE]) == [D("316.58")]


def test_reply_is_not_grounded_when_it_states_any_price_without_catalog_hits():
    assert not reply_is_grounded("Ese modelo está a 89 soles", [])
    assert reply_is_grounded("No tengo ese modelo, ¿te muestro otros? 😊", [])


def test_reply_is_grounded_within_tolerance_only():
    assert reply_is_grounded("S/ 3799", [IPHONE])
    assert not reply_is_grounded("S/ 3800", [IPHONE])
    assert reply_is_grounded("S/ 3800", [IPHONE], tolerance=D("1"))


def test_reply_is_not_grounded_when_the_currency_contradicts_the_catalog():
    assert not reply_is_grounded("Está a US$ 3,799.00", [IPHONE])
    assert reply_is_grounded("Está a 12.990 pesos", [CABLE])


def test_reply_is_grounded_ignores_numbers_inside_catalog_product_names():
    assert reply_is_grounded("El Plan Max 79.90 te queda en S/ 59.90 con 200 Mbps", [PLAN])


def test_every_templated_price_reads_back_as_a_catalog_price():
    items = [IPHONE, PLAN, CABLE,
             CatalogItem(id="4", name="Moto G", price=D("1299.50"), currency="ARS", stock=1),
             CatalogItem(id="5", name="Galaxy A15", price=D("4599"), currency="MXN", stock=1),
             CatalogItem(id="6", name="Audífonos", price=D("189000"), currency="COP", stock=1),
             CatalogItem(id="7", name="Router", price=D("120"), currency="USD", stock=1)]
    for text in [replies.product_list(items), replies.product_list(items, wholesale=True),
                 *(replies.price_answer(item) for item in items)]:
        assert prices_in_text(text), text
        assert reply_is_grounded(text, items), text
