"""Follow-ups: sent once when due (free text in the window, the template outside), failures explained,
cancellations honoured; silence reminders once per silence; the panel's follow-up views."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from conversations.models import ChannelAccount, Conversation, FollowUpTask, Message, MessageTemplate, Note
from conversations.services.followups import (
    followup_cancel,
    followup_done,
    followup_schedule,
    followups_run_due,
    reminders_run,
)
from conversations.services.outbound import message_deliver, message_send
from core.errors import ApplicationError, PermissionDeniedError
from core.realtime import user_group
from notifications.models import Notification
from tests.conversations.conftest import PHONE_NUMBER_ID
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db
SEND_PATH = f"/{PHONE_NUMBER_ID}/messages"


@pytest.fixture
def graph(httpserver, settings):  # type: ignore[no-untyped-def]
    settings.META_GRAPH_BASE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"messaging_product": "whatsapp", "messages": [{"id": "wamid.FOLLOW"}]})
    return httpserver


@pytest.fixture
def account(db) -> ChannelAccount:  # type: ignore[no-untyped-def]
    return ChannelAccount.objects.create(provider="meta_whatsapp", name="WhatsApp Cloud API",
                                         account_ref=PHONE_NUMBER_ID, access_token="meta-access-token",
                                         ai_mode=ChannelAccount.AIMode.OFF)


@pytest.fixture
def conversation(account, agent) -> Conversation:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Conversation.objects.create(contact=ContactFactory(name="Rosa Quispe", phone="+51987654321"),
                                       channel_account=account, assignee=agent, last_inbound_at=now,
                                       last_message_at=now)


@pytest.fixture
def template(account) -> MessageTemplate:  # type: ignore[no-untyped-def]
    return MessageTemplate.objects.create(channel_account=account, name="seguimiento", language="es",
                                          body="Hola {{1}}, ¿seguimos con tu instalación?", variable_count=1)


def _deliver_all() -> None:
    for message_id in Message.objects.filter(send_state="pending").values_list("pk", flat=True):
        message_deliver(message_id=message_id)


def _sent_bodies(graph) -> list[dict]:  # type: ignore[no-untyped-def]
    return [request.get_json() for request, _ in graph.log]


def test_due_followup_sends_free_text_when_the_window_is_open(graph, conversation, agent):
    followup = followup_schedule(actor=agent, conversation=conversation, due_at=timezone.now() + timedelta(hours=2),
                                 text="Hola Rosa, ¿pudiste revisar la cotización?")
    assert followups_run_due().sent == 0  # not due yet
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        result = followups_run_due()
        _deliver_all()
    assert (result.sent, result.failed) == (1, 0)
    followup.refresh_from_db()
    assert followup.state == "sent" and followup.sent_message.text == "Hola Rosa, ¿pudiste revisar la cotización?"
    assert followup.sent_message.author == agent
    [body] = _sent_bodies(graph)
    assert body["type"] == "text" and body["text"]["body"] == "Hola Rosa, ¿pudiste revisar la cotización?"


def test_due_followup_switches_to_the_template_when_the_window_has_closed(graph, conversation, agent, template):
    followup = followup_schedule(actor=agent, conversation=conversation, due_at=timezone.now() + timedelta(hours=30),
                                 text="Texto libre", template=template, variables=["Rosa"])
    with time_machine.travel(timezone.now() + timedelta(hours=30, minutes=1)):
        assert followups_run_due().sent == 1
        _deliver_all()
    followup.refresh_from_db()
    assert followup.state == "sent" and followup.sent_message.template == template
    [body] = _sent_bodies(graph)
    assert body["type"] == "template" and body["template"]["name"] == "seguimiento"


def test_due_followup_fails_clearly_without_a_template_when_the_window_has_closed(graph, conversation, agent):
    followup = followup_schedule(actor=agent, conversation=conversation, due_at=timezone.now() + timedelta(hours=25),
                                 text="¿Seguimos?")
    with time_machine.travel(timezone.now() + timedelta(hours=25, minutes=1)):
        assert followups_run_due().failed == 1
        _deliver_all()
    followup.refresh_from_db()
    assert followup.state == "failed" and followup.sent_message is None
    assert "ventana de 24 horas" in followup.error and "plantilla" in followup.error
    note = Note.objects.get(conversation=conversation)
    assert followup.error in note.text
    assert not Message.objects.exists() and graph.log == []
    # Who scheduled it hears it under the bell, once, with a link to the conversation.
    notice = Notification.objects.get(user=agent, kind="followup.failed")
    assert notice.body == followup.error and notice.url.endswith(f"/{conversation.pk}/")


def test_cancelled_followup_is_never_sent(graph, conversation, agent):
    followup = followup_schedule(actor=agent, conversation=conversation, due_at=timezone.now() + timedelta(hours=1),
                                 text="Hola")
    followup_cancel(actor=agent, followup=followup)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert followups_run_due().sent == 0
    followup.refresh_from_db()
    assert followup.state == "cancelled" and not Message.objects.exists()


def test_running_twice_sends_once(graph, conversation, agent):
    followup_schedule(actor=agent, conversation=conversation, due_at=timezone.now() + timedelta(minutes=5),
                      text="Hola")
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert followups_run_due().sent == 1
        assert followups_run_due().sent == 0
    assert Message.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beat_runs_at_once_send_a_followup_once(graph, conversation, agent):
    for minutes in range(1, 6):
        followup_schedule(actor=agent, conversation=conversation, due_at=timezone.now() + timedelta(minutes=minutes),
                          text=f"Mensaje {minutes}")
    later = timezone.now() + timedelta(minutes=10)
    barrier = threading.Barrier(4)
    results: list[object] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(followups_run_due(now=later))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(r.sent for r in results) == 5  # type: ignore[attr-defined]
    assert Message.objects.count() == 5
    assert set(FollowUpTask.objects.values_list("state", flat=True)) == {"sent"}


@pytest.mark.parametrize(("fields", "code"), [
    ({"text": "  "}, "empty_followup"),
    ({"text": "Hola", "due_at": -1}, "invalid_due_at"),
    ({"text": "", "template": True, "variables": []}, "invalid_template"),
])
def test_schedule_rejects_bad_input(conversation, agent, template, fields, code):
    due = timezone.now() + timedelta(hours=fields.pop("due_at", 1))
    if fields.pop("template", False):
        fields["template"] = template
    with pytest.raises(ApplicationError) as info:
        followup_schedule(actor=agent, conversation=conversation, due_at=due, **fields)
    assert info.value.code == code
    assert not FollowUpTask.objects.exists()


def test_schedule_rejects_a_template_of_another_number(conversation, agent):
    other = ChannelAccount.objects.create(provider="twilio_whatsapp", name="Otro", account_ref="+14155550000")
    foreign = MessageTemplate.objects.create(channel_account=other, name="x", body="Hola", variable_count=0)
    with pytest.raises(ApplicationError) as info:
        followup_schedule(actor=agent, conversation=conversation, due_at=timezone.now() + timedelta(hours=1),
                          template=foreign)
    assert info.value.code == "invalid_template"


def test_backoffice_cannot_schedule(conversation, backoffice):
    with pytest.raises(PermissionDeniedError):
        followup_schedule(actor=backoffice, conversation=conversation, due_at=timezone.now() + timedelta(hours=1),
                          text="Hola")


def test_closed_followup_cannot_be_cancelled_or_done_again(conversation, agent):
    followup = followup_schedule(actor=agent, conversation=conversation, due_at=timezone.now() + timedelta(hours=1),
                                 text="Hola")
    followup_done(actor=agent, followup=followup)
    with pytest.raises(ApplicationError) as info:
        followup_cancel(actor=agent, followup=followup)
    assert info.value.code == "followup_not_scheduled"
    with pytest.raises(ApplicationError):
        followup_done(actor=agent, followup=followup)


def _remind_after(account: ChannelAccount, hours: int) -> None:
    account.reminder_after_hours = hours
    account.save(update_fields=["reminder_after_hours"])


def test_reminder_is_created_once_after_the_configured_silence(conversation, agent, account, listener,
                                                               django_capture_on_commit_callbacks):
    _remind_after(account, 3)
    message_send(conversation=conversation, text="Te envié la cotización", actor=agent)
    tabs = listener(user_group(agent.pk))

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert reminders_run() == 0  # not silent long enough
    with time_machine.travel(timezone.now() + timedelta(hours=3, minutes=1)):
        with django_capture_on_commit_callbacks(execute=True):
            assert reminders_run() == 1
        assert reminders_run() == 0  # once per silence
    event = tabs.next_event()
    assert (event["type"], event["data"]["id"]) == ("conversation.reminder", conversation.pk)
    assert Note.objects.filter(conversation=conversation, text__contains="3 horas").count() == 1

    # the customer answers, we answer back, and a new silence may be reminded again
    later = timezone.now() + timedelta(hours=4)
    with time_machine.travel(later):
        Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now())
        message_send(conversation=Conversation.objects.get(pk=conversation.pk), text="¿Alguna duda?", actor=agent)
    with time_machine.travel(later + timedelta(hours=3, minutes=1)):
        assert reminders_run() == 1
    assert Note.objects.filter(conversation=conversation).count() == 2


def test_no_reminder_when_off_or_when_the_customer_answered_last(conversation, agent, account):
    message_send(conversation=conversation, text="Hola", actor=agent)
    with time_machine.travel(timezone.now() + timedelta(hours=10)):
        assert reminders_run() == 0  # reminder_after_hours = 0: off
    _remind_after(account, 1)
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() + timedelta(minutes=1))
    with time_machine.travel(timezone.now() + timedelta(hours=10)):
        assert reminders_run() == 0  # the customer wrote last: it is our turn, not theirs
    assert not Note.objects.exists()


def test_window_seconds_left_counts_down_to_zero(conversation):
    assert 0 < conversation.window_seconds_left() <= 24 * 3600
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        assert 3500 < conversation.window_seconds_left() <= 3600
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert conversation.window_seconds_left() == 0
