"""Stored Twilio Voice callbacks always reach a worker: the broker (Redis) down or restarted.

As tests/conversations/test_handover_faults.py, with the same real broker (tests/brokers.py): a redis-server of
the test's own, killed and started again as an outage would, or a port nobody listens on. The webhook requests
commit as in production (transactional tests), so the hand-over runs inside the request and its answer depends
on it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from calls.models import Call, VoiceWebhookEvent
from calls.services.handover import voice_events_sweep
from calls.tasks import process_voice_event, sweep_stranded_voice_events
from tests.brokers import broker_at, closed_port_url, reads_backlog_of
from tests.calls import test_voice_webhooks as voice
from tests.conftest import celery_eager

pytestmark = pytest.mark.django_db(transaction=True)

# The voice webhooks' fixtures: their settings (autouse), signed posts, a customer with a lead, a call.
voice_settings = voice.voice_settings
post_voice = voice.post_voice
customer_with_lead = voice.customer_with_lead
inbound_call = voice.inbound_call

TASK = "calls.tasks.process_voice_event"
STATUS, RECORDING, VOICE = voice.STATUS, voice.RECORDING, voice.VOICE


def test_status_and_recording_callbacks_answer_503_and_stay_received_when_the_broker_is_down(
        post_voice, inbound_call, httpserver):
    with broker_at(closed_port_url()):
        status = post_voice(STATUS, voice.status_params("completed", 3, CallDuration="42"))
        recording = post_voice(RECORDING, voice.recording_params(httpserver.url_for(voice.recording_path())))
    for response in (status, recording):
        assert response.status_code == 503  # never 200 with the event stranded: Twilio delivers it again
        assert response.json()["code"] == "unavailable" and response["Retry-After"] == "5"
    stored = VoiceWebhookEvent.objects.exclude(kind="inbound")
    assert sorted(stored.values_list("kind", "state", "handed_over_at")) == [
        ("recording", "received", None), ("status", "received", None)]  # stored: nothing lost
    # Whatever hands it over later (the redelivery, the sweep, replay_voice_events), the call moves on.
    process_voice_event.apply(args=[stored.get(kind="status").pk])
    inbound_call.refresh_from_db()
    assert (inbound_call.status, inbound_call.duration) == ("completed", 42)


def test_an_inbound_call_is_still_answered_with_its_twiml_when_the_broker_is_down(post_voice, customer_with_lead):
    with broker_at(closed_port_url()), time_machine.travel(voice.OPEN_TIME):
        answer = voice.twiml(post_voice(VOICE, voice.voice_params()))  # 200 with TwiML, never a 503 to a caller
        dial_end = voice.twiml(post_voice(VOICE + "?stage=dial",
                                          voice.voice_params(CallStatus="in-progress", DialCallStatus="no-answer")))
    assert answer.find("Dial") is not None  # the agent is rung
    assert dial_end.find("Record") is not None  # nobody answered: the voicemail
    call = Call.objects.get()
    assert (call.contact, call.is_voicemail) == (customer_with_lead[0], True)
    assert set(VoiceWebhookEvent.objects.values_list("state", flat=True)) == {"processed"}  # by the request itself


def test_a_redelivered_status_callback_is_queued_again_only_when_its_hand_over_is_stale(
        post_voice, inbound_call, own_redis, settings):
    settings.WEBHOOK_HANDOVER_STALE_SECONDS = 40
    params = voice.status_params("completed", 3, CallDuration="42")
    with broker_at(own_redis.url), time_machine.travel(voice.OPEN_TIME, tick=False) as clock:
        assert post_voice(STATUS, params).status_code == 200
        event = VoiceWebhookEvent.objects.get(kind="status")
        assert own_redis.queued_event_ids(task=TASK) == [event.pk]
        own_redis.restart()  # Redis keeps nothing on disk: the queued task is gone
        clock.shift(timedelta(seconds=5))
        assert post_voice(STATUS, params).status_code == 200  # Twilio's quick retry: a fresh hand-over, no queue
        assert own_redis.queued_event_ids(task=TASK) == []
        clock.shift(timedelta(seconds=40))
        assert post_voice(STATUS, params).status_code == 200  # a stale hand-over: this delivery queues it again
        assert post_voice(STATUS, params).status_code == 200  # and only that one
    assert own_redis.queued_event_ids(task=TASK) == [event.pk]
    assert own_redis.work() == 1
    event.refresh_from_db()
    inbound_call.refresh_from_db()
    assert (event.state, inbound_call.status, inbound_call.duration) == ("processed", "completed", 42)
    assert VoiceWebhookEvent.objects.filter(kind="status").count() == 1


def test_a_callback_refused_while_redis_was_down_is_queued_by_the_next_delivery(post_voice, inbound_call,
                                                                               own_redis):
    params = voice.status_params("completed", 3, CallDuration="42")
    with broker_at(own_redis.url):
        own_redis.kill()
        assert post_voice(STATUS, params).status_code == 503
        own_redis.start()
        assert post_voice(STATUS, params).status_code == 200  # never handed over: queued at once
    assert own_redis.queued_event_ids(task=TASK) == [VoiceWebhookEvent.objects.get(kind="status").pk]


def test_the_sweep_hands_over_stranded_voice_events_and_leaves_fresh_and_processed_ones(
        post_voice, customer_with_lead, own_redis, settings):
    settings.WEBHOOK_HANDOVER_STALE_SECONDS = 40
    reads_backlog_of(own_redis, settings)
    start = voice.OPEN_TIME
    with broker_at(own_redis.url), time_machine.travel(start, tick=False) as clock:
        clock.move_to(start - timedelta(hours=25))
        post_voice(STATUS, voice.status_params("ringing", 1, CallSid="CA" + "9" * 32))  # too old for the sweep
        clock.move_to(start)
        voice.twiml(post_voice(VOICE, voice.voice_params()))  # answered and processed by its own request
        # An inbound call whose request died before processing its event: stored, received, its call not made.
        died = VoiceWebhookEvent.objects.create(
            kind="inbound", external_id="CA" + "d" * 32, call_sid="CA" + "d" * 32, handed_over_at=start,
            payload={**voice.voice_params(CallSid="CA" + "d" * 32, From="+51955000111"), "_stage": ""})
        for sequence, status in ((2, "in-progress"), (3, "completed")):
            assert post_voice(STATUS, voice.status_params(status, sequence, CallDuration="42")).status_code == 200
        own_redis.restart()  # the queued status tasks are lost
        clock.shift(timedelta(seconds=45))
        assert post_voice(STATUS, voice.status_params("ringing", 1)).status_code == 200  # fresh: just queued

        result = sweep_stranded_voice_events.apply().get()
        again = voice_events_sweep()  # the sweep 15 s later finds them freshly handed over: nothing to do
        clock.shift(timedelta(seconds=15))
        third = voice_events_sweep()

    assert result == {"handed_over": 3, "failed": 0, "backlog": 1, "skipped": False}  # the fresh one waits
    assert (again.handed_over, third.handed_over) == (0, 0)
    by_id = {event.external_id: event.pk for event in VoiceWebhookEvent.objects.all()}
    stranded = [pk for external_id, pk in by_id.items() if external_id.startswith(voice.CALL_SID + ":")]
    assert len(stranded) == 3  # in-progress, completed, and the fresh ringing
    assert own_redis.queued_event_ids(task=TASK) == sorted([*stranded, died.pk])  # each once
    own_redis.work()
    states = dict(VoiceWebhookEvent.objects.values_list("pk", "state"))
    old = VoiceWebhookEvent.objects.get(call_sid="CA" + "9" * 32)
    assert states.pop(old.pk) == "received"  # left to replay_voice_events
    assert set(states.values()) == {"processed"}
    call = Call.objects.get(call_sid=voice.CALL_SID)
    assert (call.status, call.duration) == ("completed", 42)
    assert Call.objects.get(call_sid="CA" + "d" * 32).from_number == "+51955000111"  # the dead request's call


def test_the_voice_sweep_is_on_the_beat_and_runs_in_the_embedded_mode(post_voice, inbound_call, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["calls-voice-events-sweep"]
    assert entry["task"] == "calls.tasks.sweep_stranded_voice_events"
    assert entry["schedule"] == timedelta(seconds=15)
    with broker_at(closed_port_url()):
        assert post_voice(STATUS, voice.status_params("completed", 3, CallDuration="42")).status_code == 503
    settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL = True, "memory://"  # `make run`: no Redis
    with celery_eager(True):
        assert sweep_stranded_voice_events() == {"handed_over": 1, "failed": 0, "backlog": None, "skipped": False}
    assert VoiceWebhookEvent.objects.get(kind="status").state == "processed"
    inbound_call.refresh_from_db()
    assert inbound_call.status == "completed"
