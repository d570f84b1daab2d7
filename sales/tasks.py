"""Thin tasks: ids in, a service call. Beat runs the expiry and the reminders once a day."""

from __future__ import annotations

from celery import shared_task

from sales.services.quotes import quotes_expire, quotes_remind
from sales.services.sales import sale_receipt_send


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=120, time_limit=180)
def quotes_expire_task() -> int:
    return quotes_expire()


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def quotes_remind_task() -> dict[str, int]:
    result = quotes_remind()
    return {"messages": result.messages, "notes": result.notes}


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def sale_receipt_send_task(sale_id: int) -> str:
    return sale_receipt_send(sale_id=sale_id)
