"""THEN: what each kind of action visibly does (a tag, the priority, a message or template to the customer, a
ticket, a follow-up, notices), and a failing action recorded while the rule's other actions still run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from automations.models import AutomationRun
from conversations.models import FollowUpTask, Message, MessageTemplate
from notifications.models import Notification
from tests.automations.factories import emit, make_conversation, make_rule, tag_names
from tests.conftest import celery_eager
from tests.tickets.factories import make_category
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("graph")]


def escalate(capture, conversation):  # type: ignore[no-untyped-def]
    # Not a complaint: tickets' own subscriber opens no ticket of its own.
    emit(capture, "conversation.escalated", conversation_id=conversation.pk, reason="human_request")
    return AutomationRun.objects.filter(conversation=conversation).latest("pk")


def test_add_tag_and_set_priority_change_the_conversation(agent, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent)
    make_rule("conversation.escalated", {"kind": "add_tag", "tag_name": "  Reclamo  Urgente "},
              {"kind": "set_priority", "priority": "urgent"})
    run = escalate(django_capture_on_commit_callbacks, conversation)
    conversation.refresh_from_db()
    assert tag_names(conversation) == {"reclamo urgente"} and conversation.priority == "urgent"
    assert [(r["kind"], r["ok"]) for r in run.results] == [("add_tag", True), ("set_priority", True)]


def test_send_message_reaches_the_customer_as_a_system_message(agent, graph, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent, name="Rosa Quispe")
    make_rule("conversation.escalated",
              {"kind": "send_message", "text": "Hola {nombre}, un asesor te atiende en unos minutos."})
    with celery_eager(True):  # the send task runs after the commit, here
        run = escalate(django_capture_on_commit_callbacks, conversation)
    message = Message.objects.get(conversation=conversation, direction="out")
    assert (message.sender, message.text) == ("system", "Hola Rosa, un asesor te atiende en unos minutos.")
    assert message.status == "sent"  # delivered to the provider after the commit
    assert graph.log[0][0].get_json()["text"]["body"] == message.text
    assert run.status == "ok"
    conversation.refresh_from_db()
    assert conversation.first_response_at is None  # a system notice is not a reply


def test_window_closed_fails_the_text_but_the_template_and_later_actions_go(agent, supervisor,
                                                                           django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent, name="Rosa Quispe", inbound_hours_ago=30)
    template = MessageTemplate.objects.create(channel_account=conversation.channel_account, name="seguimiento",
                                              body="Hola {{1}}, seguimos a tu disposición.", variable_count=1)
    make_rule("conversation.escalated",
              {"kind": "send_message", "text": "Hola, ¿seguimos?"},
              {"kind": "send_template", "template": template, "template_variables": "{nombre}"},
              {"kind": "add_tag", "tag_name": "seguimiento"})
    run = escalate(django_capture_on_commit_callbacks, conversation)
    assert run.status == "failed"
    assert [r["ok"] for r in run.results] == [False, True, True]
    assert "24 hours" in run.results[0]["detail"] or "24 horas" in run.results[0]["detail"]
    assert run.error.startswith(run.results[0]["label"])
    sent = Message.objects.get(conversation=conversation, direction="out")
    assert (sent.template, sent.text, sent.sender) == (template, "Hola Rosa, seguimos a tu disposición.", "system")
    assert tag_names(conversation) == {"seguimiento"}


def test_create_ticket_opens_it_linked_to_the_conversation(agent, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent, name="Rosa Quispe")
    category = make_category("Reclamos", team=agent.team, agents=[agent])
    make_rule("conversation.escalated", {"kind": "create_ticket", "text": "Reclamo de {nombre}",
                                         "ticket_category": category, "ticket_priority": "critical"},
              name="Reclamos a ticket")
    run = escalate(django_capture_on_commit_callbacks, conversation)
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.category, ticket.priority) == ("Reclamo de Rosa", category, "critical")
    assert (ticket.conversation, ticket.contact, ticket.lead) == (conversation, conversation.contact,
                                                                  conversation.lead)
    assert "Reclamos a ticket" in ticket.description
    assert ticket.number in run.results[0]["detail"]


def test_create_followup_schedules_it_for_the_assignee(agent, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent)
    make_rule("conversation.escalated", {"kind": "create_followup", "text": "¿Pudiste revisar la propuesta?",
                                         "delay_minutes": 120})
    before = timezone.now()
    escalate(django_capture_on_commit_callbacks, conversation)
    followup = FollowUpTask.objects.get()
    assert (followup.conversation, followup.created_by, followup.state) == (conversation, agent, "scheduled")
    assert before + timedelta(minutes=119) < followup.due_at < timezone.now() + timedelta(minutes=121)


def test_create_followup_fails_with_the_reason_when_nobody_holds_the_conversation(
        django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=None)
    make_rule("conversation.escalated", {"kind": "create_followup", "text": "¿Seguimos?", "delay_minutes": 30})
    run = escalate(django_capture_on_commit_callbacks, conversation)
    assert run.status == "failed" and not FollowUpTask.objects.exists()
    assert run.results[0]["ok"] is False and run.results[0]["detail"]


def test_notify_tells_the_chosen_people_the_assignee_and_the_supervisor_once_each(
        agent, supervisor, admin_user, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent, name="Rosa Quispe")
    make_rule("conversation.escalated", {"kind": "notify", "text": "{nombre} pidió hablar con alguien",
                                         "notify_users": [admin_user, supervisor], "notify_assignee": True,
                                         "notify_supervisors": True})
    run = escalate(django_capture_on_commit_callbacks, conversation)
    notices = Notification.objects.filter(kind="automation.notice")
    assert sorted(n.user_id for n in notices) == sorted([admin_user.pk, supervisor.pk, agent.pk])
    assert {n.title for n in notices} == {"Rosa pidió hablar con alguien"}
    assert {n.url for n in notices} == {f"/panel/c/{conversation.pk}/"}
    assert run.status == "ok"


def test_notify_fails_when_there_is_nobody_to_tell(django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=None)
    make_rule("conversation.escalated", {"kind": "notify", "notify_assignee": True})
    run = escalate(django_capture_on_commit_callbacks, conversation)
    assert run.status == "failed" and not Notification.objects.exists()
