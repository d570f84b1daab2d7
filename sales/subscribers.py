"""What sales does when events happen (subscribed in ``SalesConfig.ready``)."""

from __future__ import annotations

from typing import Any

from core import events
from sales.services.quotes import quote_accept_from_message
from sales.tasks import sale_receipt_send_task


def message_received_accept_quote(event: events.Event) -> Any:
    """A customer's "sí, lo quiero" to the one quote waiting becomes a sale, with its confirmation: the
    AI step must not answer the same message a second time, so the event is handled."""
    sale = quote_accept_from_message(message_id=event["message_id"], said=(event["text"], event["interactive_id"]))
    return events.HANDLED if sale is not None else None


def sale_validated_send_receipt(event: events.Event) -> None:
    """The customer gets the receipt of a validated sale (a task: rendering and sending take seconds)."""
    sale_receipt_send_task.delay(event["sale_id"])
