"""Which mode the product runs in, and how its parts are doing (for start-up logs and /system/status/)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from celery import current_app as current_celery_app
from django.conf import settings
from django.db import connection

from core.queues import queue_backlogs

logger = logging.getLogger("crm.runtime")


@dataclass(frozen=True)
class RuntimeMode:
    database: str  # "sqlite" | "postgresql" | ...
    channel_layer: str  # "memory" | "redis"
    tasks: str  # "in-process" | "celery"
    storage: str  # "local" | "s3"

    @property
    def name(self) -> str:
        return "embedded" if self.tasks == "in-process" and self.database == "sqlite" else "distributed"


def runtime_mode() -> RuntimeMode:
    return RuntimeMode(
        database=connection.vendor,
        channel_layer="redis" if settings.REDIS_URL else "memory",
        tasks="in-process" if settings.CELERY_TASK_ALWAYS_EAGER else "celery",
        storage="s3" if settings.AWS_STORAGE_BUCKET_NAME else "local",
    )


def log_runtime_mode(*, process: str) -> None:
    mode = runtime_mode()
    logger.info(
        "Mode %s (%s): database=%s channel_layer=%s tasks=%s storage=%s ai=%s",
        mode.name,
        process,
        mode.database,
        mode.channel_layer,
        mode.tasks,
        mode.storage,
        settings.AI_PROVIDER,
    )
    if mode.tasks == "in-process":
        logger.warning("REDIS_URL is not set: Celery tasks run in this process, the channel layer is in memory.")


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - a health probe reports any failure
        logger.warning("database check failed: %s", type(exc).__name__)
        return "error"
    return "ok"


def check_redis() -> str:
    if not settings.REDIS_URL:
        return "not_configured"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        logger.warning("redis check failed: %s", type(exc).__name__)
        return "error"
    return "ok"


def check_celery() -> str:
    """``in-process`` in the embedded mode; otherwise ``ok`` when a worker answers a ping."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    try:
        replies = current_celery_app.control.ping(timeout=0.5)
    except Exception as exc:  # noqa: BLE001 - the broker may be down in any way
        logger.warning("celery check failed: %s", type(exc).__name__)
        return "error"
    return "ok" if replies else "no_workers"


def check_ai_provider() -> str:
    provider = settings.AI_PROVIDER
    if provider == "local":
        return "ok"
    if provider == "openai":
        return "ok" if settings.OPENAI_API_KEY or "api.openai.com" not in settings.OPENAI_BASE_URL else "not_configured"
    return "unknown_provider"


def system_status() -> dict[str, object]:
    mode = runtime_mode()
    checks = {
        "database": check_database(),
        "redis": check_redis(),
        "celery": check_celery(),
        "ai_provider_state": check_ai_provider(),
    }
    healthy = {"ok", "not_configured", "in-process"}
    if checks["database"] != "ok":
        overall = "error"
    elif all(value in healthy for value in checks.values()):
        overall = "ok"
    else:
        overall = "degraded"
    return {
        "status": overall,
        "database": checks["database"],
        "redis": checks["redis"],
        "celery": checks["celery"],
        "ai_provider": settings.AI_PROVIDER,
        "ai_provider_state": checks["ai_provider_state"],
        "version": settings.VERSION,
        "mode": mode.name,
        "components": {
            "database": mode.database,
            "channel_layer": mode.channel_layer,
            "tasks": mode.tasks,
            "storage": mode.storage,
        },
        "scheduler": scheduler_status(),
        # Tasks waiting per worker queue (null in the embedded mode): a queue that keeps growing needs more of
        # its worker (README, "Scaling out").
        "queues": queue_backlogs() if checks["redis"] == "ok" and not settings.CELERY_TASK_ALWAYS_EAGER else None,
    }


def scheduler_status() -> dict[str, object]:
    """Who runs the periodic jobs (``embedded``, ``celery_beat`` or ``off``) and each job's next run."""
    from core.scheduler import scheduled_jobs, scheduler_state  # reads django-celery-beat's models

    try:
        jobs = [
            {"name": job.name, "task": job.task, "enabled": job.enabled,
             "last_run_at": job.last_run_at.isoformat() if job.last_run_at else None,
             "next_run_at": job.next_run_at.isoformat() if job.next_run_at else None}
            for job in scheduled_jobs()
        ]
    except Exception as exc:  # noqa: BLE001 - the status page reports, it never fails on a part
        logger.warning("scheduler status failed: %s", type(exc).__name__)
        jobs = []
    return {"state": scheduler_state(), "jobs": jobs}
