"""The inbound backlog as the AI step sees it, on the real Redis broker (core/queues.py)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import redis

from core.queues import queue_backlog, wait_while_backlogged
from tests.panel.conftest import channel_account, make_conversation  # noqa: F401 - fixtures


@pytest.fixture
def broker(settings):
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client = redis.Redis.from_url(settings.REDIS_URL)
    queue = f"test-backlog-{uuid.uuid4().hex[:8]}"
    yield client, queue
    client.delete(queue, *(f"{queue}\x06\x16{step}" for step in (3, 6, 9)))


@pytest.mark.redis
def test_backlog_counts_the_waiting_tasks_of_every_priority(broker):
    client, queue = broker
    assert queue_backlog(queue) == 0
    client.rpush(queue, *[b"task"] * 3)
    client.rpush(f"{queue}\x06\x163", *[b"task"] * 2)  # kombu's list for priority step 3
    assert queue_backlog(queue) == 5


@pytest.mark.redis
def test_waits_until_the_backlog_is_back_under_the_threshold(broker):
    client, queue = broker
    client.rpush(queue, *[b"task"] * 10)
    drained = threading.Event()

    def worker() -> None:  # the inbound worker catching up
        time.sleep(0.3)
        client.ltrim(queue, 0, 1)
        drained.set()

    threading.Thread(target=worker).start()
    wait_while_backlogged(queue, threshold=4, max_seconds=30, poll=0.05)
    assert drained.is_set()  # it did not go on while 10 tasks waited
    assert queue_backlog(queue) == 2


@pytest.mark.redis
def test_gives_up_waiting_after_its_limit(broker):
    client, queue = broker
    client.rpush(queue, *[b"task"] * 10)
    waited = wait_while_backlogged(queue, threshold=4, max_seconds=0.3, poll=0.05)
    assert waited >= 0.3  # the AI step still runs when the spike lasts
    assert queue_backlog(queue) == 10


def test_an_unreachable_broker_never_holds_the_ai_step(settings, caplog):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert queue_backlog("inbound") is None
    assert wait_while_backlogged("inbound", threshold=0, max_seconds=30) < 5
    assert "could not read the length of queue inbound" in caplog.text


def test_without_a_broker_there_is_no_backlog(settings):
    settings.CELERY_BROKER_URL = "memory://"
    assert queue_backlog("inbound") is None
    assert wait_while_backlogged("inbound", threshold=0, max_seconds=30) < 1


@pytest.mark.redis
@pytest.mark.django_db
def test_the_ai_step_waits_for_the_inbound_queue_at_most_its_limit(settings, make_conversation):  # noqa: F811
    from conversations.tasks import yield_to_inbound
    from tests.panel.conftest import add_message

    settings.CELERY_BROKER_URL = settings.REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.AI_YIELD_BACKLOG, settings.AI_YIELD_MAX_SECONDS = 0, 0.4
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("inbound")
    message = add_message(make_conversation(), text="hola")
    try:
        assert yield_to_inbound(message) == 0.0  # nothing behind: no wait
        client.rpush("inbound", *[b"task"] * 5)  # the inbound worker is behind
        assert 0.4 <= yield_to_inbound(message) < 5
    finally:
        client.delete("inbound")
