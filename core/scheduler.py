"""Celery beat inside the web process, for the embedded mode (``make run``: no Redis, no worker, no beat).

The periodic jobs of ``CELERY_BEAT_SCHEDULE`` (follow-ups due, silence reminders, quote expiry and
reminders, overdue instalments and their reminders, the event log's pruning) are run by Celery's own
scheduler class (``CELERY_BEAT_SCHEDULER``: django-celery-beat's, so admin shows and edits them), ticked
by one daemon thread. Tasks run in that thread, in process, as every task does in the embedded mode.

One scheduler, never two: the thread starts only in the process that holds an exclusive lock on
``var/scheduler.lock`` (``flock``), so a second web process or a second ``make run`` on the same
checkout leaves the jobs to the first. In the distributed mode ``celery beat`` runs them instead
(docker-compose's ``beat`` service) and this module only reports.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from celery import current_app
from celery.utils.imports import symbol_by_name
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger("crm.scheduler")

MAX_SLEEP_SECONDS = 30.0  # a job edited in admin is picked up within this


def lock_path() -> Path:
    return Path(settings.VAR_DIR) / "scheduler.lock"


class EmbeddedScheduler:
    """Celery's scheduler, ticked by a thread of this process while it holds the scheduler lock."""

    def __init__(self, app: Any = None, *, path: Path | None = None) -> None:
        self.app = app or current_app
        self.path = path or lock_path()
        self._lock_file: IO[str] | None = None
        self._scheduler: Any = None
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None

    # -- the lock ------------------------------------------------------------------------------
    def acquire(self) -> bool:
        """Take the scheduler lock; False when another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held for the life of the process
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock_file = handle
        return True

    def release(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    # -- the schedule --------------------------------------------------------------------------
    @property
    def scheduler(self) -> Any:
        if self._scheduler is None:
            scheduler_cls = symbol_by_name(self.app.conf.beat_scheduler)
            self._scheduler = scheduler_cls(app=self.app, lazy=False, max_interval=MAX_SLEEP_SECONDS)
        return self._scheduler

    def tick(self) -> float:
        """Run what is due (one job per call, as Celery beat does); the seconds until the next call."""
        return float(self.scheduler.tick())

    def run_due(self, *, limit: int = 100) -> int:
        """Tick until nothing is due now; how many jobs ran."""
        ran = 0
        while ran < limit and self.tick() == 0:
            ran += 1
        return ran

    # -- the thread ----------------------------------------------------------------------------
    def load_tasks(self) -> None:
        """Import every app's ``tasks`` module, as a worker does when it starts. A web process imports only those
        its views and services need; beat hands a job whose task is not registered to ``send_task``, which in
        process (eager) mode does nothing, so without this most periodic jobs never ran under ``make run``."""
        self.app.loader.import_default_modules()

    def _loop(self) -> None:
        self.load_tasks()
        logger.info("Embedded scheduler started (pid %s): %d periodic jobs", os.getpid(),
                    len(self.app.conf.beat_schedule or {}))
        while not self._stop.is_set():
            try:
                delay = self.tick()
            except Exception:
                logger.exception("Embedded scheduler tick failed")
                delay = MAX_SLEEP_SECONDS
            finally:
                close_old_connections()  # this thread's connection, as at the end of a request
            self._stop.wait(min(max(delay, 0.0), MAX_SLEEP_SECONDS))
        try:
            self.scheduler.close()
        finally:
            self.release()

    def start(self) -> bool:
        """Start the thread if this process takes the lock; False when another process schedules."""
        if not self.acquire():
            logger.info("Embedded scheduler: another process holds %s; it runs the periodic jobs", self.path)
            return False
        self.thread = threading.Thread(target=self._loop, name="embedded-scheduler", daemon=True)
        self.thread.start()
        return True

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self.thread is not None:
            self.thread.join(timeout)


_running: EmbeddedScheduler | None = None


def start_embedded_scheduler() -> EmbeddedScheduler | None:
    """Called once by the ASGI entry when ``EMBEDDED_SCHEDULER`` is on and tasks run in process."""
    global _running
    if _running is not None:
        return _running
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        logger.warning("EMBEDDED_SCHEDULER is on but tasks go to Celery workers: run `celery beat` instead.")
        return None
    scheduler = EmbeddedScheduler()
    if scheduler.start():
        _running = scheduler
    return _running


# -- what /system/status/ shows ------------------------------------------------------------------
@dataclass(frozen=True)
class JobState:
    name: str
    task: str
    enabled: bool
    last_run_at: datetime | None
    next_run_at: datetime | None


def scheduler_state() -> str:
    """``embedded`` (a process of this checkout holds the lock and runs the jobs), ``celery_beat``
    (distributed mode: beat is a service of its own) or ``off`` (embedded mode, nobody runs them)."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        return "celery_beat"
    if _running is not None:
        return "embedded"
    path = lock_path()
    if not path.exists():
        return "off"
    with open(path) as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return "embedded"  # held by another process of this checkout
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return "off"


def _next_run(schedule: Any, last: datetime, now: datetime) -> datetime | None:
    try:
        return now + max(schedule.remaining_estimate(last), timedelta(0))
    except Exception:  # noqa: BLE001 - a schedule edited into nonsense in admin shows without a time
        return None


def scheduled_jobs(*, now: datetime | None = None) -> list[JobState]:
    """Every periodic job with its last and next run: the rows the scheduler keeps (admin may add or
    disable some), and the settings' jobs it has not stored yet."""
    from django_celery_beat.models import PeriodicTask  # the scheduler's own table; loaded only when asked

    now = now or timezone.now()
    jobs: dict[str, JobState] = {}
    for name, entry in (current_app.conf.beat_schedule or {}).items():
        jobs[name] = JobState(name=name, task=entry["task"], enabled=True, last_run_at=None,
                              next_run_at=_next_run(entry["schedule"], now, now))
    rows = PeriodicTask.objects.select_related("crontab", "interval", "solar", "clocked").exclude(
        name="celery.backend_cleanup")
    for task in rows:
        next_run_at = None
        if task.enabled and task.schedule is not None:
            next_run_at = _next_run(task.schedule, task.last_run_at or task.date_changed or now, now)
        jobs[task.name] = JobState(name=task.name, task=task.task, enabled=task.enabled,
                                   last_run_at=task.last_run_at, next_run_at=next_run_at)
    return sorted(jobs.values(), key=lambda job: (job.next_run_at is None, job.next_run_at or now, job.name))
