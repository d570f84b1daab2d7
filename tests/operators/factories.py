"""factory_boy factories of the catalog (operators app), with Spanish fake data."""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from operators.models import Category, Operator, Product

factory.Faker._DEFAULT_LOCALE = "es_ES"


class OperatorFactory(DjangoModelFactory):
    class Meta:
        model = Operator
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Operador {n}")
    slug = factory.Sequence(lambda n: f"operador-{n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    operator = factory.SubFactory(OperatorFactory)
    category = Category.MOBILE
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Plan Móvil {n} GB")
    price = Decimal("39.90")

