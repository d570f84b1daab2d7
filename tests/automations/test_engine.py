"""The engine's promises: a failing rule never blocks the message (stored, answered by the AI, other rules run),
every run is logged with each action's result, a message announced twice runs a rule once, and a rule whose own
action causes its event again is held back (the loop guard), as is a rule firing in a burst."""

from __future__ import annotations

import re
import time

import pytest
from werkzeug import Response

from accounts.models import Team
from automations.engine import subject_resolve
from automations.models import AutomationRun
from conversations.models import Conversation, Message
from conversations.services.accounts import channel_accounts_sync_from_env
from core import events
from tests.automations.factories import customer_message, emit, make_conversation, make_rule, message_event
from tests.conftest import celery_eager
from tests.conversations.conftest import drain, wa_payload, wa_text
from tests.tickets.factories import make_category
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_failing_rule_never_blocks_the_message_the_ai_answer_or_the_other_rules(
        post_meta, graph, agent, django_capture_on_commit_callbacks):
    channel_accounts_sync_from_env()  # the number from settings, its AI on
    closed = make_category("Sin uso")
    closed.is_active = False
    closed.save()
    broken = make_rule("message.received", {"kind": "create_ticket", "text": "Caso", "ticket_category": closed},
                       {"kind": "add_tag", "tag_name": "leído"}, position=10, name="Ticket con categoría cerrada")
    tagger = make_rule("message.received", {"kind": "set_priority", "priority": "high"}, position=20,
                       text_contains="precio")
    opener = make_rule("conversation.created", {"kind": "add_tag", "tag_name": "nuevo"})
    with django_capture_on_commit_callbacks(execute=True):
        post_meta(wa_payload(wa_text("wamid.AUTO-IN1", "Hola, ¿cuál es el precio del plan de 200 megas?")))
    with django_capture_on_commit_callbacks(execute=True):
        drain()
    conversation = Conversation.objects.get()
    inbound = Message.objects.get(direction="in")
    assert inbound.text.startswith("Hola, ¿cuál es el precio")
    assert Message.objects.filter(conversation=conversation, direction="out", sender="ai").exists()
    failed = AutomationRun.objects.get(rule=broken)
    assert (failed.status, failed.event, failed.message, failed.conversation) == (
        "failed", "message.received", inbound, conversation)
    assert [(r["kind"], r["ok"]) for r in failed.results] == [("create_ticket", False), ("add_tag", True)]
    assert failed.error and failed.depth == 0 and failed.payload["message_id"] == inbound.pk
    assert not Ticket.objects.exists()
    assert AutomationRun.objects.get(rule=tagger).status == "ok"
    assert AutomationRun.objects.get(rule=opener).status == "ok"
    conversation.refresh_from_db()
    assert conversation.priority == "high"
    assert set(conversation.tags.values_list("name", flat=True)) == {"leído", "nuevo"}


def test_a_message_announced_twice_runs_each_rule_once(agent, django_capture_on_commit_callbacks):
    rule = make_rule("message.received", {"kind": "notify", "notify_assignee": True})
    message = customer_message(make_conversation(assignee=agent), "Te mando un audio")
    message_event(django_capture_on_commit_callbacks, message)
    message_event(django_capture_on_commit_callbacks, message)  # a voice note, again once its file is stored
    assert rule.runs.count() == 1
    assert agent.notifications.count() == 1


def test_a_rule_firing_in_a_burst_for_one_conversation_is_held_back(agent, django_capture_on_commit_callbacks):
    rule = make_rule("message.received", {"kind": "add_tag", "tag_name": "ráfaga"})
    conversation = make_conversation(assignee=agent)
    for n in range(7):
        message_event(django_capture_on_commit_callbacks, customer_message(conversation, f"mensaje {n}"))
    statuses = list(rule.runs.order_by("pk").values_list("status", flat=True))
    assert statuses == ["ok"] * 5 + ["skipped"] * 2
    assert "last minute" in rule.runs.filter(status="skipped").first().error or "último minuto" in (
        rule.runs.filter(status="skipped").first().error)


