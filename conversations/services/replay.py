"""Replaying stored webhook events (admin action and ``replay_webhooks``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from conversations.models import WebhookEvent
from conversations.services.inbound import webhook_event_process, webhook_event_record_failure

REPLAYABLE = (WebhookEvent.State.RECEIVED, WebhookEvent.State.FAILED, WebhookEvent.State.WAITING)


def webhook_events_replay(
    *, event_ids: Iterable[int], on_each: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Process events again, in this process, one by one; already processed ones are skipped.

    Returns counts by resulting state (plus ``error`` for events that failed again).
    """
    counts: dict[str, int] = {}
    for event_id in event_ids:
        try:
            state = webhook_event_process(event_id=event_id).state
        except Exception as exc:  # noqa: BLE001 - one bad event must not stop the replay of the rest
            webhook_event_record_failure(event_id=event_id, error=f"{type(exc).__name__}: {exc}")
            state = "error"
        counts[state] = counts.get(state, 0) + 1
        if on_each:
            on_each(state)
    return counts
