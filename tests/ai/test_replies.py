"""Templated Spanish replies: names, currencies, stock, wholesale, and what to ask next."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ai import replies
from ai.types import CatalogItem


def item(name="iPhone 15 128 GB", price="3799", currency="PEN", stock=5, **kwargs) -> CatalogItem:
    return CatalogItem(id=name, name=name, price=D(price), currency=currency, stock=stock, **kwargs)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("89", "PEN", "S/ 89.00"),
        ("1299.5", "PEN", "S/ 1,299.50"),
        ("300", "USD", "US$ 300.00"),
        ("12990", "CLP", "$12.990"),
        ("189000", "COP", "$189.000"),
        ("1299.5", "ARS", "$1.299,50"),
        ("4599", "MXN", "$4,599.00"),
        ("10", "XYZ", "XYZ 10.00"),
    ],
)
def test_format_money_writes_each_currency_as_customers_read_it(amount, currency, expected):
    assert replies.format_money(D(amount), currency) == expected


def test_greeting_uses_the_first_name_and_discloses_the_assistant_when_asked():
    text = replies.greeting("maría pérez", disclose_assistant=True)
    assert text.startswith("¡Hola, María!")
    assert replies.virtual_assistant_disclosure() in text
    assert replies.greeting(None, disclose_assistant=False) == "¡Hola! 👋 ¿En qué te puedo ayudar hoy?"


def test_virtual_assistant_disclosure_is_a_prefix():
    prefix = replies.virtual_assistant_disclosure()
    assert "asistente virtual" in prefix
    assert prefix.endswith(" ")


def test_product_list_shows_in_stock_items_with_prices_up_to_five():
    items = [item(f"Modelo {i}", price=str(100 + i)) for i in range(7)]
    items.insert(0, item("Agotado X", stock=0))
    items.insert(1, item("Plan Hogar", price="69.90", stock=None))
    text = replies.product_list(items, name="luis")
    assert "Luis" in text
    assert "Agotado X" not in text
    assert "• Plan Hogar: S/ 69.90" in text
    assert text.count("•") == 5
    assert "Modelo 4" not in text


def test_product_list_uses_wholesale_prices_when_asked():
    text = replies.product_list([item(wholesale_price=D("3500"))], wholesale=True)
    assert "S/ 3,500.00 (precio por mayor)" in text
    assert "3,799" not in text


def test_product_list_shows_the_discounted_price_and_the_old_one():
    text = replies.product_list([item(attributes={"final_price": "3599"})])
    assert "S/ 3,599.00 (antes S/ 3,799.00)" in text


def test_product_list_when_nothing_is_in_stock_offers_other_options():
    text = replies.product_list([item(stock=0)])
    assert "no tengo stock" in text
    assert "S/" not in text


def test_ask_variant_lists_each_option_and_asks_which():
    text = replies.ask_variant("iPhone 15", {"capacity": ["128 GB", "256 GB"], "color": ["negro", "azul", "rosa"]})
    assert "capacidad: 128 GB o 256 GB" in text
    assert "color: negro, azul o rosa" in text
    assert "¿Qué capacidad y color prefieres?" in text


def test_price_answer_gives_price_and_stock_state():
    assert replies.price_answer(item()).startswith("iPhone 15 128 GB está a S/ 3,799.00")
    assert "hay stock" in replies.price_answer(item())
    assert "no nos queda stock" in replies.price_answer(item(stock=0))
    assert "$12.990" in replies.price_answer(item("Cable", price="12990", currency="CLP"))
    assert "US$ 120.00 (precio por mayor)" in replies.price_answer(
        item(price="150", currency="USD", wholesale_price=D("120")), wholesale=True)


def test_stock_answer_when_available_says_so_and_warns_when_few_are_left():
    assert "disponible" in replies.stock_answer(item(stock=10), [])
    assert "pocas unidades" in replies.stock_answer(item(stock=2), [])
    assert "pocas unidades" not in replies.stock_answer(item(stock=None), [])


def test_stock_answer_when_out_of_stock_suggests_in_stock_alternatives():
    alternatives = [item("Galaxy S24", price="3299"), item("Pixel 8", stock=0), item("Moto Edge", price="1999")]
    text = replies.stock_answer(item(stock=0), alternatives)
    assert "no nos queda stock de iPhone 15 128 GB" in text
    assert "• Galaxy S24: S/ 3,299.00" in text
    assert "• Moto Edge: S/ 1,999.00" in text
    assert "Pixel 8" not in text
    assert "avise" in replies.stock_answer(item(stock=0), [])


def test_purchase_confirmation_confirms_price_and_offers_quote_and_delivery_or_pickup():
    text = replies.purchase_confirmation(item())
    assert "S/ 3,799.00" in text
    assert "cotización" in text
    assert "delivery" in text
    assert "recogerlo en tienda" in text
    wholesale = replies.purchase_confirmation(item(wholesale_price=D("3500")), wholesale=True)
    assert "S/ 3,500.00" in wholesale
    assert "S/" not in replies.purchase_confirmation(item(stock=0))


def test_ask_for_asks_two_at_most_in_order():
    text = replies.ask_for(["zone", "budget", "name", "interest"])
    assert "qué producto o plan te interesa y cómo te llamas" in text
    assert "presupuesto" not in text
    assert "zona" not in text
    assert "presupuesto aproximado y en qué distrito" in replies.ask_for(["zone", "budget"])


def test_ask_for_one_field_and_uses_the_name_when_known():
    text = replies.ask_for(["zone"], name="Ana")
    assert text.startswith("¡Gracias, Ana!")
    assert "en qué distrito o zona te encuentras?" in text
    assert " y " not in text


def test_ask_for_rejects_fields_it_does_not_know():
    with pytest.raises(ValueError):
        replies.ask_for(["email"])


def test_ask_for_nothing_missing_offers_more_help():
    assert "¿En qué más te puedo ayudar?" in replies.ask_for([])


def test_coverage_answer_names_the_zone_and_asks_for_the_address():
    text = replies.coverage_answer("Miraflores")
    assert "Miraflores" in text
    assert "dirección" in text
    assert "distrito" in replies.coverage_answer("")


def test_handoff_says_a_person_will_answer():
    assert "una persona de nuestro equipo te responderá en breve" in replies.handoff().lower()
    assert replies.handoff("carla").startswith("Gracias, Carla.")


def test_thanks_goodbye_and_no_match():
    assert "Pedro" in replies.thanks_goodbye("Pedro")
    assert "«iphone 25»" in replies.no_match("iphone 25")
    assert "catálogo" in replies.no_match("")


@pytest.mark.parametrize(
    "text",
    [
        replies.greeting("Ana", disclose_assistant=False),
        replies.product_list([item()]),
        replies.ask_variant("iPhone 15", {"color": ["negro"]}),
        replies.price_answer(item()),
        replies.stock_answer(item(stock=0), [item("Otro")]),
        replies.purchase_confirmation(item()),
        replies.ask_for(["interest", "name"]),
        replies.coverage_answer("Maipú"),
        replies.handoff(),
        replies.thanks_goodbye(),
        replies.no_match("x"),
    ],
)
def test_every_template_is_short_warm_and_has_one_or_two_emojis(text):
    emojis = [ch for ch in text if ord(ch) >= 0x2600 and ch not in "•«»"]
    assert 1 <= len(emojis) <= 2, text
    assert len(text) < 400
    assert " usted" not in text.lower()
