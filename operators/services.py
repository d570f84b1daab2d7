"""Writes to the catalog. Every write is validated with ``full_clean``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from operators.models import Operator, Product


def _apply(instance: Operator | Product, data: dict[str, Any]) -> None:
    for field, value in data.items():
        setattr(instance, field, value)
    instance.full_clean()
    instance.save()


@transaction.atomic
def operator_create(**data: Any) -> Operator:
    operator = Operator()
    _apply(operator, data)
    return operator


@transaction.atomic
def operator_update(*, operator: Operator, data: dict[str, Any]) -> Operator:
    renamed = "name" in data and data["name"] != operator.name
    _apply(operator, data)
    if renamed:
        products_refresh_search_text(queryset=operator.products.all())
    return operator


def operator_delete(*, operator: Operator) -> None:
    """Refused (409) while products point at the operator; deactivate it instead."""
    operator.delete()


@transaction.atomic
def product_create(**data: Any) -> Product:
    product = Product()
    _apply(product, data)
    return product


@transaction.atomic
def product_update(*, product: Product, data: dict[str, Any]) -> Product:
    _apply(product, data)
    return product


def product_delete(*, product: Product) -> None:
    product.delete()


def products_refresh_search_text(*, queryset: QuerySet[Product] | None = None, batch_size: int = 500) -> int:
    """Rebuild ``search_text`` of products (after renaming their operator, say)."""
    qs = queryset if queryset is not None else Product.objects.all()
    updated = 0
    batch: list[Product] = []
    for product in qs.select_related("operator").iterator(chunk_size=batch_size):
        product.search_text = product.build_search_text()
        batch.append(product)
        if len(batch) >= batch_size:
            updated += Product.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        updated += Product.objects.bulk_update(batch, ["search_text"])
    return updated
