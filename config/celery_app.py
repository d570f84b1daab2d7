"""The Celery app. Without ``REDIS_URL`` tasks run in process (the embedded mode), and says so."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _lower_cpu_priority(**_kwargs: object) -> None:
    """Before the pool forks: the workers take the CPU the web processes leave (``core/priority.py``)."""
    import logging

    from django.conf import settings

    # Imported here: this module loads before Django's apps are ready (config/__init__.py imports it).
    from core.priority import worker_cpu_priority_apply

    applied = worker_cpu_priority_apply(settings.WORKER_CPU_PRIORITY)
    logging.getLogger("crm.runtime").info("Worker CPU priority: %s", applied)


@worker_init.connect
def _freeze_loaded_heap(**_kwargs: object) -> None:
    """Before the pool forks: what the worker loaded stays out of the cyclic collector's walks (core/heap.py)."""
    import logging

    # Imported here: this module loads before Django's apps are ready (config/__init__.py imports it).
    from core.heap import heap_freeze

    logging.getLogger("crm.runtime").info("Worker heap frozen: %s objects", heap_freeze())


@worker_ready.connect
def _log_mode(**_kwargs: object) -> None:
    # Imported here: this module loads before Django's apps are ready (config/__init__.py imports it).
    from core.runtime import log_runtime_mode

    log_runtime_mode(process="worker")


@task_prerun.connect
@task_postrun.connect
def _recycle_database_connections(task: Any = None, **_kwargs: object) -> None:
    """Around each task, what Django does around each request: drop connections that are broken or
    older than ``CONN_MAX_AGE``, keep the others.

    Celery's own Django fixup would close every connection after every task (``CELERY_DB_REUSE_MAX``
    unset), so each task opened a new PostgreSQL session: a backend started and its caches warmed up
    for a dozen queries, more CPU than the task's own work. Settings set ``CELERY_DB_REUSE_MAX`` so
    high that the fixup leaves connections alone, and this takes its place. Eager tasks (the embedded
    mode, tests) run inside the caller's transaction and are left alone.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
