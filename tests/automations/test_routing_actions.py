"""THEN, with routing (written beside this app): assign to a chosen agent, or route with the team's policy. Until
routing is installed each says so in the run (failed, "not available") and the rule's other actions still run."""

from __future__ import annotations

import pytest

from automations import actions
from automations.models import AutomationRun
from tests.automations.factories import emit, make_conversation, make_rule, tag_names

pytestmark = pytest.mark.django_db

ROUTING = actions.conversation_route is not None
SYSTEM_ASSIGN = actions.conversation_assign_system is not None


def escalate(capture, conversation):  # type: ignore[no-untyped-def]
    emit(capture, "conversation.escalated", conversation_id=conversation.pk, reason="human_request")
    return AutomationRun.objects.filter(conversation=conversation).latest("pk")


@pytest.mark.skipif(not SYSTEM_ASSIGN, reason="routing's conversation_assign_system is not installed yet")
def test_assign_action_gives_the_conversation_to_the_chosen_agent(agent, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=None)
    make_rule("conversation.escalated", {"kind": "assign_agent", "agent": agent})
    run = escalate(django_capture_on_commit_callbacks, conversation)
    conversation.refresh_from_db()
    assert run.status == "ok", run.results
    assert conversation.assignee == agent and conversation.assigned_at is not None


def test_assign_action_refuses_an_agent_who_left(agent, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=None)
    make_rule("conversation.escalated", {"kind": "assign_agent", "agent": agent},
              {"kind": "add_tag", "tag_name": "sin asignar"})
    agent.is_active = False
    agent.save()
    run = escalate(django_capture_on_commit_callbacks, conversation)
    conversation.refresh_from_db()
    assert run.status == "failed" and conversation.assignee is None
    assert [r["ok"] for r in run.results] == [False, True] and tag_names(conversation) == {"sin asignar"}


@pytest.mark.skipif(not ROUTING, reason="routing.services.conversation_route is not installed yet")
def test_route_action_raises_the_priority_and_routes_with_the_policy(agent, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=None)
    make_rule("conversation.escalated", {"kind": "route", "priority": "high"})
    run = escalate(django_capture_on_commit_callbacks, conversation)
    conversation.refresh_from_db()
    assert run.status == "ok", run.results
    assert conversation.priority == "high"
    # Assigned by the policy, or left in the queue when nobody fits: the result says which.
    detail = run.results[0]["detail"]
    assert (conversation.assignee is not None and str(conversation.assignee) in detail) or (
        conversation.assignee is None and detail)


@pytest.mark.skipif(ROUTING and SYSTEM_ASSIGN, reason="routing is installed")
def test_routing_actions_say_routing_is_not_available_until_it_is_installed(agent,
                                                                           django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=None)
    make_rule("conversation.escalated", {"kind": "route"}, {"kind": "assign_agent", "agent": agent},
              {"kind": "set_priority", "priority": "high"})
    run = escalate(django_capture_on_commit_callbacks, conversation)
    assert run.status == "failed"
    oks = [r["ok"] for r in run.results]
    assert oks[2] is True and (not ROUTING) is (oks[0] is False) and (not SYSTEM_ASSIGN) is (oks[1] is False)
    if not ROUTING:
        assert "not available" in run.results[0]["detail"] or "no disponible" in run.results[0]["detail"]
