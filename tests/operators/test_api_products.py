"""The products API keeps ``attributes`` an object: null or a list is a 400, never a NOT NULL IntegrityError."""

from __future__ import annotations

import pytest

from operators.models import Product
from tests.operators.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_patch_attributes_null_in_a_form_empties_them_instead_of_a_500(api_client_for, admin_user):
    product = ProductFactory(attributes={"color": "negro"})
    client = api_client_for(admin_user)
    response = client.patch(f"/api/v1/products/{product.pk}/", {"name": "Plan Negro"}, format="multipart")
    assert response.status_code == 200
    product.refresh_from_db()
    assert product.attributes == {"color": "negro"}  # absent from the form: untouched
    response = client.patch(f"/api/v1/products/{product.pk}/", {"attributes": "null"}, format="multipart")
    assert response.status_code == 200, response.content[:300]
    product.refresh_from_db()
    assert product.attributes == {}


@pytest.mark.parametrize("value", [None, [], ["negro"], "negro", 5])
def test_patch_attributes_that_are_no_object_is_a_400(api_client_for, admin_user, value):
    product = ProductFactory(attributes={"color": "negro"})
    response = api_client_for(admin_user).patch(f"/api/v1/products/{product.pk}/", {"attributes": value},
                                                format="json")
    assert response.status_code == 400, response.content[:300]
    assert "attributes" in response.json()["errors"]
    product.refresh_from_db()
    assert product.attributes == {"color": "negro"}


def test_create_in_a_form_with_attributes_null_is_no_500(api_client_for, admin_user):
    response = api_client_for(admin_user).post("/api/v1/products/", {
        "category": "mobile", "sku": "PLAN-1", "name": "Plan 1", "price": "10.00", "attributes": "null"},
        format="multipart")
    assert response.status_code == 201, response.content[:300]
    assert Product.objects.get(sku="PLAN-1").attributes == {}


def test_attributes_object_is_saved_and_searchable(api_client_for, admin_user):
    product = ProductFactory()
    client = api_client_for(admin_user)
    response = client.patch(f"/api/v1/products/{product.pk}/", {"attributes": {"color": "celeste"}}, format="json")
    assert response.status_code == 200
    assert response.json()["attributes"] == {"color": "celeste"}
    assert client.get("/api/v1/products/?q=celeste").json()["count"] == 1
