"""The event registry (core/events.py): after commit, in order, a failure logged and retried, never a lost message."""

import logging

import pytest
from django.core.management import call_command
from django.db import transaction

from core import events
from core.tasks import event_subscriber_retry
from tests.conftest import celery_eager

pytestmark = pytest.mark.django_db

calls: list[tuple[str, dict]] = []


def first(event: events.Event) -> None:
    calls.append(("first", dict(event.payload)))


def second(event: events.Event) -> object:
    calls.append(("second", dict(event.payload)))
    return events.HANDLED


def third_unless_handled(event: events.Event) -> None:
    calls.append(("third", dict(event.payload)))


failures = {"left": 0}


def flaky(event: events.Event) -> None:
    calls.append(("flaky", {"attempt": event.attempt}))
    if failures["left"]:
        failures["left"] -= 1
        raise RuntimeError("provider down")


def _eager(value: bool):
    with celery_eager(value):
        yield


@pytest.fixture
def with_worker():
    """As with a Celery worker: retries are queued (not run at once, as in embedded mode)."""
    yield from _eager(False)


@pytest.fixture
def embedded():
    """Embedded mode: no worker, tasks run in the caller."""
    yield from _eager(True)


@pytest.fixture(autouse=True)
def clean_calls():
    calls.clear()
    failures["left"] = 0
    subscribed: list[tuple[str, events.Handler]] = []

    def sub(event: str, handler: events.Handler, **kw: object) -> None:
        events.subscribe(event, handler, **kw)
        subscribed.append((event, handler))

    yield sub
    for event, handler in subscribed:
        events.unsubscribe(event, handler)


def test_subscribers_run_after_commit_in_their_stated_order(clean_calls, django_capture_on_commit_callbacks):
    clean_calls("call.ended", third_unless_handled, order=30)
    clean_calls("call.ended", first, order=10)
    clean_calls("call.ended", second, order=20)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        events.emit("call.ended", call_id=7)
    assert calls == []  # nothing runs inside the transaction
    for callback in callbacks:
        callback()
    assert [name for name, _ in calls] == ["first", "second", "third"]
    assert calls[0][1] == {"call_id": 7}


def test_handled_event_skips_the_subscribers_that_asked_to_be_skipped(clean_calls):
    clean_calls("call.ended", second, order=10)
    clean_calls("call.ended", third_unless_handled, order=20, skip_if_handled=True)
    events.dispatch(events.Event("call.ended", {"call_id": 1}))
    assert [name for name, _ in calls] == ["second"]


@pytest.mark.django_db(transaction=True)
def test_nothing_runs_when_the_transaction_rolls_back(clean_calls):
    clean_calls("call.ended", first)
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit("call.ended", call_id=1)
        raise RuntimeError("the change failed")
    assert calls == []
    events.emit("call.ended", call_id=2)  # outside a transaction: at once
    assert calls == [("first", {"call_id": 2})]


def test_failing_subscriber_is_logged_and_retried_and_the_others_still_run(clean_calls, caplog, monkeypatch,
                                                                         with_worker):
    clean_calls("call.transcribed", flaky, order=10)
    clean_calls("call.transcribed", first, order=20)
    failures["left"] = 1
    scheduled: list[dict] = []
    monkeypatch.setattr(event_subscriber_retry, "apply_async", lambda **kw: scheduled.append(kw))
    with caplog.at_level(logging.ERROR, logger="core.events"):
        events.dispatch(events.Event("call.transcribed", {"call_id": 5}))
    assert [name for name, _ in calls] == ["flaky", "first"]
    assert "event=call.transcribed subscriber=tests.core.test_events.flaky attempt=1" in caplog.text
    assert scheduled == [{"args": ["call.transcribed", "tests.core.test_events.flaky", {"call_id": 5}, 2],
                          "countdown": events.RETRY_DELAYS[0]}]
    # The worker runs the retry: the subscriber alone, with the same payload, and it now succeeds.
    calls.clear()
    assert event_subscriber_retry(*scheduled[0]["args"]) == "done"
    assert calls == [("flaky", {"attempt": 2})]


