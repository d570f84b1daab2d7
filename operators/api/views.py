from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from core.api.permissions import RolePermission
from operators.api.serializers import OperatorSerializer, ProductFilterSerializer, ProductSerializer
from operators.models import Operator, Product
from operators.selectors import ProductFilters, operator_list, product_list
from operators.services import (
    operator_create,
    operator_delete,
    operator_update,
    product_create,
    product_delete,
    product_update,
)


class OperatorListCreateApi(generics.ListCreateAPIView):
    serializer_class = OperatorSerializer
    permission_classes = [RolePermission]
    permission_model = Operator

    def get_queryset(self) -> QuerySet[Operator]:
        return operator_list()

    def perform_create(self, serializer: OperatorSerializer) -> None:
        serializer.instance = operator_create(**serializer.validated_data)


class OperatorDetailApi(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = OperatorSerializer
    permission_classes = [RolePermission]
    permission_model = Operator

    def get_queryset(self) -> QuerySet[Operator]:
        return operator_list()

    def perform_update(self, serializer: OperatorSerializer) -> None:
        serializer.instance = operator_update(operator=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance: Operator) -> None:
        operator_delete(operator=instance)


@extend_schema(parameters=[ProductFilterSerializer])
class ProductListCreateApi(generics.ListCreateAPIView):
    """The catalog. ``?q=`` searches name, SKU and attributes (accents and case do not matter)."""

    serializer_class = ProductSerializer
    permission_classes = [RolePermission]
    permission_model = Product

    def get_queryset(self) -> QuerySet[Product]:
        params = ProductFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        active = data["active"] if data["active"] is not None else (True if data["q"] else None)
        return product_list(
            filters=ProductFilters(
                q=data["q"], category=data["category"], operator=data["operator"], in_stock=data["in_stock"],
                active=active,
            )
        )

    def perform_create(self, serializer: ProductSerializer) -> None:
        serializer.instance = product_create(**serializer.validated_data)


class ProductDetailApi(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ProductSerializer
    permission_classes = [RolePermission]
    permission_model = Product

    def get_queryset(self) -> QuerySet[Product]:
        return Product.objects.select_related("operator")

    def perform_update(self, serializer: ProductSerializer) -> None:
        serializer.instance = product_update(product=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance: Product) -> None:
        product_delete(product=instance)
