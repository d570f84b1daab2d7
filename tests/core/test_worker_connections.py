"""Celery workers keep their database connection from task to task, and drop it only when Django would."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from config.celery_app import _recycle_database_connections, app

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def _task(eager: bool = False) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


@pytest.fixture
def persistent_connection():
    connection.close()
    saved = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.ensure_connection()
    yield connection.connection
    connection.settings_dict["CONN_MAX_AGE"] = saved
    connection.close()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_worker_runs_task_after_task_on_one_database_session(persistent_connection):
    fixup = DjangoWorkerFixup(app)  # what `celery worker` installs
    pid = _backend_pid()
    for _ in range(3):
        fixup.on_task_prerun(_task())
        _recycle_database_connections(task=_task())
        _backend_pid()  # the task's work
        fixup.on_task_postrun(_task())
        _recycle_database_connections(task=_task())
    assert connection.connection is persistent_connection
    assert _backend_pid() == pid


def test_a_connection_past_its_age_or_broken_is_replaced_before_the_next_task(persistent_connection):
    pid = _backend_pid()
    connection.close_at = 0  # older than CONN_MAX_AGE
    _recycle_database_connections(task=_task())
    assert connection.connection is None
    assert _backend_pid() != pid

    pid = _backend_pid()
    connection.errors_occurred = True
    connection.connection.close()  # e.g. PostgreSQL restarted under the worker
    _recycle_database_connections(task=_task())
    assert _backend_pid() != pid


def test_an_eager_task_leaves_the_callers_connection_alone(persistent_connection):
    connection.close_at = 0
    _recycle_database_connections(task=_task(eager=True))
    assert connection.connection is persistent_connection