def test_retries_stop_after_the_last_delay(clean_calls, caplog, monkeypatch, with_worker):
    clean_calls("call.transcribed", flaky)
    failures["left"] = 99
    scheduled: list[dict] = []
    monkeypatch.setattr(event_subscriber_retry, "apply_async", lambda **kw: scheduled.append(kw))
    last = len(events.RETRY_DELAYS) + 1
    with caplog.at_level(logging.ERROR, logger="core.events"):
        event_subscriber_retry("call.transcribed", "tests.core.test_events.flaky", {"call_id": 5}, last)
    assert scheduled == []
    assert f"gave up after {last} attempts" in caplog.text


def test_failed_subscriber_rolls_back_its_own_writes_only(clean_calls, agent):
    from accounts.models import User

    def renames_then_fails(event: events.Event) -> None:
        User.objects.filter(pk=event["call_id"]).update(first_name="Cambiado")
        raise RuntimeError("half way")

    events.subscribe("call.ended", renames_then_fails)
    try:
        events.dispatch(events.Event("call.ended", {"call_id": agent.pk}))
    finally:
        events.unsubscribe("call.ended", renames_then_fails)
    agent.refresh_from_db()
    assert agent.first_name != "Cambiado"


@pytest.mark.parametrize(("name", "payload", "error"), [
    ("call.exploded", {"call_id": 1}, events.UnknownEventError),
    ("call.ended", {}, TypeError),
    ("call.ended", {"call_id": 1, "phone": "+51987654321"}, TypeError),
    ("call.ended", {"call_id": object()}, TypeError),
])
def test_emit_refuses_unknown_events_and_payloads_that_are_not_plain_json(name, payload, error):
    with pytest.raises(error):
        events.emit(name, **payload)


def test_registry_lists_every_subscriber_in_one_place():
    assert [(s.order, s.name, s.skip_if_handled) for s in events.subscribers("message.received")] == [
        (3, "csat.subscribers.message_received_store_rating", False),
        (5, "sla.subscribers.message_received_out_of_office", True),
        (10, "sales.subscribers.message_received_accept_quote", False),
        (50, "conversations.subscribers.message_received_assist", True),
        (70, "tickets.subscribers.message_received_customer_reply", False),
        (90, "automations.subscribers.message_received_run_rules", True),
    ]
    assert [(s.order, s.name) for s in events.subscribers("conversation.escalated")] == [
        (40, "routing.subscribers.conversation_escalated_route"),
        (60, "tickets.subscribers.conversation_escalated_open_ticket"),
        (90, "automations.subscribers.conversation_escalated_run_rules"),
    ]
    assert [(s.order, s.name) for s in events.subscribers("lead.hot")] == [
        (40, "routing.subscribers.lead_hot_route"),
        (90, "automations.subscribers.lead_hot_run_rules"),
    ]
    assert [(s.order, s.name) for s in events.subscribers("conversation.created")] == [
        (3, "csat.subscribers.conversation_created_rating_reply"),
        (40, "routing.subscribers.conversation_created_route"),
        (90, "automations.subscribers.conversation_created_run_rules"),
    ]
    assert [s.name for s in events.subscribers("sale.validated")] == [
        "sales.subscribers.sale_validated_send_receipt", "automations.subscribers.sale_validated_run_rules"]


def test_events_command_prints_each_event_with_its_subscribers_in_order(capsys):
    call_command("events")
    out = capsys.readouterr().out
    assert out.index("sales.subscribers.message_received_accept_quote") < out.index(
        "conversations.subscribers.message_received_assist")
    for name in events.EVENTS:
        assert name in out


def test_embedded_mode_logs_a_failure_without_a_retry_loop(clean_calls, caplog, embedded):
    clean_calls("call.ended", flaky)
    failures["left"] = 1
    with caplog.at_level(logging.ERROR, logger="core.events"):
        events.dispatch(events.Event("call.ended", {"call_id": 3}))
    assert calls == [("flaky", {"attempt": 1})]  # tried once, not five times in a row
    assert "not retried (no worker in embedded mode)" in caplog.text
