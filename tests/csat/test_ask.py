"""The customer is asked for a rating when a conversation is resolved: once per resolution, as a list of five
options inside the 24-hour window, as the chosen template outside it, else not at all (with the reason)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conversations.models import Conversation, Message, MessageTemplate
from core import events
from csat.models import CsatSettings, CsatSurvey
from csat.services import csat_survey_ask

pytestmark = pytest.mark.django_db


def survey_messages(conversation: Conversation) -> list[Message]:
    return list(conversation.messages.filter(direction="out", sender="system").order_by("pk"))


def test_resolving_asks_for_a_rating_with_a_list_of_five_options(conversation, agent, resolve, graph):
    resolve(conversation, agent)

    survey = CsatSurvey.objects.get()
    assert (survey.conversation_id, survey.state, survey.agent_id) == (conversation.pk, "asked", agent.pk)
    assert survey.team_id == agent.team_id and survey.asked_at is not None
    [question] = survey_messages(conversation)
    assert survey.question_id == question.pk and question.status == "sent"
    [body] = graph.sent()
    assert body["type"] == "interactive" and body["interactive"]["type"] == "list"
    rows = body["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == ["csat:1", "csat:2", "csat:3", "csat:4", "csat:5"]
    assert rows[4]["title"] == "5 ⭐ Excelente"
    assert "calificarías" in body["interactive"]["body"]["text"]


def test_a_survey_is_no_reply_and_does_not_reopen_the_conversation(conversation, agent, resolve):
    conversation = resolve(conversation, agent)
    conversation.refresh_from_db()
    assert conversation.status == "resolved"
    assert conversation.first_response_at is None  # a system message is no answer to the customer


def test_the_event_delivered_twice_asks_once(conversation, agent, resolve, graph,
                                             django_capture_on_commit_callbacks):
    resolve(conversation, agent)
    with django_capture_on_commit_callbacks(execute=True):  # a worker's retry of the same event
        events.dispatch(events.Event("conversation.resolved",
                                     {"conversation_id": conversation.pk, "actor_id": agent.pk}))
    assert CsatSurvey.objects.count() == 1
    assert len(survey_messages(conversation)) == 1
    assert len(graph.sent()) == 1


def test_resolve_reopen_resolve_asks_twice(conversation, agent, resolve, customer_says):
    resolve(conversation, agent)
    resolve(conversation, agent, "open")
    resolve(conversation, agent)
    assert CsatSurvey.objects.filter(conversation=conversation).count() == 2
    assert len(survey_messages(conversation)) == 2


def test_resolving_an_already_resolved_conversation_asks_nothing_more(conversation, agent, resolve):
    resolve(conversation, agent)
    resolve(conversation, agent)  # no change of status: no event
    assert CsatSurvey.objects.count() == 1


def test_a_conversation_without_a_customer_message_is_not_rated(agent, resolve, ai_off, graph):
    from conversations.models import ChannelAccount
    from tests.leads.factories import ContactFactory

    account = ChannelAccount.objects.get(provider="meta_whatsapp")
    empty = Conversation.objects.create(channel_account=account, contact=ContactFactory(), assignee=agent)
    resolve(empty, agent)
    assert not CsatSurvey.objects.exists()
    assert graph.sent() == []


def test_surveys_switched_off_ask_nothing(conversation, agent, resolve):
    CsatSettings.objects.create(is_active=False)
    resolve(conversation, agent)
    assert not CsatSurvey.objects.exists()
    assert survey_messages(conversation) == []


@pytest.fixture
def window_shut(conversation):
    """The customer's last message was 25 hours ago."""
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=timezone.now() - timedelta(hours=25))
    return conversation


def test_window_shut_without_template_skips_with_the_reason(window_shut, agent, resolve, graph):
    resolve(window_shut, agent)
    survey = CsatSurvey.objects.get()
    assert survey.state == "skipped" and survey.question_id is None
    assert "24" in survey.skip_reason
    assert survey_messages(window_shut) == []
    assert graph.sent() == []


def test_window_shut_sends_the_template_set_for_the_number(window_shut, agent, resolve, graph):
    template = MessageTemplate.objects.create(
        channel_account=window_shut.channel_account, name="encuesta_csat", language="es",
        body="Hola {{1}}, ¿cómo calificarías la atención? Responde con un número del 1 al 5.", variable_count=1)
    settings_row = CsatSettings.objects.create()
    settings_row.templates.add(template)

    resolve(window_shut, agent)
    survey = CsatSurvey.objects.get()
    [question] = survey_messages(window_shut)
    assert (survey.state, survey.question_id) == ("asked", question.pk)
    assert question.type == "template" and question.template_id == template.pk
    assert question.text.startswith("Hola Rosa,")
    [body] = graph.sent()
    assert body["type"] == "template" and body["template"]["name"] == "encuesta_csat"


def test_a_template_of_another_number_is_not_used(window_shut, agent, resolve):
    from conversations.models import ChannelAccount

    other = ChannelAccount.objects.exclude(pk=window_shut.channel_account_id).first()
    assert other is not None
    template = MessageTemplate.objects.create(channel_account=other, name="encuesta", body="¿1 a 5?")
    CsatSettings.objects.create().templates.add(template)
    resolve(window_shut, agent)
    assert CsatSurvey.objects.get().state == "skipped"


def test_a_conversation_reopened_before_the_event_ran_is_not_asked(conversation, agent, resolve):
    from conversations.services.inbox import conversation_set_status

    conversation_set_status(actor=agent, conversation=conversation, status="resolved")  # event not run
    conversation_set_status(actor=agent, conversation=conversation, status="open")
    assert csat_survey_ask(conversation_id=conversation.pk) is None
    assert not CsatSurvey.objects.exists()


def test_the_question_is_asked_later_than_the_window_by_the_clock(conversation, agent, resolve, graph):
    """The window is measured when the event runs: 23 h after the last line it is still open."""
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        resolve(conversation, agent)
    assert CsatSurvey.objects.get().state == "asked"
