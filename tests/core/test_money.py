"""Money by the currency's country, everywhere (issue 13, item 6): core.money and the ``money`` filter."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from core.money import format_money, format_money_or_empty


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    ("4000", "PEN", "S/ 4,000.00"),
    ("69020", "PEN", "S/ 69,020.00"),
    ("89.9", "PEN", "S/ 89.90"),
    ("300", "USD", "US$ 300.00"),
    ("1234567.891", "USD", "US$ 1,234,567.89"),
    ("12990", "CLP", "$12.990"),
    ("12990.50", "CLP", "$12.991"),  # no cents in Chile: rounded half up
    ("1299.5", "ARS", "$1.299,50"),
    ("4599", "MXN", "$4,599.00"),
    ("189000", "COP", "$189.000"),
    ("10", "XYZ", "XYZ 10.00"),  # a currency without a style is written by its code
    ("10", "pen", "S/ 10.00"),
])
def test_format_money_writes_each_currency_as_its_country_reads_it(amount, currency, expected):
    assert format_money(Decimal(amount), currency) == expected


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    ("-25", "PEN", "-S/ 25.00"),
    ("-12990", "CLP", "-$12.990"),
    ("-0.001", "PEN", "S/ 0.00"),  # rounds to zero: no sign
    ("0", "PEN", "S/ 0.00"),
    ("0", "CLP", "$0"),
    ("9999999999.99", "PEN", "S/ 9,999,999,999.99"),  # the largest a 12,2 field holds
    ("1000000000", "CLP", "$1.000.000.000"),
])
def test_format_money_handles_negative_zero_and_large_amounts(amount, currency, expected):
    assert format_money(Decimal(amount), currency) == expected


def test_format_money_takes_ints_floats_and_strings():
    assert format_money(4000, "PEN") == "S/ 4,000.00"
    assert format_money(0.1 + 0.2, "PEN") == "S/ 0.30"
    assert format_money("1500.5", "USD") == "US$ 1,500.50"


def test_format_money_uses_the_business_currency_when_none_is_given(settings):
    assert format_money(Decimal("4000")) == "S/ 4,000.00"
    settings.DEFAULT_CURRENCY = "CLP"
    assert format_money(Decimal("4000")) == "$4.000"


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", None])
def test_format_money_refuses_what_is_not_an_amount(amount):
    with pytest.raises(ValueError):
        format_money(amount, "PEN")
    assert format_money_or_empty(amount, "PEN") == ""


def test_format_money_does_not_follow_the_ui_language_number_format(settings):
    # LANGUAGE_CODE "es" is Spain's "4.000,00" (and the old pipeline's "4,000,00"): money ignores it.
    settings.LANGUAGE_CODE = "es"
    settings.USE_THOUSAND_SEPARATOR = True
    assert format_money(Decimal("4000"), "PEN") == "S/ 4,000.00"


@pytest.mark.parametrize(("template", "context", "expected"), [
    ("{{ amount|money:currency }}", {"amount": Decimal("4000"), "currency": "PEN"}, "S/ 4,000.00"),
    ("{{ amount|money:currency }}", {"amount": Decimal("12990"), "currency": "CLP"}, "$12.990"),
    ("{{ amount|money }}", {"amount": Decimal("69020")}, "S/ 69,020.00"),
    ("{{ amount|money:currency }}", {"amount": Decimal("10"), "currency": ""}, "S/ 10.00"),
    ("{{ amount|money:currency }}", {"amount": None, "currency": "PEN"}, ""),
    ("[{{ amount|money }}]", {}, "[]"),
])
def test_money_filter_writes_amounts_like_format_money(template, context, expected):
    with_load = "{% load money %}" + template
    assert Template(with_load).render(Context(context)) == expected
