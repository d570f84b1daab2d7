"""Thin tasks: each calls its service, which is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from csat.services import csat_surveys_expire


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=55)
def csat_surveys_expire_task() -> int:
    """Every few minutes (beat): surveys nobody answered in time become "no answer"."""
    return csat_surveys_expire()
