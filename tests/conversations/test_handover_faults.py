"""Stored webhook events always reach a worker: the broker (Redis) down, restarted, or slow to answer.

The broker is real: a ``redis-server`` of the test's own on a spare port, killed and started again as an
outage would (Redis keeps nothing on disk here, as in docker-compose, so a restart empties its queues);
"down" is a port nobody listens on. What a worker would do is done by taking the queued tasks out of Redis
and running them. The webhook requests commit as in production (transactional tests), so the hand-over
runs inside the request and its answer depends on it.
"""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
import time_machine
from celery.exceptions import Retry
from django.db import OperationalError
from django.utils import timezone

from conversations.models import Message, WebhookEvent
from conversations.services.handover import webhook_events_sweep
from conversations.tasks import process_webhook_event, sweep_stranded_webhook_events
from tests.brokers import broker_at, closed_port_url, reads_backlog_of
from tests.conftest import celery_eager
from tests.conversations.conftest import twilio_params, wa_payload, wa_text
from tests.conversations.test_media_full_disk import as_worker  # the inbound worker's (not eager) run of a task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ai_off")]


def test_webhook_answers_503_and_keeps_the_event_received_when_the_broker_is_down(post_meta):
    with broker_at(closed_port_url()):
        started = time.monotonic()
        response = post_meta(wa_payload(wa_text("wamid.DOWN1", "Hola, ¿tienen el plan de 100 megas?")))
        took = time.monotonic() - started
    assert response.status_code == 503  # never 200 with the event stranded: Meta delivers it again
    assert response.json()["code"] == "unavailable"
    assert response["Retry-After"] == "5"
    assert took < 2  # a refused broker fails the request at once, it does not hang
    event = WebhookEvent.objects.get()
    assert (event.state, event.handed_over_at) == (WebhookEvent.State.RECEIVED, None)  # stored: nothing lost
    assert not Message.objects.exists()
    # Whatever hands it over later (the redelivery, the sweep, replay_webhooks), the message arrives.
    process_webhook_event.apply(args=[event.pk])
    assert Message.objects.get().text == "Hola, ¿tienen el plan de 100 megas?"


def test_twilio_webhook_answers_503_as_well_when_the_broker_is_down(post_twilio):
    with broker_at(closed_port_url()):
        response = post_twilio(twilio_params())
    assert response.status_code == 503 and response.json()["code"] == "unavailable"
    assert WebhookEvent.objects.get().state == WebhookEvent.State.RECEIVED


def test_redelivery_after_redis_is_back_hands_the_stranded_event_over_and_it_is_processed(post_meta, own_redis):
    payload = wa_payload(wa_text("wamid.BACK1", "Quiero cambiar de operador"))
    with broker_at(own_redis.url):
        own_redis.kill()
        assert post_meta(payload).status_code == 503
        assert post_meta(payload).status_code == 503  # Meta's retry while Redis is still down: 503 again
        own_redis.start()
        response = post_meta(payload)  # the next retry, Redis back
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert own_redis.queued_event_ids() == [event.pk]  # the duplicate of a stranded event queued it again
    assert own_redis.work() == 1
    event.refresh_from_db()
    assert event.state == WebhookEvent.State.PROCESSED
    assert Message.objects.get().text == "Quiero cambiar de operador"  # once, never doubled


def test_a_hung_redis_gets_a_503_after_the_socket_timeout_not_a_hung_request(post_meta, own_redis, settings):
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"] == 3
    with broker_at(own_redis.url):
        assert post_meta(wa_payload(wa_text("wamid.HUNG0", "hola"))).status_code == 200  # a pooled connection
        own_redis.process.send_signal(signal.SIGSTOP)  # accepts connections, answers nothing
        try:
            started = time.monotonic()
            response = post_meta(wa_payload(wa_text("wamid.HUNG1", "¿siguen ahí?")))
            took = time.monotonic() - started
        finally:
            own_redis.process.send_signal(signal.SIGCONT)
    assert response.status_code == 503 and response.json()["code"] == "unavailable"
    assert took < 5  # one socket timeout (3 s), not a request held until the provider gives up
    event = WebhookEvent.objects.get(external_id="wamid.HUNG1")
    assert (event.state, event.handed_over_at) == (WebhookEvent.State.RECEIVED, None)


def test_a_quick_duplicate_delivery_does_not_queue_the_event_twice(post_meta, own_redis):
    payload = wa_payload(wa_text("wamid.DUP1", "Hola"))
    with broker_at(own_redis.url):
        assert post_meta(payload).status_code == 200
        assert post_meta(payload).status_code == 200  # the provider's usual redelivery, a moment later
    event = WebhookEvent.objects.get()
    assert own_redis.queued_event_ids() == [event.pk]
    own_redis.work()
    assert post_meta(payload).status_code == 200  # a duplicate of a processed event: nothing to do
    assert own_redis.queued_event_ids() == []
    assert Message.objects.count() == 1


