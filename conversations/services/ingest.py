"""Step 1 of the inbound path: store what a verified webhook carried, then hand it to a task.

Nothing else happens in the request. A duplicate delivery finds its rows already there and creates
nothing; a task is enqueued only after its row is committed. When the broker does not take the task the
event stays stored ``received`` and the result says so (the view answers 503); the provider's next
delivery, or the periodic sweep, hands it over again (``conversations/services/handover.py``, ``core/handover.py``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations.models import WebhookEvent
from conversations.services.handover import WEBHOOK_EVENTS, Redelivery, webhook_event_redelivery_claim
from integrations.base import InboundMessage, ParsedWebhook, StatusUpdate, event_to_dict
from integrations.limits import ID_CHARS
from integrations.sanitize import fit_id

KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Twilio-Signature", "X-Hub-Signature-256", "I-Twilio-Idempotency-Token")


@dataclass(frozen=True)
class IngestResult:
    created: int
    duplicates: int
    handed_over_again: int = 0  # duplicates of events stranded in ``received``, queued again
    not_handed_over: int = 0  # stored, but the broker did not take their task (known outside a transaction)


def kept_headers(headers: Any) -> dict[str, str]:
    return {name: headers[name] for name in KEPT_HEADERS if name in headers}


def _external_id(item: InboundMessage | StatusUpdate) -> str:
    """The event's unique key; a status's key adds words to the provider's id, so it is fitted again."""
    if isinstance(item, StatusUpdate):
        return fit_id(f"status:{item.external_id}:{item.status}", ID_CHARS)
    return item.external_id


def _store(provider: str, external_id: str, defaults: dict[str, Any]) -> WebhookEvent | Redelivery:
    """Insert the event; for a redelivery, what to do with the stored one. One round trip either way
    (a stranded event's new hand-over adds a conditional ``UPDATE``)."""
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(provider=provider, external_id=external_id, **defaults)
    except IntegrityError:
        redelivery = webhook_event_redelivery_claim(provider=provider, external_id=external_id)
        if redelivery is None:
            raise
        return redelivery


def webhook_ingest(
    *, provider: str, parsed: ParsedWebhook, body: bytes, payload: Any, headers: dict[str, str]
) -> IngestResult:
    """Store one ``WebhookEvent`` per message and status (unique on provider + external id).

    Each event is committed on its own before its task is enqueued; if the database fails half-way
    the request answers 5xx, the provider delivers again, and what was already stored is dropped
    as a duplicate, unless it is still ``received`` with a stale hand-over: then it is queued again.
    Nothing is acknowledged that was not stored; ``not_handed_over`` counts events stored whose task the
    broker did not take (the view answers 503 so that the provider delivers them again).
    """
    items: list[InboundMessage | StatusUpdate] = [*parsed.messages, *parsed.statuses]
    if not items:
        # Nothing we act on (e.g. an account update): kept for the record, marked ignored.
        digest = hashlib.sha256(body).hexdigest()
        stored = _store(provider, f"other:{digest}", {
            "kind": WebhookEvent.Kind.OTHER,
            "payload": payload,
            "headers": headers,
            "state": WebhookEvent.State.IGNORED,
            "last_error": "; ".join(parsed.ignored)[:500],
        })
        is_new = isinstance(stored, WebhookEvent)
        return IngestResult(created=int(is_new), duplicates=int(not is_new))
    created = again = 0
    hand_overs = WEBHOOK_EVENTS.hand_overs()
    for item in items:
        is_status = isinstance(item, StatusUpdate)
        stored = _store(provider, _external_id(item), {
            "kind": WebhookEvent.Kind.STATUS if is_status else WebhookEvent.Kind.MESSAGE,
            "ref_id": item.external_id if is_status else "",
            "payload": item.raw or payload,
            "normalized": event_to_dict(item),
            "headers": headers,
            "handed_over_at": timezone.now(),  # in the insert: the hand-over below costs no query
        })
        if isinstance(stored, WebhookEvent):
            created += 1
            hand_overs.on_commit(stored.pk)
        elif stored.hand_over:
            again += 1
            hand_overs.on_commit(stored.event_id)
    return IngestResult(created=created, duplicates=len(items) - created, handed_over_again=again,
                        not_handed_over=hand_overs.failed)
