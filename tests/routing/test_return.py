"""Unanswered assignments go to someone else, or back to the queue, once the policy's minutes have passed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from conversations.models import Conversation, Message, Note
from notifications.models import Notification
from routing.models import Strategy
from routing.services import assignments_return_unanswered, conversation_route
from routing.tasks import routing_return_unanswered_task
from tests.routing.conftest import make_policy, open_conversation

pytestmark = pytest.mark.django_db


def assigned_to_first_agent(number):  # type: ignore[no-untyped-def]
    conversation = open_conversation(number)
    conversation_route(conversation_id=conversation.pk, reason="escalated")
    conversation.refresh_from_db()
    return conversation


def test_a_stale_assignment_goes_to_the_next_agent_when_the_minutes_have_passed(agents, number, team):
    ana, beto, _carla = agents
    make_policy(team, strategy=Strategy.ROUND_ROBIN, return_after_minutes=15)
    conversation = assigned_to_first_agent(number)
    assert conversation.assignee == ana
    assert assignments_return_unanswered(now=timezone.now() + timedelta(minutes=14)) == 0
    assert assignments_return_unanswered(now=timezone.now() + timedelta(minutes=16)) == 1
    conversation.refresh_from_db()
    assert conversation.assignee == beto
    told = Notification.objects.get(user=ana, kind="routing.returned")
    assert "Rosa Quispe" in told.title
    assert Note.objects.get(conversation=conversation, author=None).text == gettext(
        "%(agent)s did not answer within %(minutes)s minutes: given to %(to)s.") % {
        "agent": "Ana", "minutes": 15, "to": "Beto"}
    assert Notification.objects.filter(user=beto, kind="routing.assigned").count() == 1


def test_a_stale_assignment_goes_back_to_the_queue_when_nobody_else_can_take_it(agents, number, team, supervisor):
    ana, beto, carla = agents
    for other in (beto, carla):
        other.availability = "offline"
        other.save()
    make_policy(team, strategy=Strategy.LEAST_BUSY, return_after_minutes=10)
    conversation = assigned_to_first_agent(number)
    assert conversation.assignee == ana
    assert assignments_return_unanswered(now=timezone.now() + timedelta(minutes=11)) == 1
    conversation.refresh_from_db()
    assert conversation.assignee is None and conversation.assigned_at is None
    assert Note.objects.get(conversation=conversation).text == gettext(
        "%(agent)s did not answer within %(minutes)s minutes: back in the queue.") % {"agent": "Ana", "minutes": 10}
    assert Notification.objects.filter(user=ana, kind="routing.returned").exists()
    assert Notification.objects.filter(user=supervisor, kind="routing.unassigned").exists()
    assert assignments_return_unanswered(now=timezone.now() + timedelta(minutes=30)) == 0  # queued: nothing more


def test_an_answered_assignment_stays_with_its_agent(agents, number, team):
    make_policy(team, strategy=Strategy.ROUND_ROBIN, return_after_minutes=15)
    conversation = assigned_to_first_agent(number)
    Message.objects.create(conversation=conversation, channel_account=number, direction="out", sender="agent",
                           author=agents[0], text="Hola Rosa, te ayudo.")
    assert assignments_return_unanswered(now=timezone.now() + timedelta(hours=2)) == 0
    conversation.refresh_from_db()
    assert conversation.assignee == agents[0]


def test_an_assignment_whose_customer_waits_for_nothing_stays(agents, number, team):
    make_policy(team, strategy=Strategy.ROUND_ROBIN, return_after_minutes=15)
    conversation = assigned_to_first_agent(number)
    Conversation.objects.filter(pk=conversation.pk).update(waiting_since=None)  # the AI answered the customer
    assert assignments_return_unanswered(now=timezone.now() + timedelta(hours=2)) == 0


def test_policies_that_never_return_leave_assignments_alone(agents, number, team):
    make_policy(team, strategy=Strategy.ROUND_ROBIN, return_after_minutes=0)
    conversation = assigned_to_first_agent(number)
    assert assignments_return_unanswered(now=timezone.now() + timedelta(days=1)) == 0
    assert Conversation.objects.get(pk=conversation.pk).assignee == agents[0]


def test_the_every_minute_task_returns_stale_assignments(agents, number, team, time_machine):
    make_policy(team, strategy=Strategy.ROUND_ROBIN, return_after_minutes=5)
    conversation = assigned_to_first_agent(number)
    time_machine.move_to(timezone.now() + timedelta(minutes=6), tick=False)
    assert routing_return_unanswered_task() == 1
    conversation.refresh_from_db()
    assert conversation.assignee == agents[1]


def test_the_task_is_on_the_beat_schedule_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["routing-return-unanswered"]
    assert entry["task"] == "routing.tasks.routing_return_unanswered_task"
    assert routing_return_unanswered_task.name == entry["task"]


def test_a_conversation_a_person_assigned_stays_with_its_agent_however_long_it_waits(agents, number, team,
                                                                                      supervisor):
    from conversations.services.inbox import conversation_assign

    ana, beto, _carla = agents
    make_policy(team, strategy=Strategy.ROUND_ROBIN, return_after_minutes=15)
    routed = assigned_to_first_agent(number)
    by_hand = open_conversation(number)
    conversation_assign(actor=supervisor, conversation=by_hand, assignee=beto)
    by_hand.refresh_from_db()
    assert by_hand.waiting_since is not None  # the customer waits on both
    assert assignments_return_unanswered(now=timezone.now() + timedelta(hours=3)) == 1
    routed.refresh_from_db()
    by_hand.refresh_from_db()
    assert routed.assignee != ana and by_hand.assignee == beto
    # A supervisor who takes a routed conversation and gives it back by hand: the routing no longer owns it.
    conversation_assign(actor=supervisor, conversation=routed, assignee=ana)
    assert assignments_return_unanswered(now=timezone.now() + timedelta(hours=6)) == 0
