"""IF: each condition a rule fills in filters the events it runs for (channel, tags, intent, the lead's temperature,
words in the customer's text, business hours, the team); an empty condition lets everything through."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Team
from automations.models import AutomationRun
from conversations.models import Tag
from sla.models import BusinessHours, ServiceHours
from tests.automations.factories import customer_message, emit, make_conversation, make_rule, message_event

pytestmark = pytest.mark.django_db

LIMA = ZoneInfo("America/Lima")


def ran(rule) -> bool:  # type: ignore[no-untyped-def]
    return AutomationRun.objects.filter(rule=rule, status="ok").exists()


def receive(capture, text="Hola", **conversation_fields):  # type: ignore[no-untyped-def]
    conversation = make_conversation(**conversation_fields)
    message_event(capture, customer_message(conversation, text))
    return conversation


@pytest.mark.parametrize(("provider", "expected"), [("meta_whatsapp", "whatsapp"), ("instagram", "instagram")])
def test_channel_condition_runs_only_on_its_channel(provider, expected, django_capture_on_commit_callbacks):
    whatsapp = make_rule("message.received", channel="whatsapp")
    instagram = make_rule("message.received", channel="instagram")
    receive(django_capture_on_commit_callbacks, provider=provider)
    assert (ran(whatsapp), ran(instagram)) == (expected == "whatsapp", expected == "instagram")


def test_tag_condition_runs_when_the_conversation_has_any_of_the_tags(django_capture_on_commit_callbacks):
    rule = make_rule("conversation.escalated", tags=("vip", "empresa"))
    plain = make_conversation()
    tagged = make_conversation()
    tagged.tags.add(Tag.objects.get(name="empresa"))
    for conversation in (plain, tagged):
        emit(django_capture_on_commit_callbacks, "conversation.escalated", conversation_id=conversation.pk,
             reason="human_request")
    assert list(AutomationRun.objects.values_list("conversation", flat=True)) == [tagged.pk]
    assert rule.runs.get().status == "ok"


@pytest.mark.parametrize(("text", "runs"), [
    ("Quiero presentar un reclamo, el servicio es pésimo", True),
    ("Hola, buenos días", False),
])
def test_intent_condition_reads_the_customer_message(text, runs, django_capture_on_commit_callbacks):
    rule = make_rule("message.received", intent="complaint")
    receive(django_capture_on_commit_callbacks, text)
    assert ran(rule) is runs


def test_intent_condition_reads_the_stored_intent_of_the_last_customer_message(django_capture_on_commit_callbacks):
    rule = make_rule("conversation.escalated", intent="human_request")
    conversation = make_conversation()
    customer_message(conversation, "Quiero hablar con una persona")
    message = customer_message(conversation, "ok")
    message.intent = "human_request"  # the AI step's reading, or an agent's correction, is trusted
    message.save()
    emit(django_capture_on_commit_callbacks, "conversation.escalated", conversation_id=conversation.pk,
         reason="human_request")
    assert ran(rule)
    message.intent = "thanks_goodbye"
    message.save()
    emit(django_capture_on_commit_callbacks, "conversation.escalated", conversation_id=conversation.pk,
         reason="human_request")
    assert rule.runs.count() == 1


@pytest.mark.parametrize(("classification", "runs"), [("HOT", True), ("WARM", False), ("COLD", False)])
def test_temperature_condition_runs_for_leads_of_that_temperature(classification, runs,
                                                                   django_capture_on_commit_callbacks):
    rule = make_rule("conversation.escalated", lead_temperature="HOT")
    conversation = make_conversation(classification=classification)
    emit(django_capture_on_commit_callbacks, "conversation.escalated", conversation_id=conversation.pk,
         reason="complaint")
    assert ran(rule) is runs


@pytest.mark.parametrize(("text", "runs"), [
    ("Quiero una DEVOLUCIÓN de mi equipo", True),  # capitals and accents ignored
    ("¿Dónde está el libro de reclamaciones?", True),  # a phrase
    ("quiero devolverlo", False),  # whole words only
    ("el libro llegó, las reclamaciones no", False),  # a phrase's words together, in order
])
def test_text_condition_matches_any_word_or_phrase(text, runs, django_capture_on_commit_callbacks):
    rule = make_rule("message.received", text_contains="devolucion, libro de reclamaciones")
    receive(django_capture_on_commit_callbacks, text)
    assert ran(rule) is runs


@pytest.fixture
def office_hours(team):  # type: ignore[no-untyped-def]
    """Team hours Monday to Friday, 09:00-18:00 in Lima."""
    hours = ServiceHours.objects.create(team=team, timezone="America/Lima", away_enabled=False)
    for weekday in range(5):
        BusinessHours.objects.create(service_hours=hours, weekday=weekday, opens=time(9), closes=time(18))
    return hours


@pytest.mark.parametrize(("moment", "inside"), [
    (datetime(2026, 3, 2, 10, 0, tzinfo=LIMA), True),  # Monday morning
    (datetime(2026, 3, 2, 20, 0, tzinfo=LIMA), False),  # Monday night
    (datetime(2026, 3, 7, 11, 0, tzinfo=LIMA), False),  # Saturday
])
def test_hours_condition_uses_the_team_business_hours(moment, inside, office_hours, agent,
                                                      django_capture_on_commit_callbacks):
    inside_rule = make_rule("message.received", business_hours="inside")
    outside_rule = make_rule("message.received", business_hours="outside")
    with time_machine.travel(moment, tick=False):
        receive(django_capture_on_commit_callbacks, assignee=agent)
    assert (ran(inside_rule), ran(outside_rule)) == (inside, not inside)


def test_team_rule_runs_only_for_its_team_conversations(agent, other_team, django_capture_on_commit_callbacks):
    ours = make_rule("message.received", team=agent.team)
    theirs = make_rule("message.received", team=other_team)
    everyone = make_rule("message.received")
    receive(django_capture_on_commit_callbacks, assignee=agent)
    assert (ran(ours), ran(theirs), ran(everyone)) == (True, False, True)


def test_all_conditions_must_hold_when_several_are_filled(django_capture_on_commit_callbacks):
    rule = make_rule("conversation.escalated", channel="whatsapp", lead_temperature="HOT", text_contains="precio")
    conversations = []
    for text, classification in (("¿Cuál es el precio?", "WARM"), ("Hola", "HOT"), ("¿Cuál es el precio?", "HOT")):
        conversations.append(make_conversation(classification=classification))
        customer_message(conversations[-1], text)
        emit(django_capture_on_commit_callbacks, "conversation.escalated", conversation_id=conversations[-1].pk,
             reason="complaint")
    assert list(rule.runs.values_list("conversation", flat=True)) == [conversations[-1].pk]


def test_a_team_without_hours_is_always_inside(django_capture_on_commit_callbacks):
    Team.objects.create(name="Sin horario")
    rule = make_rule("message.received", business_hours="outside")
    receive(django_capture_on_commit_callbacks)
    assert not ran(rule)