def test_a_broker_restart_loses_queued_tasks_and_the_sweep_hands_them_over_once(post_meta, own_redis, settings):
    settings.WEBHOOK_HANDOVER_STALE_SECONDS = 40
    reads_backlog_of(own_redis, settings)
    start = timezone.now()
    with broker_at(own_redis.url), time_machine.travel(start, tick=False) as clock:
        clock.move_to(start - timedelta(hours=25))
        post_meta(wa_payload(wa_text("wamid.OLD", "un mensaje de ayer")))  # too old for the sweep
        clock.move_to(start)
        for n in (1, 2):
            assert post_meta(wa_payload(wa_text(f"wamid.LOST{n}", f"perdido {n}"))).status_code == 200
        own_redis.restart()  # Redis keeps nothing on disk: three queued tasks are gone
        assert own_redis.queued_event_ids() == []
        clock.shift(timedelta(seconds=10))
        post_meta(wa_payload(wa_text("wamid.DONE", "ya procesado")))
        own_redis.work()
        clock.shift(timedelta(seconds=35))  # the lost ones were handed over 45 s ago, the new one just now
        post_meta(wa_payload(wa_text("wamid.NEW", "recién llegado")))

        result = sweep_stranded_webhook_events.apply().get()
        again = webhook_events_sweep()  # 15 s later the sweep finds them freshly handed over: nothing to do
        clock.shift(timedelta(seconds=15))
        third = webhook_events_sweep()

    events = {event.external_id: event for event in WebhookEvent.objects.all()}
    assert result == {"handed_over": 2, "failed": 0, "backlog": 1, "skipped": False}  # NEW waits
    assert (again.handed_over, third.handed_over) == (0, 0)
    lost = sorted(events[f"wamid.LOST{n}"].pk for n in (1, 2))
    assert own_redis.queued_event_ids() == sorted([*lost, events["wamid.NEW"].pk])  # each once
    own_redis.work()
    states = {external_id: WebhookEvent.objects.get(pk=event.pk).state for external_id, event in events.items()}
    assert states == {"wamid.OLD": "received", "wamid.LOST1": "processed", "wamid.LOST2": "processed",
                      "wamid.DONE": "processed", "wamid.NEW": "processed"}
    assert sorted(Message.objects.values_list("text", flat=True)) == [
        "perdido 1", "perdido 2", "recién llegado", "ya procesado"]


def test_the_sweep_stops_at_a_refusing_broker_and_leaves_the_events_for_the_next_one(post_meta, own_redis):
    with broker_at(own_redis.url):
        for n in (1, 2, 3):
            post_meta(wa_payload(wa_text(f"wamid.S{n}", f"hola {n}")))
        own_redis.kill()
        result = webhook_events_sweep(stale_after=timedelta(0))
    assert (result.handed_over, result.failed) == (0, 3)
    assert set(WebhookEvent.objects.values_list("state", "handed_over_at")) == {("received", None)}
    own_redis.start()
    with broker_at(own_redis.url):
        assert webhook_events_sweep(stale_after=timedelta(seconds=40)).handed_over == 3  # never handed: at once
    assert len(own_redis.queued_event_ids()) == 3


def test_the_sweep_waits_while_the_inbound_queue_is_long(post_meta, own_redis, settings):
    from conversations.services import handover

    with broker_at(own_redis.url):
        post_meta(wa_payload(wa_text("wamid.Q1", "hola")))
        own_redis.client.lpush("inbound", *[b"{}"] * (handover.SWEEP_BACKLOG_LIMIT + 1))
        reads_backlog_of(own_redis, settings)
        result = webhook_events_sweep(stale_after=timedelta(0))
    assert result.skipped and result.backlog == handover.SWEEP_BACKLOG_LIMIT + 2
    assert result.handed_over == 0


def test_the_sweep_runs_in_the_embedded_mode_and_processes_a_stranded_event(post_meta, settings):
    assert settings.CELERY_BEAT_SCHEDULE["conversations-webhooks-sweep"]["task"] == (
        "conversations.tasks.sweep_stranded_webhook_events")
    with broker_at(closed_port_url()):
        post_meta(wa_payload(wa_text("wamid.EMB", "hola desde el modo embebido")))  # 503, stranded
    settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL = True, "memory://"  # `make run`: no Redis
    with celery_eager(True):
        assert sweep_stranded_webhook_events() == {"handed_over": 1, "failed": 0, "backlog": None,
                                                   "skipped": False}
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED
    assert Message.objects.get().text == "hola desde el modo embebido"


def test_replay_webhooks_still_processes_what_is_left_received(post_meta):
    from django.core.management import call_command

    with broker_at(closed_port_url()):
        post_meta(wa_payload(wa_text("wamid.RP", "hola")))
    call_command("replay_webhooks", "--no-progress")
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED
    assert Message.objects.count() == 1


def test_worker_retries_in_seconds_and_leaves_the_event_received_when_postgresql_is_unreachable(
    post_meta, monkeypatch
):
    with broker_at(closed_port_url()):
        post_meta(wa_payload(wa_text("wamid.PGDOWN", "hola, ¿siguen ahí?")))  # stored; no task queued
    event = WebhookEvent.objects.get()

    def refused(**_kwargs: object) -> None:
        raise OperationalError("connection failed: Connection refused")

    monkeypatch.setattr("conversations.tasks.webhook_event_process", refused)
    with celery_eager(False), pytest.raises(Retry) as retried:
        as_worker(event.pk)
    assert retried.value.when is not None and float(retried.value.when) <= 2  # seconds, not the next sweep
    event.refresh_from_db()
    # Not marked failed (the sweep passes over failed events): still received, for the retry or the sweep.
    assert (event.state, event.last_error, event.attempts) == (WebhookEvent.State.RECEIVED, "", 0)

    monkeypatch.undo()  # PostgreSQL is back
    with celery_eager(False):
        assert as_worker(event.pk, retries=1) == WebhookEvent.State.PROCESSED
    assert Message.objects.get().text == "hola, ¿siguen ahí?"
