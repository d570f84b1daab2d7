"""The periodic jobs run in the embedded mode (core/scheduler.py): Celery's scheduler ticked in process,
one process per checkout, and /system/status/ says who runs them and when each runs next."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from conversations.models import ChannelAccount, Conversation, FollowUpTask, Message
from conversations.services.followups import followup_schedule
from core import scheduler as embedded
from tests.conftest import celery_eager
from tests.conversations.conftest import PHONE_NUMBER_ID
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_process(settings):
    """The embedded mode's tasks: run in the caller (also on the PostgreSQL + Redis run of the suite)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with celery_eager(True):
        yield


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def graph(httpserver, settings):
    settings.META_GRAPH_BASE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(f"/{PHONE_NUMBER_ID}/messages", method="POST").respond_with_json(
        {"messaging_product": "whatsapp", "messages": [{"id": "wamid.SCHEDULED"}]})
    return httpserver


@pytest.fixture
def conversation(agent) -> Conversation:
    account = ChannelAccount.objects.create(provider="meta_whatsapp", name="WhatsApp Cloud API",
                                            account_ref=PHONE_NUMBER_ID, access_token="meta-access-token",
                                            ai_mode=ChannelAccount.AIMode.OFF)
    now = timezone.now()
    return Conversation.objects.create(contact=ContactFactory(name="Rosa Quispe", phone="+51987654321"),
                                       channel_account=account, assignee=agent, last_inbound_at=now,
                                       last_message_at=now)


@pytest.mark.django_db(transaction=True)  # the scheduler commits and recycles its connection, as in production
def test_follow_up_scheduled_a_minute_ahead_is_sent_by_the_embedded_scheduler(
    in_process, var_dir, graph, conversation, agent, django_capture_on_commit_callbacks
):
    start = timezone.now().replace(second=5, microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        followup = followup_schedule(actor=agent, conversation=conversation, due_at=start + timedelta(minutes=1),
                                     text="Hola Rosa, ¿pudiste revisar la cotización?")
        scheduler = embedded.EmbeddedScheduler(path=var_dir / "scheduler.lock")
        with django_capture_on_commit_callbacks(execute=True):
            scheduler.run_due()
        assert FollowUpTask.objects.get().state == "scheduled" and not graph.log  # not due yet
        clock.shift(timedelta(minutes=2))  # time moves; nobody waits
        with django_capture_on_commit_callbacks(execute=True):
            ran = scheduler.run_due()
        scheduler.scheduler.close()
    assert ran >= 1
    followup.refresh_from_db()
    assert followup.state == "sent"
    sent = Message.objects.get(direction="out")
    assert sent.text == "Hola Rosa, ¿pudiste revisar la cotización?" and sent.status == "sent"
    [(request, _response)] = graph.log
    assert request.get_json()["text"]["body"] == "Hola Rosa, ¿pudiste revisar la cotización?"


def test_one_scheduler_never_two(var_dir):
    first = embedded.EmbeddedScheduler(path=var_dir / "scheduler.lock")
    second = embedded.EmbeddedScheduler(path=var_dir / "scheduler.lock")
    assert first.acquire()
    try:
        assert not second.acquire()  # another web process of this checkout leaves the jobs to the first
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_no_embedded_scheduler_where_workers_run_the_tasks(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert embedded.start_embedded_scheduler() is None
    assert embedded.scheduler_state() == "celery_beat"


def test_status_lists_the_scheduler_and_the_next_run_of_each_job(client, supervisor, in_process, var_dir):
    client.force_login(supervisor)
    body = client.get("/system/status/").json()
    assert body["scheduler"]["state"] == "off"  # embedded mode, but no process runs the jobs
    jobs = {job["name"]: job for job in body["scheduler"]["jobs"]}
    assert {"conversations-followups-due", "sales-quotes-expire", "agreements-remind"} <= set(jobs)
    followups = jobs["conversations-followups-due"]
    assert followups["task"] == "conversations.tasks.run_due_followups" and followups["enabled"]
    next_run = timezone.datetime.fromisoformat(followups["next_run_at"])
    assert timedelta(0) <= next_run - timezone.now() <= timedelta(seconds=61)  # every minute

    holder = embedded.EmbeddedScheduler(path=var_dir / "scheduler.lock")
    assert holder.acquire()  # as `make run` does
    try:
        assert client.get("/system/status/").json()["scheduler"]["state"] == "embedded"
    finally:
        holder.release()


def test_agents_and_anonymous_callers_do_not_see_the_jobs(client, agent):
    client.force_login(agent)
    assert "scheduler" not in client.get("/system/status/").json()


def test_every_periodic_job_has_its_task_in_a_fresh_web_process():
    """Beat hands a job whose task is not registered to send_task, which does nothing in process: a web process that
    had not imported, say, sla.tasks never ran the SLA check under ``make run``."""
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()\n"
        "import config.asgi\n"
        "from core.scheduler import EmbeddedScheduler\n"
        "from config.celery_app import app\n"
        "EmbeddedScheduler().load_tasks()\n"
        "names = {entry['task'] for entry in app.conf.beat_schedule.values()}\n"
        "print(len(names), sorted(name for name in names if name not in app.tasks))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "EMBEDDED_SCHEDULER")}
    done = subprocess.run([sys.executable, "-c", code], env={**env, "SECRET_KEY": "x"}, cwd=settings.BASE_DIR,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=True)
    count, missing = done.stdout.strip().splitlines()[-1].split(" ", 1)
    assert int(count) >= 10 and missing == "[]"
