"""WHEN: each trigger runs its own rules and no other event's; the engine hears every trigger after the other
apps, and through the real emitters (a webhook, resolving, quotes expiring)."""

from __future__ import annotations

import pytest

from automations.models import AutomationRun, Trigger
from conversations.models import Conversation
from conversations.services.inbox import conversation_set_status
from core import events
from sales.services.quotes import quotes_expire
from tests.automations.factories import (
    customer_message,
    emit,
    make_conversation,
    make_quote,
    make_rule,
    make_sale,
    tag_names,
)

pytestmark = pytest.mark.django_db


def test_every_trigger_is_heard_after_the_other_apps_when_the_app_is_ready():
    for trigger in Trigger.values:
        ours = [s for s in events.subscribers(trigger) if s.name.startswith("automations.")]
        assert len(ours) == 1 and ours[0].order == 90, trigger
        # A message another step answered (a "sí", a rating) and a conversation a rating opened are left alone.
        assert ours[0].skip_if_handled is (trigger in ("message.received", "conversation.created"))
        others = [s.order for s in events.subscribers(trigger) if not s.name.startswith("automations.")]
        assert all(order < 90 for order in others), (trigger, others)


def _payload(trigger: str, conversation: Conversation, agent) -> dict:  # type: ignore[no-untyped-def]
    if trigger == "message.received":
        message = customer_message(conversation)
        return {"message_id": message.pk, "conversation_id": conversation.pk, "text": message.text,
                "interactive_id": ""}
    if trigger == "conversation.escalated":
        return {"conversation_id": conversation.pk, "reason": "human_request"}
    if trigger == "conversation.resolved":
        return {"conversation_id": conversation.pk, "actor_id": agent.pk}
    if trigger == "conversation.created":
        return {"conversation_id": conversation.pk}
    if trigger == "lead.hot":
        return {"lead_id": conversation.lead_id}
    if trigger == "quote.expired":
        return {"quote_id": make_quote(conversation, agent).pk}
    return {"sale_id": make_sale(conversation, agent).pk, "actor_id": agent.pk}


@pytest.mark.parametrize("trigger", Trigger.values)
def test_only_the_rules_of_the_event_run_when_it_happens(trigger, agent, django_capture_on_commit_callbacks):
    rules = {t: make_rule(t, name=f"Cuando {t}") for t in Trigger.values}
    make_rule(trigger, is_active=False)  # an inactive rule of the same event never runs
    conversation = make_conversation(assignee=agent)
    emit(django_capture_on_commit_callbacks, trigger, **_payload(trigger, conversation, agent))
    run = AutomationRun.objects.get()
    assert (run.rule, run.event, run.status) == (rules[trigger], trigger, "ok")
    assert run.conversation == conversation and run.lead == conversation.lead
    assert tag_names(conversation) == {f"regla-{rules[trigger].pk}"}


def test_rules_run_by_their_order_and_stop_when_one_says_so(agent, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent)
    late = make_rule("conversation.created", position=30)
    first = make_rule("conversation.created", position=10)
    stopper = make_rule("conversation.created", position=20, stop_processing=True)
    emit(django_capture_on_commit_callbacks, "conversation.created", conversation_id=conversation.pk)
    ran = list(AutomationRun.objects.order_by("pk").values_list("rule", flat=True))
    assert ran == [first.pk, stopper.pk]
    assert f"regla-{late.pk}" not in tag_names(conversation)


def test_a_resolved_conversation_runs_its_rules_each_time_it_is_resolved(agent, django_capture_on_commit_callbacks):
    rule = make_rule("conversation.resolved", {"kind": "set_priority", "priority": "low"})
    conversation = make_conversation(assignee=agent)
    for status in ("resolved", "open", "resolved"):
        with django_capture_on_commit_callbacks(execute=True):
            conversation_set_status(actor=agent, conversation=conversation, status=status)
    assert AutomationRun.objects.filter(rule=rule, status="ok").count() == 2
    conversation.refresh_from_db()
    assert conversation.priority == "low"


def test_an_expired_quote_runs_its_rules_for_its_conversation(agent, django_capture_on_commit_callbacks):
    rule = make_rule("quote.expired", {"kind": "add_tag", "tag_name": "cotización vencida"})
    conversation = make_conversation(assignee=agent)
    quote = make_quote(conversation, agent)
    with django_capture_on_commit_callbacks(execute=True):
        assert quotes_expire() == 1
    run = AutomationRun.objects.get(rule=rule)
    assert (run.quote, run.conversation, run.status) == (quote, conversation, "ok")
    assert tag_names(conversation) == {"cotización vencida"}


def test_an_event_about_a_deleted_object_runs_nothing_when_it_arrives_late(django_capture_on_commit_callbacks):
    make_rule("conversation.created")
    make_rule("lead.hot")
    emit(django_capture_on_commit_callbacks, "conversation.created", conversation_id=999_999)
    emit(django_capture_on_commit_callbacks, "lead.hot", lead_id=999_999)
    assert not AutomationRun.objects.exists()


def test_a_hot_lead_without_a_conversation_still_notifies(supervisor, agent, django_capture_on_commit_callbacks):
    from leads.models import Lead
    from notifications.models import Notification
    from tests.leads.factories import ContactFactory

    lead = Lead.objects.create(contact=ContactFactory(name="Juan Pérez"), classification="HOT", assignee=agent)
    rule = make_rule("lead.hot", {"kind": "notify", "notify_assignee": True, "text": "Lead caliente: {nombre}"})
    emit(django_capture_on_commit_callbacks, "lead.hot", lead_id=lead.pk)
    run = AutomationRun.objects.get(rule=rule)
    assert (run.status, run.conversation, run.lead) == ("ok", None, lead)
    notice = Notification.objects.get(user=agent)
    assert notice.title == "Lead caliente: Juan" and notice.kind == "automation.notice"
