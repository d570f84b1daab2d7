"""Thin daily tasks (beat): each calls its service, which is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from agreements.services import collection_followups_notify, installments_mark_overdue, installments_remind


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def installments_mark_overdue_task() -> dict[str, int]:
    result = installments_mark_overdue()
    return {"marked": result.marked, "broken": result.broken}


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def installments_remind_task() -> dict[str, int]:
    """Runs after ``installments_mark_overdue_task`` (see CELERY_BEAT_SCHEDULE)."""
    result = installments_remind()
    return {"messages": result.messages, "notes": result.notes, "skipped": result.skipped}


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def collection_followups_notify_task() -> dict[str, int]:
    """Every 5 minutes (beat): a notice per follow-up come due, once per action."""
    return {"sent": collection_followups_notify()}
