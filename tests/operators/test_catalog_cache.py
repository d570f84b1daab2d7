"""The catalog the AI quotes from on every message, kept per process (operators.selectors.CATALOG_KEY): no query
while nothing changed, and every way the catalog changes (an edit, stock taken by a sale, products switched off in
bulk in admin, a new operator name) reaches the AI's next answer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from conversations.services.assistant import active_catalog
from core.config_cache import SHARED_KEY
from operators.models import Product
from operators.services import product_stock_return, product_stock_take, products_active_set
from tests.operators.factories import OperatorFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Two products, committed as far as the cache can tell (their commit callbacks ran)."""
    with django_capture_on_commit_callbacks(execute=True):
        operator = OperatorFactory(name="Claro", slug="claro")
        phone = ProductFactory(operator=operator, name="Galaxy A15", category="phone", stock=3)
        plan = ProductFactory(operator=operator, name="Plan Max 39.90", stock=None)
    return phone, plan


def _by_name() -> dict[str, object]:
    return {item.name: item for item in active_catalog()}


def _shared_generation() -> int:
    return cache.get(SHARED_KEY) or 0


def test_the_catalog_is_read_once_then_answered_from_memory(products, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert set(_by_name()) == {"Galaxy A15", "Plan Max 39.90"}
    with django_assert_num_queries(0):  # was a version aggregate over every product, on every message
        assert set(_by_name()) == {"Galaxy A15", "Plan Max 39.90"}


def test_an_edited_price_is_quoted_at_once(products, django_capture_on_commit_callbacks):
    phone, _plan = products
    _by_name()
    with django_capture_on_commit_callbacks(execute=True):
        phone.price = Decimal("699.00")
        phone.save()
    assert _by_name()["Galaxy A15"].price == Decimal("699.00")


def test_stock_taken_by_a_sale_is_seen_here_at_once_and_by_the_other_processes_after_the_commit(
        products, django_capture_on_commit_callbacks):
    phone, _plan = products
    assert _by_name()["Galaxy A15"].stock == 3
    before = _shared_generation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        product_stock_take(quantities={phone.pk: 2})  # a conditional UPDATE: no model signal
        assert _shared_generation() == before  # not committed: the other processes keep theirs
    for callback in callbacks:
        callback()
    assert _shared_generation() == before + 1
    assert _by_name()["Galaxy A15"].stock == 1
    with django_capture_on_commit_callbacks(execute=True):
        product_stock_return(quantities={phone.pk: 2})
    assert _by_name()["Galaxy A15"].stock == 3


def test_products_switched_off_in_bulk_leave_the_ais_catalog_at_once(products, admin_client,
                                                                       django_capture_on_commit_callbacks):
    phone, plan = products
    assert "Galaxy A15" in _by_name()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:operators_product_changelist"),
                                     {"action": "deactivate", "_selected_action": [phone.pk]}, follow=True)
    assert response.status_code == 200
    assert "1 productos desactivados." in response.content.decode()
    assert set(_by_name()) == {"Plan Max 39.90"}
    with django_capture_on_commit_callbacks(execute=True):
        assert products_active_set(products=Product.objects.filter(pk__in=[phone.pk, plan.pk]), active=True) == 1
    assert set(_by_name()) == {"Galaxy A15", "Plan Max 39.90"}


def test_an_operator_renamed_reaches_the_items_it_sells(products, django_capture_on_commit_callbacks):
    phone, _plan = products
    assert _by_name()["Galaxy A15"].operator == "claro"
    with django_capture_on_commit_callbacks(execute=True):
        phone.operator.slug = "claro-peru"
        phone.operator.save()
    assert _by_name()["Galaxy A15"].operator == "claro-peru"
