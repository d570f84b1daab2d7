"""Thin tasks: each calls its service, which is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from dashboard.services import analytics_rollup


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=280, time_limit=300)
def analytics_rollup_task() -> dict[str, int]:
    """Every 10 minutes (beat): the dashboard's daily message counts for the last closed days and a batch of
    older days never rolled up."""
    result = analytics_rollup()
    return {"days": len(result.days), "rows": result.rows, "messages": result.messages}