@pytest.mark.django_db(transaction=True)
def test_a_rule_whose_own_action_causes_its_event_again_is_held_back(httpserver, settings, agent):
    """The rule answers an escalation with a message; the send times out, which escalates the conversation
    (a real event, after the real commit): the rule hears its own consequence and is held back, not run again."""
    settings.PROVIDER_TIMEOUT_SECONDS = 0.3

    def slow(_request):  # type: ignore[no-untyped-def]
        time.sleep(0.8)
        return Response('{"messages": [{"id": "wamid.LATE"}]}', content_type="application/json")

    settings.META_GRAPH_BASE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(re.compile(r"/\d+/messages"), method="POST").respond_with_handler(slow)
    rule = make_rule("conversation.escalated", {"kind": "send_message", "text": "Te comunico con un asesor."})
    conversation = make_conversation(assignee=agent)
    with celery_eager(True):
        events.emit("conversation.escalated", conversation_id=conversation.pk, reason="human_request")
    runs = list(rule.runs.order_by("pk"))
    assert [(run.status, run.depth) for run in runs] == [("ok", 0), ("skipped", 1)]
    assert "loop" in runs[1].error or "bucle" in runs[1].error
    assert Message.objects.filter(conversation=conversation, direction="out").count() == 1
    conversation.refresh_from_db()
    assert conversation.needs_human and conversation.escalation_reason == "send_unknown"


def test_a_rule_for_an_event_without_its_object_leaves_no_run(django_capture_on_commit_callbacks):
    make_rule("quote.expired")
    make_rule("sale.validated")
    emit(django_capture_on_commit_callbacks, "quote.expired", quote_id=424242)
    emit(django_capture_on_commit_callbacks, "sale.validated", sale_id=424242, actor_id=None)
    assert not AutomationRun.objects.exists()


def test_a_message_an_earlier_step_answered_runs_no_rule(agent, django_capture_on_commit_callbacks):
    """A customer's "sí" that accepted a quote (or a rating) is HANDLED: a rule's reply would answer it twice."""
    rule = make_rule("message.received", {"kind": "add_tag", "tag_name": "respondido"})
    message = customer_message(make_conversation(assignee=agent), "sí, lo quiero")

    def accepts_quote(event):  # type: ignore[no-untyped-def]
        return events.HANDLED

    events.subscribe("message.received", accepts_quote, order=5)
    try:
        message_event(django_capture_on_commit_callbacks, message)
    finally:
        events.unsubscribe("message.received", accepts_quote)
    assert not rule.runs.exists()
    message_event(django_capture_on_commit_callbacks, customer_message(message.conversation, "otra cosa"))
    assert rule.runs.get().status == "ok"


def test_a_received_message_is_read_in_one_narrow_query_and_loaded_whole_only_when_an_action_asks(
        agent, django_assert_num_queries):
    conversation = make_conversation(assignee=agent, classification="HOT")
    message = customer_message(conversation, "quiero presentar un reclamo")
    Message.objects.filter(pk=message.pk).update(intent="complaint")
    event = events.Event("message.received", {"message_id": message.pk, "conversation_id": conversation.pk,
                                              "text": message.text, "interactive_id": ""})
    with django_assert_num_queries(1):
        subject = subject_resolve(event)
        # what most conditions read: the team (through the assignee), the stored intent, the text
        assert (subject.team_id, subject.intent, subject.text) == (agent.team_id, "complaint", message.text)
        assert (subject.message_id, subject.conversation_id, subject.lead_id) == (
            message.pk, conversation.pk, conversation.lead_id)
    with django_assert_num_queries(1):
        # what a lead-temperature condition or an action reads: the whole message, conversation, lead, assignee
        assert (subject.message, subject.conversation.pk, subject.lead.classification,
                subject.conversation.assignee) == (message, conversation.pk, "HOT", agent)


def test_a_team_without_an_assignee_is_the_number_s_team(db):
    team = Team.objects.create(name="Ventas Norte")
    conversation = make_conversation()
    account = conversation.channel_account
    account.team = team
    account.save()  # drops the per-process copy of the accounts' teams
    message = customer_message(conversation)
    event = events.Event("message.received", {"message_id": message.pk, "conversation_id": conversation.pk,
                                              "text": message.text, "interactive_id": ""})
    assert subject_resolve(event).team_id == team.pk


def test_a_message_deleted_before_its_rules_ran_has_no_subject(db):
    message = customer_message(make_conversation())
    event = events.Event("message.received", {"message_id": message.pk, "conversation_id": message.conversation_id,
                                              "text": message.text, "interactive_id": ""})
    Message.objects.filter(pk=message.pk).delete()
    assert subject_resolve(event) is None
