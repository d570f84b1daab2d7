"""The AI library reads the whole catalog through the source a higher app registers (it imports no app)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai import catalog_source
from ai.types import CatalogItem
from tests.operators.factories import OperatorFactory, ProductFactory


@pytest.fixture
def restore_source():  # type: ignore[no-untyped-def]
    registered = catalog_source._source
    yield
    catalog_source.catalog_source_register(registered)  # type: ignore[arg-type]


def test_catalog_items_come_from_the_last_registered_source(restore_source):
    item = CatalogItem(id="1", name="Plan 20 GB", price=Decimal("39.90"), currency="PEN", stock=None)
    catalog_source.catalog_source_register(lambda: [item])
    assert catalog_source.catalog_items() == [item]


def test_no_registered_source_is_an_empty_catalog(restore_source):
    catalog_source._source = None
    assert catalog_source.catalog_items() == []


@pytest.mark.django_db
def test_try_a_message_names_the_catalog_products_conversations_registered(admin_client):
    entel = OperatorFactory(name="Entel", slug="entel")
    ProductFactory(operator=entel, category="mobile", name="Entel Power 20 GB", data_gb=Decimal("20"))
    response = admin_client.post("/admin/ai/lexiconentry/try/", {"text": "cuanto cuesta el entel power de 20 gb?"})
    assert response.status_code == 200
    assert "Entel Power 20 GB" in response.content.decode()
