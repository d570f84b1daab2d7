"""The out-of-office answer: once per conversation per local day, free text inside the 24-hour window, the
team's template outside it, a note for the agent when neither can go; never inside business hours."""

from __future__ import annotations

from datetime import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from conversations.models import Conversation, Message, MessageTemplate, Note
from core import events
from sla.models import OutOfOfficeReply, ServiceHours
from sla.subscribers import message_received_out_of_office
from tests.concurrency import run_together
from tests.conversations.conftest import drain, twilio_params
from tests.sla.conftest import WEEKDAYS, customer_message, hours_for, lima

pytestmark = pytest.mark.django_db


def _answers(conversation: Conversation) -> list[Message]:
    return list(conversation.messages.filter(direction="out", sender="system").order_by("pk"))


def _deliver(message: Message) -> None:
    """The subscriber as the event registry runs it, after the message's transaction committed."""
    subscriber = events.subscriber_named("message.received",
                                         "sla.subscribers.message_received_out_of_office")
    assert subscriber is not None and subscriber.order == 5 and subscriber.skip_if_handled  # a CSAT rating: not
    events.run_subscriber(subscriber, events.Event("message.received", {
        "message_id": message.pk, "conversation_id": message.conversation_id, "text": message.text,
        "interactive_id": ""}))


def test_two_messages_the_same_evening_get_one_answer_and_the_next_day_another(
        company_hours, post_twilio, ai_off, django_capture_on_commit_callbacks):
    with time_machine.travel(lima(11, 20, 0), tick=False), django_capture_on_commit_callbacks(execute=True):
        post_twilio(twilio_params(Body="Hola, ¿tienen el plan de 200 megas?", ProfileName="Rosa Quispe"))
        drain()
    conversation = Conversation.objects.get()
    answers = _answers(conversation)
    assert [a.text for a in answers] == [
        "Hola Rosa, estamos fuera de horario. Te respondemos lunes 14, 09:00."]
    with time_machine.travel(lima(11, 20, 5), tick=False), django_capture_on_commit_callbacks(execute=True):
        post_twilio(twilio_params(MessageSid="SM" + "b" * 32, Body="¿Hola?"))
        drain()
    assert len(_answers(conversation)) == 1  # the same Friday evening: no second answer
    conversation.refresh_from_db()
    assert conversation.waiting_since is not None and conversation.first_response_at is None  # still waiting
    with time_machine.travel(lima(12, 10, 0), tick=False), django_capture_on_commit_callbacks(execute=True):
        post_twilio(twilio_params(MessageSid="SM" + "c" * 32, Body="¿Siguen ahí?"))
        drain()
    assert len(_answers(conversation)) == 2  # Saturday is another day
    assert list(OutOfOfficeReply.objects.order_by("day").values_list("day", "outcome")) == [
        (lima(11).date(), "text"), (lima(12).date(), "text")]


def test_inside_business_hours_nobody_is_answered_automatically(company_hours, make_waiting):
    conversation = make_waiting(lima(7, 10, 0))
    message = customer_message(conversation, lima(7, 10, 0))
    with time_machine.travel(lima(7, 10, 0, ), tick=False):
        _deliver(message)
    assert _answers(conversation) == [] and not OutOfOfficeReply.objects.exists()


def test_the_event_retried_still_answers_once(company_hours, make_waiting):
    conversation = make_waiting(lima(12, 9, 0))
    message = customer_message(conversation, lima(12, 9, 0))
    with time_machine.travel(lima(12, 9, 0), tick=False):
        _deliver(message)
    with time_machine.travel(lima(12, 9, 10), tick=False):
        _deliver(message)  # the registry's retry of the same event
        _deliver(customer_message(conversation, lima(12, 9, 10), "¿hola?"))
    assert len(_answers(conversation)) == 1
    assert OutOfOfficeReply.objects.get().message == _answers(conversation)[0]


def test_a_shut_window_gets_the_teams_template(company_hours, make_waiting, channel_account):
    template = MessageTemplate.objects.create(channel_account=channel_account, name="fuera_de_horario",
                                              body="Hola {{1}}, abrimos el lunes a las 9:00.", variable_count=1)
    ServiceHours.objects.filter(pk=company_hours.pk).update(away_template_name="fuera_de_horario")
    conversation = make_waiting(lima(12, 10, 0))
    message = customer_message(conversation, lima(12, 10, 0))
    with time_machine.travel(lima(13, 11, 0), tick=False):  # handled a day late (a retry): the window is shut
        _deliver(message)
    [answer] = _answers(conversation)
    assert answer.template == template and answer.type == "template"
    assert answer.text == "Hola Rosa, abrimos el lunes a las 9:00."
    reply = OutOfOfficeReply.objects.get()
    assert reply.outcome == "template" and reply.day == lima(12).date()  # the day the customer wrote


