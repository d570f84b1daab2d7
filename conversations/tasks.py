"""Thin tasks: ids in, a service call, retries only for transient failures."""

from __future__ import annotations

import random
import time

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from conversations.models import Message
from conversations.services.handover import webhook_events_sweep
from conversations.services.inbound import MediaStoreError, webhook_event_process, webhook_event_record_failure
from conversations.services.outbound import message_deliver
from core.queues import wait_while_backlogged
from integrations.errors import AmbiguousError, TransientError


def backoff(retries: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """Exponential backoff with full jitter."""
    return random.uniform(0.5, 1.0) * min(cap, base ** (retries + 1))  # noqa: S311 - jitter, not crypto


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=8)
def process_webhook_event(self, event_id: int) -> str:  # type: ignore[no-untyped-def]
    """Turn one stored webhook event into contact, conversation and message (idempotent)."""
    try:
        return webhook_event_process(event_id=event_id).state
    # Media downloads are GETs, safe to repeat; a file our storage could not keep (a full disk) is fetched again.
    except (TransientError, AmbiguousError, MediaStoreError) as exc:
        webhook_event_record_failure(event_id=event_id, error=f"{type(exc).__name__}: {exc}")
        if self.request.is_eager:
            return "failed"
        raise self.retry(countdown=exc.retry_after or backoff(self.request.retries), exc=exc) from exc
    except (OperationalError, InterfaceError) as exc:
        # PostgreSQL unreachable (restarting, failing over) or a transaction it gave up (deadlock): the event did
        # not fail, and its row could not be marked now anyway. Tried again in seconds, not at the next sweep
        # of stale hand-overs; after the last retry the event is still ``received``, so the sweep takes it.
        if self.request.is_eager:
            webhook_event_record_failure(event_id=event_id, error=f"{type(exc).__name__}: {exc}")
            raise
        raise self.retry(countdown=backoff(self.request.retries), exc=exc) from exc
    except Exception as exc:
        webhook_event_record_failure(event_id=event_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_stranded_webhook_events() -> dict[str, int | bool | None]:
    """Beat, every 15 s: hand over again the events left ``received`` (a broker restart lost their task)."""
    return webhook_events_sweep().as_dict()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def send_message(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    """Deliver one queued message; a retry only when the provider did not process the request."""
    outcome = message_deliver(message_id=message_id)
    if outcome.state != "retry":
        return outcome.state
    if not self.request.is_eager:
        raise self.retry(countdown=outcome.retry_after or backoff(self.request.retries, base=1.5, cap=60))
    # Embedded mode has no broker to hold a delayed retry: retry here, briefly, until an outcome.
    while outcome.state == "retry":
        time.sleep(min(2.0, outcome.retry_after or 0.2))
        outcome = message_deliver(message_id=message_id)
    return outcome.state


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def assist_message(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    """The AI step for one inbound message (analysis, lead update, reply or hand-over).

    When the message needs an answer, it first lets the inbound queue catch up (``core/queues.py``).
    """
    from conversations.services.assistant import message_assist

    return message_assist(message_id=message_id, pause=None if self.request.is_eager else yield_to_inbound).state


def yield_to_inbound(message: Message) -> float:
    """Wait while webhook events wait for a free inbound worker, at most ``AI_YIELD_MAX_SECONDS``;
    the seconds waited. In a long spike the AI answers late rather than slow down the live panel."""
    return wait_while_backlogged("inbound", threshold=settings.AI_YIELD_BACKLOG,
                                 max_seconds=settings.AI_YIELD_MAX_SECONDS)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def run_due_followups() -> dict[str, int]:
    """Beat, every minute: send the follow-ups that are due (claimed one by one, never sent twice)."""
    from conversations.services.followups import followups_run_due

    result = followups_run_due()
    return {"sent": result.sent, "failed": result.failed, "skipped": result.skipped}


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def remind_silent_conversations() -> int:
    """Beat, every few minutes: one reminder per customer silence longer than the account's setting."""
    from conversations.services.followups import reminders_run

    return reminders_run()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def prune_conversation_events(days: int = 7) -> int:
    """Beat, daily: drop the real-time event log older than ``days`` (catch-up only needs the recent past)."""
    from conversations.services.followups import conversation_events_prune

    return conversation_events_prune(days=days)
