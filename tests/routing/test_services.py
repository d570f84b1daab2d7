"""Routing by policy: round robin, least busy under a capacity, skills, availability, and the queue when nobody fits."""

from __future__ import annotations

import pytest

from accounts.models import Availability
from conversations.models import Conversation
from notifications.models import Notification
from operators.models import Category
from routing.models import AgentSkill, Strategy
from routing.services import Reason, conversation_route, reason_label
from tests.operators.factories import OperatorFactory
from tests.routing.conftest import make_policy, open_conversation

pytestmark = pytest.mark.django_db


def route(conversation: Conversation, reason: str = "new_conversation", **kw: object):  # type: ignore[no-untyped-def]
    return conversation_route(conversation_id=conversation.pk, reason=reason, **kw)


def test_round_robin_spreads_nine_new_conversations_three_each_when_three_agents_are_available(
        agents, number, team, django_capture_on_commit_callbacks):
    make_policy(team, strategy=Strategy.ROUND_ROBIN)
    with django_capture_on_commit_callbacks(execute=True):
        got = [route(open_conversation(number)) for _ in range(9)]
    assert [u.username for u in got] == ["ana", "beto", "carla"] * 3
    for agent in agents:
        assert Conversation.objects.filter(assignee=agent).count() == 3
        notices = Notification.objects.filter(user=agent, kind="routing.assigned")
        assert notices.count() == 3 and notices.first().body == reason_label(Reason.NEW)


def test_least_busy_skips_a_full_agent_when_capacity_is_reached(agents, number, team):
    ana, beto, carla = agents
    make_policy(team, strategy=Strategy.LEAST_BUSY, capacity=2)
    for holder, count in ((ana, 2), (beto, 1), (carla, 1)):
        for _ in range(count):
            open_conversation(number, assignee=holder)
    first = route(open_conversation(number))
    assert first in (beto, carla)
    second = route(open_conversation(number))
    assert {first, second} == {beto, carla}  # both at 2 now: everyone full
    assert Conversation.objects.filter(assignee=ana).count() == 2


def test_everyone_full_leaves_the_conversation_in_the_queue_and_tells_the_supervisor(
        agents, number, team, supervisor):
    make_policy(team, strategy=Strategy.LEAST_BUSY, capacity=1)
    for agent in agents:
        open_conversation(number, assignee=agent)
    waiting = open_conversation(number)
    assert route(waiting, "escalated", priority="high") is None
    waiting.refresh_from_db()
    assert waiting.assignee is None and waiting.priority == "high"
    notice = Notification.objects.get(user=supervisor, kind="routing.unassigned")
    assert "Rosa Quispe" in notice.title and notice.body == reason_label(Reason.ESCALATED)


def test_away_and_offline_agents_get_nothing_when_they_are_not_available(agents, number, team):
    ana, beto, carla = agents
    ana.availability = Availability.AWAY
    ana.save()
    carla.availability = Availability.OFFLINE
    carla.save()
    make_policy(team, strategy=Strategy.ROUND_ROBIN)
    assert {route(open_conversation(number)) for _ in range(4)} == {beto}


def test_a_conversation_held_by_an_available_agent_is_left_alone_and_one_held_by_an_away_agent_moves(
        agents, number, team):
    ana, beto, _carla = agents
    make_policy(team, strategy=Strategy.ROUND_ROBIN)
    held = open_conversation(number, assignee=ana)
    assert route(held, "hot_lead", priority="high") == ana
    held.refresh_from_db()
    assert held.priority == "normal"
    ana.availability = Availability.AWAY
    ana.save()
    moved = route(held, "hot_lead", priority="high")
    held.refresh_from_db()
    assert moved == beto and held.assignee == beto and held.priority == "high"


def test_skills_give_the_conversation_to_the_agent_who_knows_the_leads_operator(agents, number, team):
    ana, beto, carla = agents
    claro, movistar = OperatorFactory(name="Claro", slug="claro"), OperatorFactory(name="Movistar", slug="movistar")
    AgentSkill.objects.create(user=ana, operator=movistar, level=5)
    AgentSkill.objects.create(user=carla, operator=claro, level=4)
    AgentSkill.objects.create(user=beto, category=Category.MOBILE, level=2)
    make_policy(team, strategy=Strategy.SKILLS)
    conversation = open_conversation(number)
    conversation.lead.operator = claro
    conversation.lead.save()
    assert route(conversation) == carla
    other = open_conversation(number)
    other.lead.service_type = Category.MOBILE
    other.lead.save()
    assert route(other) == beto


def test_a_number_policy_wins_over_its_teams_policy(agents, number, team, other_agent):
    make_policy(team, strategy=Strategy.ROUND_ROBIN, name="Equipo")
    make_policy(None, channel_account=number, strategy=Strategy.LEAST_BUSY, name="Número")
    other_agent.team = team
    other_agent.save()
    for agent in agents:
        open_conversation(number, assignee=agent)
    assert route(open_conversation(number)) == other_agent  # the least busy, not the round robin's next


def test_without_a_policy_nothing_is_assigned_and_the_supervisor_hears_it(agents, number, supervisor):
    conversation = open_conversation(number)
    assert route(conversation, "escalated", priority="high") is None
    conversation.refresh_from_db()
    assert conversation.assignee is None and conversation.priority == "high"
    assert Notification.objects.filter(user=supervisor, kind="routing.unassigned").count() == 1


def test_a_system_assignment_gives_the_lead_too_and_is_audited(agents, number, team):
    from accounts.models import AuditEntry

    make_policy(team)
    conversation = open_conversation(number)
    ana = route(conversation)
    conversation.lead.refresh_from_db()
    assert conversation.lead.assignee == ana
    entry = AuditEntry.objects.filter(object_id=conversation.pk, kind="assign").latest("pk")
    assert entry.actor is None and entry.additional_data["to_id"] == ana.pk


def test_a_system_assignment_made_inside_a_persons_request_is_not_put_on_them(agents, number, team, supervisor, rf):
    """A supervisor's edit that turns a lead HOT routes its conversation in their request: the audit still says
    the system did the assigning, not the supervisor."""
    from accounts.audit_context import _request
    from accounts.models import AuditEntry

    make_policy(team)
    conversation = open_conversation(number)
    request = rf.post("/admin/")
    request.user = supervisor
    token = _request.set(request)
    try:
        ana = route(conversation)
    finally:
        _request.reset(token)
    entries = AuditEntry.objects.filter(kind="assign")
    assert entries.count() == 2  # the conversation and its lead
    assert all(entry.actor is None and entry.additional_data["to_id"] == ana.pk for entry in entries)
    assert entries.get(content_type__model="conversation").additional_data["by"] == "system"
