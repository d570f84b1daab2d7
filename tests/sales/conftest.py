"""Catalog, a customer with an open WhatsApp conversation, a fake Graph API, and PDF reading."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from conversations.models import Conversation
from operators.models import Category
from tests.conversations.conftest import (  # noqa: F401 - fixtures shared with the inbound path
    PHONE_NUMBER_ID,
    ai_off,
    drain,
    post_meta,
    post_twilio,
    provider_settings,
    wa_payload,
    wa_text,
)
from tests.operators.factories import OperatorFactory, ProductFactory

SEND_PATH = f"/{PHONE_NUMBER_ID}/messages"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def graph(httpserver, settings):
    """The Graph API, answering every send with a new wamid."""
    settings.META_GRAPH_BASE_URL = httpserver.url_for("").rstrip("/")
    counter = iter(range(1, 1000))

    def accept(_request):  # type: ignore[no-untyped-def]
        from werkzeug import Response

        return Response(f'{{"messages":[{{"id":"wamid.OUT{next(counter)}"}}]}}', content_type="application/json")

    httpserver.expect_request(SEND_PATH, method="POST").respond_with_handler(accept)
    return httpserver


@pytest.fixture
def conversation(post_meta, ai_off, agent) -> Conversation:  # noqa: F811
    post_meta(wa_payload(wa_text("wamid.IN1", "Hola, ¿cuánto cuesta el iPhone?")))
    drain()
    conversation = Conversation.objects.select_related("contact").get()
    conversation.assignee = agent
    conversation.save(update_fields=["assignee"])
    return conversation


@pytest.fixture
def claro(db):  # type: ignore[no-untyped-def]
    return OperatorFactory(name="Claro", slug="claro")


@pytest.fixture
def phone(claro):  # type: ignore[no-untyped-def]
    return ProductFactory(operator=claro, category=Category.DEVICE, name="iPhone 15 128GB", price=Decimal("3999.00"),
                          wholesale_price=Decimal("3500.00"), discount_percent=Decimal("10"), stock=5)


@pytest.fixture
def plan(claro):  # type: ignore[no-untyped-def]
    return ProductFactory(operator=claro, category=Category.MOBILE, name="Plan Max 39.90", price=Decimal("39.90"),
                          stock=None)
