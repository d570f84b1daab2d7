"""Step 1 of the inbound path: store what a verified webhook carried, then hand it to a task.

Nothing else happens in the request. A duplicate delivery finds its rows already there and creates
nothing; the task is enqueued only after the rows are committed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from conversations.models import WebhookEvent
from integrations.base import InboundMessage, ParsedWebhook, StatusUpdate, event_to_dict

KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Twilio-Signature", "X-Hub-Signature-256", "I-Twilio-Idempotency-Token")


@dataclass(frozen=True)
class IngestResult:
    created: int
    duplicates: int


def kept_headers(headers: Any) -> dict[str, str]:
    return {name: headers[name] for name in KEPT_HEADERS if name in headers}


def _external_id(item: InboundMessage | StatusUpdate) -> str:
    if isinstance(item, StatusUpdate):
        return f"status:{item.external_id}:{item.status}"
    return item.external_id


def webhook_ingest(
    *, provider: str, parsed: ParsedWebhook, body: bytes, payload: Any, headers: dict[str, str]
) -> IngestResult:
    """Store one ``WebhookEvent`` per message and status (unique on provider + external id)."""
    from conversations.tasks import process_webhook_event

    items: list[InboundMessage | StatusUpdate] = [*parsed.messages, *parsed.statuses]
    created_ids: list[int] = []
    with transaction.atomic():
        for item in items:
            is_status = isinstance(item, StatusUpdate)
            event, created = WebhookEvent.objects.get_or_create(
                provider=provider,
                external_id=_external_id(item),
                defaults={
                    "kind": WebhookEvent.Kind.STATUS if is_status else WebhookEvent.Kind.MESSAGE,
                    "ref_id": item.external_id if is_status else "",
                    "payload": item.raw or payload,
                    "normalized": event_to_dict(item),
                    "headers": headers,
                },
            )
            if created:
                created_ids.append(event.pk)
        if not items:
            # Nothing we act on (e.g. an account update): kept for the record, marked ignored.
            digest = hashlib.sha256(body).hexdigest()
            _event, created = WebhookEvent.objects.get_or_create(
                provider=provider,
                external_id=f"other:{digest}",
                defaults={
                    "kind": WebhookEvent.Kind.OTHER,
                    "payload": payload,
                    "headers": headers,
                    "state": WebhookEvent.State.IGNORED,
                    "last_error": "; ".join(parsed.ignored)[:500],
                },
            )
            return IngestResult(created=int(created), duplicates=int(not created))
        for event_id in created_ids:
            transaction.on_commit(lambda event_id=event_id: process_webhook_event.delay(event_id))
    return IngestResult(created=len(created_ids), duplicates=len(items) - len(created_ids))
