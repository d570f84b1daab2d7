from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from conversations.models import ChannelAccount


def read_xlsx(data: bytes) -> dict[str, list[list[Any]]]:
    """{sheet title: rows (header first)} of a workbook's bytes."""
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def response_bytes(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def aware(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))  # noqa: DTZ001 - made aware in the local zone


@pytest.fixture
def channel_account(db) -> ChannelAccount:  # type: ignore[no-untyped-def]
    return ChannelAccount.objects.create(provider="twilio_whatsapp", name="WhatsApp Lima", account_ref="+14155238886",
                                         ai_mode=ChannelAccount.AIMode.OFF)


_numbers = iter(range(1, 10**9))


def make_sale(*, contact, agent, total: str = "100.00", status: str = "validated", sold_at=None, lines=(), **fields):
    """A sale row as the sales app stores it (its services have their own tests).

    ``lines`` are (product, quantity, unit price) tuples.
    """
    from decimal import Decimal

    from sales.models import Sale, SaleLine

    sale = Sale.objects.create(number=f"V-{next(_numbers):06d}", contact=contact, agent=agent, status=status,
                               total=Decimal(total), sold_at=sold_at or timezone.now(), **fields)
    for product, quantity, price in lines:
        SaleLine.objects.create(sale=sale, product=product, description=product.name, quantity=quantity,
                                unit_price=Decimal(price), line_total=Decimal(price) * quantity)
    return sale


def make_quote(*, contact, agent, total: str = "100.00", status: str = "pending", **fields):
    from decimal import Decimal

    from sales.models import Quote

    return Quote.objects.create(number=f"C-{next(_numbers):06d}", contact=contact, agent=agent, status=status,
                                subtotal=Decimal(total), total=Decimal(total),
                                valid_until=timezone.localdate() + timezone.timedelta(days=7), **fields)
