"""Step 1 of the inbound path: store what a verified webhook carried, then hand it to a task.

Nothing else happens in the request. A duplicate delivery finds its rows already there and creates
nothing; a task is enqueued only after its row is committed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from conversations.models import WebhookEvent
from integrations.base import InboundMessage, ParsedWebhook, StatusUpdate, event_to_dict
from integrations.limits import ID_CHARS
from integrations.sanitize import fit_id

KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Twilio-Signature", "X-Hub-Signature-256", "I-Twilio-Idempotency-Token")


@dataclass(frozen=True)
class IngestResult:
    created: int
    duplicates: int


def kept_headers(headers: Any) -> dict[str, str]:
    return {name: headers[name] for name in KEPT_HEADERS if name in headers}


def _external_id(item: InboundMessage | StatusUpdate) -> str:
    """The event's unique key; a status's key adds words to the provider's id, so it is fitted again."""
    if isinstance(item, StatusUpdate):
        return fit_id(f"status:{item.external_id}:{item.status}", ID_CHARS)
    return item.external_id


def _store(provider: str, external_id: str, defaults: dict[str, Any]) -> WebhookEvent | None:
    """Insert the event; ``None`` when it is already stored (a redelivery). One round trip when new."""
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(provider=provider, external_id=external_id, **defaults)
    except IntegrityError:
        if WebhookEvent.objects.filter(provider=provider, external_id=external_id).exists():
            return None
        raise


def webhook_ingest(
    *, provider: str, parsed: ParsedWebhook, body: bytes, payload: Any, headers: dict[str, str]
) -> IngestResult:
    """Store one ``WebhookEvent`` per message and status (unique on provider + external id).

    Each event is committed on its own before its task is enqueued; if the database fails half-way
    the request answers 5xx, the provider delivers again, and what was already stored is dropped
    as a duplicate. Nothing is acknowledged that was not stored.
    """
    from conversations.tasks import process_webhook_event

    items: list[InboundMessage | StatusUpdate] = [*parsed.messages, *parsed.statuses]
    if not items:
        # Nothing we act on (e.g. an account update): kept for the record, marked ignored.
        digest = hashlib.sha256(body).hexdigest()
        event = _store(provider, f"other:{digest}", {
            "kind": WebhookEvent.Kind.OTHER,
            "payload": payload,
            "headers": headers,
            "state": WebhookEvent.State.IGNORED,
            "last_error": "; ".join(parsed.ignored)[:500],
        })
        return IngestResult(created=int(event is not None), duplicates=int(event is None))
    created = 0
    for item in items:
        is_status = isinstance(item, StatusUpdate)
        event = _store(provider, _external_id(item), {
            "kind": WebhookEvent.Kind.STATUS if is_status else WebhookEvent.Kind.MESSAGE,
            "ref_id": item.external_id if is_status else "",
            "payload": item.raw or payload,
            "normalized": event_to_dict(item),
            "headers": headers,
        })
        if event is not None:
            created += 1
            transaction.on_commit(lambda event_id=event.pk: process_webhook_event.delay(event_id))
    return IngestResult(created=created, duplicates=len(items) - created)
