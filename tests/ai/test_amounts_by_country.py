"""Budgets as customers of each country write them: thousands marks, slang multipliers, words."""

from decimal import Decimal

import pytest

from ai.local import analyze
from ai.local.money import parse_budget, parse_number
from ai.types import Money
from core.text import fold


@pytest.mark.parametrize(("country", "text", "amount", "currency"), [
    # Thousands marks: dots in AR/CL/CO, commas in MX/PE; one or two digits after a mark are decimals.
    ("AR", "mi presupuesto es 1.800.000", "1800000", "ARS"),
    ("AR", "tengo 1.800.000", "1800000", "ARS"),
    ("CL", "tengo como 350.000", "350000", "CLP"),
    ("CO", "puedo pagar 1.200.000", "1200000", "COP"),
    ("MX", "tengo 1,800 pesos", "1800", "MXN"),
    ("PE", "hasta 1,800", "1800", "PEN"),
    ("AR", "hasta 39,90", "39.90", "ARS"),
    ("PE", "hasta 39.90 soles", "39.90", "PEN"),
    ("AR", "1.800,50 pesos", "1800.50", "ARS"),
    ("MX", "1,800.50 pesos", "1800.50", "MXN"),
    ("CL", "$25.990", "25990", "CLP"),
    # A million: "palo(s)", "millón"; halves.
    ("AR", "1,8 palos", "1800000", "ARS"),
    ("AR", "un palo y medio", "1500000", "ARS"),
    ("AR", "medio palo", "500000", "ARS"),
    ("AR", "dos palos y medio", "2500000", "ARS"),
    ("AR", "1,500 palos", "1500000", "ARS"),  # before a multiplier, the comma is the Argentine decimal mark
    ("CO", "dos palos", "2000000", "COP"),
    ("CL", "tengo 1,8 palos", "1800000", "CLP"),
    ("CO", "un millon y medio", "1500000", "COP"),
    # A thousand: "luca(s)", "mil", "k"; in Peru a luca is one sol.
    ("CL", "tengo 25 lucas", "25000", "CLP"),
    ("CO", "50 lucas", "50000", "COP"),
    ("AR", "100 lucas", "100000", "ARS"),
    ("CL", "dos lucas y media", "2500", "CLP"),
    ("PE", "10 lucas", "10", "PEN"),
    ("CL", "30 mil", "30000", "CLP"),
    ("CL", "25k", "25000", "CLP"),
    ("PE", "presupuesto 2.5k", "2500", "PEN"),
    # Words.
    ("PE", "ochenta soles", "80", "PEN"),
    ("MX", "dos mil quinientos pesos", "2500", "MXN"),
    ("MX", "hasta dos mil quinientos", "2500", "MXN"),
    ("AR", "un millón doscientos mil", "1200000", "ARS"),
    ("CO", "dos millones quinientos mil", "2500000", "COP"),
    ("MX", "mi presupuesto es de 2 mil 500", "2500", "MXN"),
    ("CO", "tengo 1'500.000", "1500000", "COP"),  # the apostrophe some Colombians put before the millions
    ("PE", "mi presupuesto es 90 soles", "90", "PEN"),
    # A bare amount said as a limit.
    ("PE", "solo tengo 90", "90", "PEN"),
    ("PE", "tengo 90 nomás", "90", "PEN"),
    ("PE", "90 máximo", "90", "PEN"),
    ("PE", "tengo 90, qué me ofreces?", "90", "PEN"),
])
def test_budget_read_the_way_each_country_writes_it(country, text, amount, currency):
    assert parse_budget(fold(text), country=country) == Money(Decimal(amount), currency)


@pytest.mark.parametrize("text", ["me llamo juan y tengo 25 anos", "medio kilo", "internet de 200 megas",
                                  "tengo 3 lineas", "tengo 1.500 gb", "tengo 2 hijos", "tengo 15 dias sin servicio",
                                  "tengo 200 megas", "tengo 987654321", "quiero 2 maximo"])
def test_numbers_that_are_not_budgets(text):
    assert parse_budget(fold(text), country="PE") is None


def test_three_digits_after_a_mark_are_thousands_unless_a_multiplier_follows_the_decimal_mark():
    assert parse_number("1.800") == parse_number("1,800") == Decimal("1800")
    assert parse_number("0,500") == Decimal("0.500")
    assert parse_number("1,500", country="AR", before_multiplier=True) == Decimal("1.500")
    assert parse_number("1,500", country="MX", before_multiplier=True) == Decimal("1500")
    assert parse_number("1.500", country="MX", before_multiplier=True) == Decimal("1.500")


@pytest.mark.parametrize(("history", "text", "amount", "currency"), [
    ("Hola che, soy de Buenos Aires", "tengo 1.800.000", "1800000", "ARS"),
    ("Buenas, les escribo desde Córdoba, Argentina", "1,8 palos", "1800000", "ARS"),
    ("hola che, qué onda", "un palo y medio", "1500000", "ARS"),
])
def test_the_analyzer_reads_an_argentine_budget_with_the_country_from_earlier_turns(history, text, amount,
                                                                                    currency):
    from ai.types import Turn

    budget = analyze(text, history=[Turn(role="customer", text=history)]).entities.budget
    assert budget == Money(Decimal(amount), currency)
