"""Product search runs on whichever database the suite uses (CI runs it on SQLite and PostgreSQL)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from operators.models import Category
from operators.selectors import ProductFilters, product_list, product_search
from tests.operators.factories import OperatorFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    claro = OperatorFactory(name="Claro", slug="claro")
    movistar = OperatorFactory(name="Movistar", slug="movistar")
    items = {}
    for capacity in (128, 256, 512):
        for colour in ("Negro", "Titanio Natural"):
            items[f"pro-{capacity}-{colour}"] = ProductFactory(
                operator=None, category=Category.DEVICE, brand="Apple", name=f"iPhone 15 Pro {capacity} GB {colour}",
                capacity_gb=capacity, color=colour, price=Decimal("4999"), stock=3,
            )
        items[f"base-{capacity}"] = ProductFactory(
            operator=None, category=Category.DEVICE, brand="Apple", name=f"iPhone 15 {capacity} GB Azul",
            capacity_gb=capacity, color="Azul", price=Decimal("3799"), stock=0,
        )
    items["charger"] = ProductFactory(operator=None, category=Category.ACCESSORY, name="Cargador USB-C 20W",
                                      sku="ACC-CARG-20W", price=Decimal("89"), stock=10)
    items["case"] = ProductFactory(operator=None, category=Category.ACCESSORY, name="Case de silicona iPhone 15",
                                   price=Decimal("59"), stock=5)
    items["fibra"] = ProductFactory(operator=claro, category=Category.INTERNET_HOME, name="Internet Hogar 200 Mbps",
                                    speed_mbps=200, price=Decimal("119"))
    items["movil"] = ProductFactory(operator=movistar, category=Category.MOBILE, name="Plan Móvil 20 GB",
                                    data_gb=Decimal("20"), price=Decimal("39.90"))
    items["off"] = ProductFactory(operator=None, category=Category.ACCESSORY, name="Cargador viejo 5W",
                                  is_active=False, price=Decimal("10"))
    return items


def names(qs):
    return [p.name for p in qs]


@pytest.mark.parametrize("query", ["cargador", "CARGADOR", "Cargadór", "  cargador  ", "carga"])
def test_search_finds_the_charger_whatever_the_case_or_accents(catalog, query):
    assert names(product_search(query=query)) == ["Cargador USB-C 20W"]


def test_search_by_sku(catalog):
    assert names(product_search(query="acc-carg-20w")) == ["Cargador USB-C 20W"]


def test_search_narrows_to_the_variant_when_all_words_are_given(catalog):
    found = names(product_search(query="iphone 15 pro 256"))
    assert sorted(found) == ["iPhone 15 Pro 256 GB Negro", "iPhone 15 Pro 256 GB Titanio Natural"]


def test_search_finds_variant_by_colour_and_capacity(catalog):
    assert names(product_search(query="iphone 15 pro 512 titanio")) == ["iPhone 15 Pro 512 GB Titanio Natural"]


def test_search_prefers_the_shorter_exact_name(catalog):
    found = names(product_search(query="iphone 15 128"))
    assert found[0] == "iPhone 15 128 GB Azul"
    assert "iPhone 15 Pro 128 GB Negro" in found


def test_search_matches_accents_in_the_catalog(catalog):
    assert names(product_search(query="plan movil 20")) == ["Plan Móvil 20 GB"]


def test_search_matches_operator_and_speed(catalog):
    assert names(product_search(query="claro 200 mbps")) == ["Internet Hogar 200 Mbps"]


def test_search_tolerates_a_typo(catalog):
    assert names(product_search(query="cargdor"))[:1] == ["Cargador USB-C 20W"]


def test_search_leaves_out_inactive_products(catalog):
    assert "Cargador viejo 5W" not in names(product_search(query="cargador"))


def test_search_returns_nothing_for_unrelated_words(catalog):
    assert names(product_search(query="sofá cama")) == []


def test_search_treats_sql_and_operators_as_plain_words(catalog):
    from operators.models import Product

    before = Product.objects.count()
    assert set(names(product_search(query="cargador'; DROP TABLE x; --"))) <= {"Cargador USB-C 20W"}
    assert Product.objects.count() == before
    assert names(product_search(query="&|!:*")) == names(product_list(filters=ProductFilters()))


def test_filters_combine_with_search(catalog):
    in_stock = names(product_list(filters=ProductFilters(q="iphone 15 128", in_stock=True)))
    assert in_stock == ["iPhone 15 Pro 128 GB Negro", "iPhone 15 Pro 128 GB Titanio Natural"]
    accessories = names(product_list(filters=ProductFilters(category=Category.ACCESSORY)))
    assert sorted(accessories) == ["Cargador USB-C 20W", "Case de silicona iPhone 15"]
    assert names(product_list(filters=ProductFilters(operator="claro"))) == ["Internet Hogar 200 Mbps"]


def test_renaming_an_operator_updates_what_search_finds(catalog):
    from operators.models import Operator
    from operators.services import operator_update

    operator_update(operator=Operator.objects.get(slug="claro"), data={"name": "Claro Hogar"})
    assert names(product_search(query="claro hogar 200")) == ["Internet Hogar 200 Mbps"]


@pytest.mark.postgres
def test_search_uses_full_text_and_trigram_indexes_on_postgresql(catalog):
    with CaptureQueriesContext(connection) as ctx:
        list(product_search(query="iphone 15 pro"))
    assert "@@" in ctx.captured_queries[-1]["sql"] and "to_tsvector" in ctx.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'operators_product'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"product_search_fts_idx", "product_search_trgm_idx"} <= indexes
    with CaptureQueriesContext(connection) as ctx:
        list(product_search(query="cargdor"))
    assert "WORD_SIMILARITY" in ctx.captured_queries[-1]["sql"].upper()
