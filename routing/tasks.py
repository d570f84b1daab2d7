"""Thin tasks: each calls its service, which is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from routing.services import assignments_return_unanswered


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=55)
def routing_return_unanswered_task() -> int:
    """Every minute (beat): assignments nobody answered in time go to another agent or back to the queue."""
    return assignments_return_unanswered()
