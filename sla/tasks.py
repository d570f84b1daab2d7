"""Thin tasks: each calls its service, which is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from sla.services import conversations_check_sla


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=55)
def sla_conversations_check_task() -> dict[str, int]:
    """Every minute (beat): the first-response warnings and breaches that fell due, told once each."""
    result = conversations_check_sla()
    return {"warned": result.warned, "breached": result.breached}
