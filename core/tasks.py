"""Celery tasks of core: the retry of a failed event subscriber (core/events.py)."""

from __future__ import annotations

from celery import shared_task

from core import events


@shared_task(name="core.event_subscriber_retry", acks_late=True, ignore_result=True)
def event_subscriber_retry(event: str, subscriber: str, payload: dict, attempt: int) -> str:
    """Run ``subscriber`` again for ``event``; a new failure schedules the next attempt (events.RETRY_DELAYS)."""
    found = events.subscriber_named(event, subscriber)
    if found is None:
        return "gone"  # unsubscribed since (a deploy removed it): nothing to run
    result = events.run_subscriber(found, events.Event(event, payload, attempt=attempt))
    return "handled" if result is events.HANDLED else "done"
