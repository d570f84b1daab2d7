"""Handing stored webhook events to the workers, and handing again those that never got there.

A webhook view stores an event, then queues its task on the broker (Redis). Two things can strand a stored
event in ``received``: the broker refuses the task (Redis down: the view then answers 503 and the provider
delivers again), or it takes the task and loses it (Redis keeps nothing on disk, so a restart empties its
queues). Each event keeps when it was last handed over (``handed_over_at``, written with the insert, so the
hot path costs nothing more; cleared when the broker refused it). A ``received`` event whose hand-over is
older than ``WEBHOOK_HANDOVER_STALE_SECONDS`` (or never happened) is handed over again

- by the provider's redelivery of it (:meth:`EventHandOver.redelivery_claim`), at once, and
- by the periodic sweep (:meth:`EventHandOver.sweep`, Celery beat every 15 s), in batches.

A hand-over refreshes the time, so an event waiting in a long queue is queued again at most once per
``WEBHOOK_HANDOVER_STALE_SECONDS``; processing is idempotent (the event row is locked and its state
checked), so a second task for one event changes nothing. A quick duplicate (the provider's usual
0.05-5 s redelivery) finds a fresh hand-over and queues nothing.

One :class:`EventHandOver` per kind of stored event (the apps declare theirs: the message webhooks'
``WebhookEvent``, the voice callbacks' ``VoiceWebhookEvent``): its model (with ``state``, ``received_at``
and ``handed_over_at``, indexed on ``(state, received_at)``), the Celery task that processes one event by
id (a dotted path, so that a service can hand over to a task whose module imports that service), and the
queue the task is routed to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerError

from core.queues import queue_backlog

logger = logging.getLogger(__name__)

# The web request does not wait for the broker to come back: no second try (a pooled connection that
# Redis closed when it restarted is reconnected by redis-py itself), so a refused connection fails the
# publish in a few milliseconds, and a broker that accepts connections but does not answer fails it
# after the transport's socket timeout (CELERY_BROKER_TRANSPORT_OPTIONS, 3 s; a second try made it 9 s).
HAND_OVER_RETRY_POLICY = {"max_retries": 0, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
# While more tasks than this wait in the event's queue the workers are behind, not short of work: the
# sweep leaves stale events to them rather than queue the backlog twice, and goes on once it shrinks.
SWEEP_BACKLOG_LIMIT = 2000
RECEIVED = "received"


class HandOverError(Exception):
    """The broker did not take the task (down, refusing, or not answering): the event stays ``received``."""


def handover_stale_after() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_HANDOVER_STALE_SECONDS)


@dataclass(frozen=True)
class Redelivery:
    event_id: int
    hand_over: bool  # still ``received`` with a stale hand-over: this delivery hands it over again


@dataclass(frozen=True)
class SweepResult:
    handed_over: int = 0
    failed: int = 0  # the broker refused them; left, marked not handed over, to the next sweep
    backlog: int | None = None  # tasks waiting in the queue (None: unknown, or no Redis broker)
    skipped: bool = False  # the queue was over SWEEP_BACKLOG_LIMIT: nothing swept this time

    def as_dict(self) -> dict[str, int | bool | None]:
        return {"handed_over": self.handed_over, "failed": self.failed, "backlog": self.backlog,
                "skipped": self.skipped}


@dataclass(frozen=True)
class EventHandOver:
    """The hand-over of one kind of stored event: its model, its task (dotted path) and that task's queue."""

    model: type[models.Model]
    task: str
    queue: str

    def hand_over(self, *, event_id: int) -> None:
        """Queue the processing of one stored event; ``HandOverError`` when the broker does not take it.

        In the embedded mode the task runs here and now, and its own errors propagate as before.
        """
        task: Any = import_string(self.task)
        if task.app.conf.task_always_eager:
            task.delay(event_id)
            return
        try:
            task.apply_async((event_id,), retry_policy=HAND_OVER_RETRY_POLICY)
        except (BrokerError, OSError) as exc:
            raise HandOverError(f"{type(exc).__name__}: {exc}") from exc

    def mark_not_handed_over(self, *, event_ids: Iterable[int]) -> None:
        """The broker refused these events: mark them never handed over, so that the provider's next delivery
        (or the next sweep) hands them over at once. A database that is down too leaves them to the sweep."""
        ids = list(event_ids)
        if not ids:
            return
        try:
            self.model._default_manager.filter(pk__in=ids, state=RECEIVED).update(handed_over_at=None)
        except DatabaseError:
            logger.warning("could not mark %d %s as not handed over", len(ids),
                           self.model._meta.verbose_name_plural, exc_info=True)

    def hand_overs(self) -> HandOvers:
        return HandOvers(self)

    def redelivery_claim(self, *, lookup: dict[str, Any], now: datetime | None = None) -> Redelivery | None:
        """A provider delivered again an event we already store (found by ``lookup``, its unique key);
        ``None`` when no such event is stored.

        The stored event is handed over again only if it is still ``received`` and its hand-over is stale or
        never happened; the claim is a conditional ``UPDATE`` of ``handed_over_at``, so of two redeliveries at
        once only one queues it. One query when there is nothing to do (as a plain duplicate check is).
        """
        manager = self.model._default_manager
        row = manager.filter(**lookup).order_by().values_list("pk", "state", "handed_over_at")[:1]
        if not row:
            return None
        event_id, state, handed_over_at = row[0]
        now = now or timezone.now()
        if state != RECEIVED or (handed_over_at is not None and handed_over_at > now - handover_stale_after()):
            return Redelivery(event_id=event_id, hand_over=False)
        claimed = manager.filter(pk=event_id, state=RECEIVED, handed_over_at=handed_over_at).update(
            handed_over_at=now)
        return Redelivery(event_id=event_id, hand_over=bool(claimed))

    def _claim_stranded(self, *, cutoff: datetime, oldest: datetime, now: datetime, limit: int) -> list[int]:
        """Take up to ``limit`` stranded events (oldest first) and stamp their new hand-over, in one transaction.

        ``SKIP LOCKED`` (PostgreSQL) passes over events a worker is processing right now and rows another
        sweep is claiming. The model's ``(state, received_at)`` index finds them: ``received`` rows are the
        few not processed yet.
        """
        manager = self.model._default_manager
        with transaction.atomic():
            ids = list(
                manager.select_for_update(skip_locked=True)
                .filter(state=RECEIVED, received_at__gte=oldest)
                .filter(Q(handed_over_at__isnull=True) | Q(handed_over_at__lt=cutoff))
                .order_by("received_at", "pk")
                .values_list("pk", flat=True)[:limit]
            )
            if ids:
                manager.filter(pk__in=ids).update(handed_over_at=now)
        return ids

    def sweep(
        self, *, stale_after: timedelta | None = None, batch_size: int = 500, max_batches: int = 10,
        now: datetime | None = None,
    ) -> SweepResult:
        """Hand over again the events left ``received`` whose hand-over is stale or never happened.

        Only events received in the last ``WEBHOOK_SWEEP_MAX_AGE_HOURS`` (older ones are replayed by hand),
        at most ``batch_size * max_batches`` per run. Stops at the broker's first refusal.
        """
        now = now or timezone.now()
        cutoff = now - (stale_after if stale_after is not None else handover_stale_after())
        oldest = now - timedelta(hours=settings.WEBHOOK_SWEEP_MAX_AGE_HOURS)
        backlog = queue_backlog(self.queue)
        if backlog is not None and backlog > SWEEP_BACKLOG_LIMIT:
            return SweepResult(backlog=backlog, skipped=True)
        label = self.model._meta.verbose_name_plural
        handed_over = 0
        for _batch in range(max_batches):
            ids = self._claim_stranded(cutoff=cutoff, oldest=oldest, now=now, limit=batch_size)
            for position, event_id in enumerate(ids):
                try:
                    self.hand_over(event_id=event_id)
                except HandOverError as exc:
                    logger.warning("sweep of %s stopped, the broker refused %s: %s", label, event_id, exc)
                    rest = ids[position:]
                    self.mark_not_handed_over(event_ids=rest)
                    return SweepResult(handed_over=handed_over, failed=len(rest), backlog=backlog)
                except Exception:  # noqa: BLE001 - embedded mode runs the task here; its failure is on the event
                    logger.exception("%s %s failed when swept", self.model._meta.verbose_name, event_id)
                handed_over += 1
            if len(ids) < batch_size:
                break
        if handed_over:
            logger.info("sweep: %d stranded %s handed over again", handed_over, label)
        return SweepResult(handed_over=handed_over, backlog=backlog)


class HandOvers:
    """The hand-overs of one webhook request, each run after its event's commit.

    After the broker's first refusal the rest are not tried (a broker that hangs would hold the request
    once per event): they are marked not handed over with it. ``failed`` counts them; outside a
    transaction (the webhook views) the callbacks run at once, so it is known when the ingest returns.
    """

    def __init__(self, handover: EventHandOver) -> None:
        self.handover = handover
        self.failed = 0

    def on_commit(self, event_id: int) -> None:
        transaction.on_commit(partial(self._hand_over, event_id))

    def _hand_over(self, event_id: int) -> None:
        if not self.failed:
            try:
                self.handover.hand_over(event_id=event_id)
                return
            except HandOverError as exc:
                logger.warning("%s %s not handed over: %s", self.handover.model._meta.verbose_name, event_id, exc)
        self.failed += 1
        self.handover.mark_not_handed_over(event_ids=[event_id])
