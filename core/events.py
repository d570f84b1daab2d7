"""Domain events: a lower app announces what happened, higher apps react (shared/DESIGN.md, "Seams").

The emitter never imports its subscribers. A higher app subscribes in its ``AppConfig.ready()``, so
``python manage.py events`` (or :func:`subscribers`) lists every reaction in one place::

    # sales/apps.py
    def ready(self):
        events.subscribe("message.received", quote_accept_on_yes, order=10)

    # conversations/services/inbound.py
    events.emit("message.received", message_id=message.pk, text=message.text, interactive_id="")

Rules:

- Every event is declared in :data:`EVENTS` with the exact keys of its payload. A payload is plain JSON
  (ids and short strings, never model instances or customer data beyond what the subscriber needs), so
  a failed subscriber can be retried by a worker from the payload alone.
- Subscribers run after the transaction that emitted commits (never for a rolled-back change), one at
  a time, by ascending ``order`` (ties: the order they subscribed in), each in its own transaction.
- A subscriber may return :data:`HANDLED` to say the event is dealt with: later subscribers with
  ``skip_if_handled=True`` do not run (a customer's "sí" that accepted a quote gets no AI answer).
- A subscriber that raises is logged (event, subscriber, attempt; the payload's ids only) and retried
  by the ``core.event_subscriber_retry`` task with a growing delay; the others still run. The message
  that caused the event is never lost: it is stored before the event exists.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

#: Every event: its payload keys and what it means. Subscribing to or emitting anything else is an error.
EVENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "message.received": (
        ("message_id", "conversation_id", "text", "interactive_id"),
        "A customer's message (not an echo or a reaction) was stored; a voice note again once its file is.",
    ),
    "conversation.escalated": (
        ("conversation_id", "reason"),
        "A conversation needs a person: the AI handed over (complaint, negative mood, low confidence, "
        "an explicit ask, an AI failure) or a send failed.",
    ),
    "conversation.created": (
        ("conversation_id",),
        "A customer's first message opened a conversation (a new one after the last was resolved too).",
    ),
    "lead.hot": (
        ("lead_id",),
        "A lead's score reached HOT from a lower class (the AI step, a person's edit, or a new lead born HOT).",
    ),
    "quote.expired": (("quote_id",), "A pending quote passed its last valid day and expired."),
    "conversation.resolved": (
        ("conversation_id", "actor_id"),
        "A conversation was marked resolved (actor_id is None when the system did it).",
    ),
    "call.ended": (("call_id",), "A phone call ended; its recording may follow."),
    "call.transcribed": (("call_id",), "A call's recording was transcribed."),
    "sale.validated": (("sale_id", "actor_id"), "The back office validated a sale; stock was taken."),
}

#: Returned by a subscriber that dealt with the event; see ``skip_if_handled``.
HANDLED = object()

Handler = Callable[["Event"], Any]


@dataclass(frozen=True)
class Event:
    name: str
    payload: Mapping[str, Any]
    attempt: int = 1

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]


@dataclass(frozen=True)
class Subscriber:
    event: str
    handler: Handler = field(compare=False)
    order: int
    skip_if_handled: bool
    name: str


_registry: dict[str, list[Subscriber]] = {}

RETRY_DELAYS = (10, 60, 300, 1800, 7200)  # seconds before each retry of a failed subscriber


class UnknownEventError(ValueError):
    pass


def _check_name(name: str) -> None:
    if name not in EVENTS:
        raise UnknownEventError(f"Unknown event {name!r}; declare it in core.events.EVENTS.")


def subscribe(event: str, handler: Handler, *, order: int = 100, skip_if_handled: bool = False) -> Subscriber:
    """Register ``handler`` for ``event`` (call it from ``AppConfig.ready``). Registering twice is a no-op."""
    _check_name(event)
    name = f"{handler.__module__}.{handler.__qualname__}"
    existing = [s for s in _registry.get(event, []) if s.name == name]
    if existing:
        return existing[0]
    subscriber = Subscriber(event=event, handler=handler, order=order, skip_if_handled=skip_if_handled, name=name)
    entries = _registry.setdefault(event, [])
    entries.append(subscriber)
    entries.sort(key=lambda s: s.order)  # stable: equal orders keep their subscription order
    return subscriber


def unsubscribe(event: str, handler: Handler) -> None:
    name = f"{handler.__module__}.{handler.__qualname__}"
    _registry[event] = [s for s in _registry.get(event, []) if s.name != name]


def subscribers(event: str | None = None) -> list[Subscriber]:
    """Every subscriber of ``event`` (or of all events), in the order they run."""
    if event is not None:
        _check_name(event)
        return list(_registry.get(event, []))
    return [s for name in EVENTS for s in _registry.get(name, [])]


def _plain(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    keys, _doc = EVENTS[name]
    if set(payload) != set(keys):
        raise TypeError(f"Event {name!r} takes exactly {sorted(keys)}, got {sorted(payload)}.")
    try:
        return json.loads(json.dumps(payload))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Event {name!r} payload must be plain JSON: {exc}") from exc


def emit(event: str, **payload: Any) -> None:
    """Announce ``event``; its subscribers run once the current transaction commits (at once outside one)."""
    _check_name(event)
    plain = _plain(event, payload)
    transaction.on_commit(lambda: dispatch(Event(event, plain)))


def dispatch(event: Event) -> None:
    """Run every subscriber of ``event`` in order; a failure is logged and retried, the rest still run."""
    handled = False
    for subscriber in subscribers(event.name):
        if handled and subscriber.skip_if_handled:
            continue
        if run_subscriber(subscriber, event) is HANDLED:
            handled = True


def run_subscriber(subscriber: Subscriber, event: Event, *, retry: bool = True) -> Any:
    """Run one subscriber in its own transaction. On failure: log, schedule a retry, return None."""
    try:
        with transaction.atomic():
            return subscriber.handler(event)
    except Exception:
        ids = {k: v for k, v in event.payload.items() if k.endswith("_id")}
        logger.exception("Event subscriber failed: event=%s subscriber=%s attempt=%d ids=%s",
                         event.name, subscriber.name, event.attempt, ids)
        if retry:
            _schedule_retry(subscriber, event)
        return None


def _schedule_retry(subscriber: Subscriber, event: Event) -> None:
    if event.attempt > len(RETRY_DELAYS):
        logger.error("Event subscriber gave up after %d attempts: event=%s subscriber=%s",
                     event.attempt, event.name, subscriber.name)
        return
    from celery import current_app

    from core.tasks import event_subscriber_retry  # the task module imports this one

    if current_app.conf.task_always_eager:
        # Embedded mode has no worker: a retry would run at once, in the same breath that failed.
        logger.error("Event subscriber not retried (no worker in embedded mode): event=%s subscriber=%s",
                     event.name, subscriber.name)
        return
    try:
        event_subscriber_retry.apply_async(
            args=[event.name, subscriber.name, dict(event.payload), event.attempt + 1],
            countdown=RETRY_DELAYS[event.attempt - 1],
        )
    except Exception:
        logger.exception("Could not schedule the retry of %s for %s", subscriber.name, event.name)


def subscriber_named(event: str, name: str) -> Subscriber | None:
    return next((s for s in subscribers(event) if s.name == name), None)
