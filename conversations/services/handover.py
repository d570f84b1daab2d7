"""Handing stored message webhook events (``WebhookEvent``) to the inbound workers, and handing again
those that never got there: the message webhooks' use of ``core/handover.py`` (how and why is told there).

A ``received`` event whose hand-over is older than ``WEBHOOK_HANDOVER_STALE_SECONDS`` (or never happened)
is handed over again by the provider's redelivery of it (``webhook_event_redelivery_claim``), at once, and by
the periodic sweep (``webhook_events_sweep``, Celery beat every 15 s), in batches.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from conversations.models import WebhookEvent
from core.handover import (
    HAND_OVER_RETRY_POLICY,
    SWEEP_BACKLOG_LIMIT,
    EventHandOver,
    HandOverError,
    HandOvers,
    Redelivery,
    SweepResult,
    handover_stale_after,
)

__all__ = [
    "HAND_OVER_RETRY_POLICY", "INBOUND_QUEUE", "SWEEP_BACKLOG_LIMIT", "WEBHOOK_EVENTS", "HandOverError", "HandOvers",
    "Redelivery", "SweepResult", "handover_stale_after", "webhook_event_hand_over", "webhook_event_redelivery_claim",
    "webhook_events_mark_not_handed_over", "webhook_events_sweep",
]

INBOUND_QUEUE = "inbound"
WEBHOOK_EVENTS = EventHandOver(model=WebhookEvent, task="conversations.tasks.process_webhook_event",
                               queue=INBOUND_QUEUE)


def webhook_event_hand_over(*, event_id: int) -> None:
    """Queue the processing of one stored event; ``HandOverError`` when the broker does not take it."""
    WEBHOOK_EVENTS.hand_over(event_id=event_id)


def webhook_events_mark_not_handed_over(*, event_ids: Iterable[int]) -> None:
    WEBHOOK_EVENTS.mark_not_handed_over(event_ids=event_ids)


def webhook_event_redelivery_claim(
    *, provider: str, external_id: str, now: datetime | None = None
) -> Redelivery | None:
    """A provider delivered again an event we already store: hand it over again if it is stranded."""
    return WEBHOOK_EVENTS.redelivery_claim(lookup={"provider": provider, "external_id": external_id}, now=now)


def webhook_events_sweep(
    *, stale_after: timedelta | None = None, batch_size: int = 500, max_batches: int = 10,
    now: datetime | None = None,
) -> SweepResult:
    """Hand over again the message events left ``received`` whose hand-over is stale or never happened."""
    return WEBHOOK_EVENTS.sweep(stale_after=stale_after, batch_size=batch_size, max_batches=max_batches, now=now)