def test_without_a_template_a_shut_window_leaves_a_note_and_sends_nothing(company_hours, make_waiting):
    conversation = make_waiting(lima(12, 10, 0))
    message = customer_message(conversation, lima(12, 10, 0))
    with time_machine.travel(lima(13, 11, 0), tick=False), translation.override("en"):
        _deliver(message)
    assert _answers(conversation) == []
    note = Note.objects.get(conversation=conversation)
    assert note.author is None
    assert "no automatic answer" in note.text and "24-hour window is shut" in note.text
    assert OutOfOfficeReply.objects.get().outcome == "note"


def test_a_team_answer_of_its_own_and_the_ai_kept_quiet(company_hours, make_waiting, team):
    own = ServiceHours.objects.create(team=team, timezone="America/Lima", away_text="Volvemos mañana.",
                                      ai_answers_out_of_hours=False)
    hours_for(own, WEEKDAYS, (time(8), time(20)))
    conversation = make_waiting(lima(7, 21, 0))
    message = customer_message(conversation, lima(7, 21, 0))
    payload = {"message_id": message.pk, "conversation_id": conversation.pk, "text": "Hola", "interactive_id": ""}
    with time_machine.travel(lima(7, 21, 0), tick=False):
        assert message_received_out_of_office(events.Event("message.received", payload)) is events.HANDLED
    assert [a.text for a in _answers(conversation)] == ["Volvemos mañana."]
    inside = customer_message(conversation, lima(8, 19, 0))  # 19:00 is open for this team
    with time_machine.travel(lima(8, 19, 0), tick=False):
        assert message_received_out_of_office(events.Event("message.received", {**payload,
                                                                                "message_id": inside.pk})) is None


def test_turned_off_nothing_is_sent(company_hours, make_waiting):
    ServiceHours.objects.filter(pk=company_hours.pk).update(away_enabled=False)
    conversation = make_waiting(lima(12, 10, 0))
    message = customer_message(conversation, lima(12, 10, 0))
    with time_machine.travel(lima(12, 10, 0), tick=False):
        _deliver(message)
    assert _answers(conversation) == [] and not OutOfOfficeReply.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_messages_handled_at_the_same_moment_answer_once(company_hours, make_waiting):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    conversation = make_waiting(lima(12, 10, 0))
    first = customer_message(conversation, lima(12, 10, 0))
    second = customer_message(conversation, lima(12, 10, 0), "¿hola?")
    with time_machine.travel(lima(12, 10, 1), tick=False):
        results = run_together([lambda: _deliver(first), lambda: _deliver(second)])
    assert results == [None, None]
    assert len(_answers(conversation)) == 1 and OutOfOfficeReply.objects.count() == 1


def test_inside_everyones_business_hours_the_check_reads_no_message(company_hours, make_waiting):
    conversation = make_waiting(lima(7, 10, 0))
    message = customer_message(conversation, lima(7, 10, 0))
    with time_machine.travel(lima(7, 10, 0), tick=False), CaptureQueriesContext(connection) as queries:
        assert message_received_out_of_office(events.Event("message.received", {
            "message_id": message.pk, "conversation_id": conversation.pk, "text": "Hola",
            "interactive_id": ""})) is None
    # Only the hours (read once per process, and here inside the test's transaction): no message, no conversation.
    assert [q["sql"] for q in queries.captured_queries if "conversations_" in q["sql"]] == []
    assert _answers(conversation) == []


def test_a_team_closed_while_the_company_is_open_still_answers(company_hours, make_waiting, team):
    own = ServiceHours.objects.create(team=team, timezone="America/Lima", away_text="El equipo abre a las 15:00.")
    hours_for(own, WEEKDAYS, (time(15), time(20)))
    conversation = make_waiting(lima(7, 10, 0))  # the number's team; the company is open at 10:00
    message = customer_message(conversation, lima(7, 10, 0))
    with time_machine.travel(lima(7, 10, 0), tick=False):
        _deliver(message)
    assert [a.text for a in _answers(conversation)] == ["El equipo abre a las 15:00."]
