"""Thin tasks: each calls its service, which is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from tickets.services import tickets_check_sla


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=55)
def tickets_check_sla_task() -> dict[str, int]:
    """Every minute (beat): SLA warnings and breach marks that fell due."""
    result = tickets_check_sla()
    return {"warned": result.warned, "breached": result.breached}
