"""Writes to the catalog. Every write is validated with ``full_clean``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.config_cache import config_invalidate
from core.errors import ApplicationError
from operators.models import Operator, Product
from operators.selectors import CATALOG_KEY


class OutOfStockError(ApplicationError):
    code = "out_of_stock"
    status_code = 409


def product_stock_take(*, quantities: dict[int, int]) -> None:
    """Take ``{product id: units}`` from stock, in product order (no deadlocks between two takers), or none.

    Each take is a conditional ``UPDATE … WHERE stock >= units``, so two takers of the last unit cannot
    both win. Products that keep no stock (plans, services) are skipped. Call inside the caller's
    transaction: a shortage raises and rolls back every take before it.
    """
    config_invalidate(CATALOG_KEY)  # the AI quotes stock: every process reads it again once this commits
    for product_id in sorted(quantities):
        quantity = quantities[product_id]
        taken = Product.objects.filter(pk=product_id, stock__isnull=False, stock__gte=quantity).update(
            stock=F("stock") - quantity, updated_at=timezone.now()
        )
        if taken:
            continue
        product = Product.objects.filter(pk=product_id).values("name", "stock").first()
        if product is None or product["stock"] is None:
            continue  # plans and services keep no stock
        raise OutOfStockError(
            _("Out of stock: “%(product)s” has %(stock)d left and the sale needs %(quantity)d.")
            % {"product": product["name"], "stock": product["stock"], "quantity": quantity},
            extra={"product": product_id, "stock": product["stock"], "quantity": quantity},
        )


def product_stock_return(*, quantities: dict[int, int]) -> None:
    """Put ``{product id: units}`` back in stock (products that keep no stock stay without)."""
    config_invalidate(CATALOG_KEY)
    for product_id in sorted(quantities):
        Product.objects.filter(pk=product_id, stock__isnull=False).update(
            stock=F("stock") + quantities[product_id], updated_at=timezone.now()
        )


def products_active_set(*, products: QuerySet[Product], active: bool) -> int:
    """Offer (or stop offering) ``products`` at once: the AI's catalog follows when this commits. How many changed."""
    changed = products.exclude(is_active=active).update(is_active=active, updated_at=timezone.now())
    if changed:
        config_invalidate(CATALOG_KEY)
    return changed


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
