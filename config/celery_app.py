"""The Celery app. Without ``REDIS_URL`` tasks run in process (the embedded mode), and says so."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _log_mode(**_kwargs: object) -> None:
    from core.runtime import log_runtime_mode

    log_runtime_mode(process="worker")
