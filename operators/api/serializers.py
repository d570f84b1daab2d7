from rest_framework import serializers

from core.api.fields import TriStateBooleanField
from operators.models import Category, Operator, Product


class OperatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Operator
        fields = (
            "id", "name", "slug", "logo", "primary_color", "secondary_color", "website", "support_phone",
            "contact_email", "contact_name", "is_active", "created_at", "updated_at",
        )
        read_only_fields = ("id", "logo", "created_at", "updated_at")


class ProductSerializer(serializers.ModelSerializer):
    operator_name = serializers.CharField(source="operator.name", read_only=True, default=None, allow_null=True)
    final_price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    in_stock = serializers.BooleanField(read_only=True)
    # An object of name -> value; null or a list is a 400 (the column is NOT NULL and search reads its values).
    attributes = serializers.DictField(required=False)

    class Meta:
        model = Product
        fields = (
            "id", "operator", "operator_name", "category", "sku", "name", "brand", "description", "speed_mbps",
            "data_gb", "capacity_gb", "color", "attributes", "price", "wholesale_price", "discount_percent",
            "final_price", "currency", "stock", "in_stock", "benefits", "is_active", "created_at", "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")


class ProductFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    category = serializers.ChoiceField(choices=Category.choices, required=False, allow_blank=True, default="")
    operator = serializers.CharField(required=False, allow_blank=True, max_length=80, default="")
    in_stock = TriStateBooleanField()
    active = TriStateBooleanField()
