"""The OpenAPI schema tells the truth about nulls: a read-only value that can be null is declared nullable."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework import serializers

from agreements.api import serializers as agreements_serializers
from conversations.api import serializers as conversations_serializers
from leads.api import serializers as leads_serializers
from operators.api import serializers as operators_serializers
from sales.api import serializers as sales_serializers

MODULES = (agreements_serializers, conversations_serializers, leads_serializers, operators_serializers,
           sales_serializers)


@pytest.fixture(scope="module")
def components() -> dict:
    schema = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    return schema["components"]["schemas"]


def _serializer_classes() -> list[type[serializers.Serializer]]:
    return [value for module in MODULES for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, serializers.Serializer)
            and value.__module__ == module.__name__ and not value.__name__.startswith("_")]


def test_every_read_only_field_that_falls_back_to_null_allows_null():
    """``source="operator.name", default=None`` answers null when there is no operator: it must say so."""
    lying = [
        f"{cls.__name__}.{name}"
        for cls in _serializer_classes()
        for name, field in cls().fields.items()
        if field.read_only and getattr(field, "default", None) is None and field.default is not serializers.empty
        and not field.allow_null
    ]
    assert lying == []


@pytest.mark.parametrize(("component", "prop"), [
    ("Product", "operator_name"),
    ("LeadOutput", "operator_name"),
    ("LeadOutput", "product_name"),
    ("LeadOutput", "assignee_name"),
    ("Sale", "quote_number"),
    ("Debt", "operator_name"),
    ("Debt", "assignee_name"),
    ("Quote", "sale"),
    ("Message", "media"),
    ("Message", "author_name"),
    ("Conversation", "lead"),
    ("Commission", "rule_name"),
])
def test_nullable_read_only_fields_are_declared_nullable_in_the_schema(components, component, prop):
    declared = components[component]["properties"][prop]
    assert declared.get("nullable") is True, declared


def test_nullable_read_only_names_keep_their_type(components):
    assert components["Product"]["properties"]["operator_name"]["type"] == "string"
    assert components["Quote"]["properties"]["sale"]["type"] == "integer"
