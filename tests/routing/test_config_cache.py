"""Routing reads which policy covers a conversation from the per-process cache (core.config_cache): no query for
it while nothing changes, a policy changed in admin or the shell is seen by the next conversation, and the
round robin's bookkeeping at every assignment does not drop the copy."""

from __future__ import annotations

import pytest

from conversations.models import Conversation
from conversations.selectors import CHANNEL_ACCOUNT_TEAMS_KEY, conversation_team_id
from core.config_cache import config_cache_keys
from routing.models import Strategy
from routing.selectors import ACTIVE_POLICIES_KEY, policy_for_conversation
from tests.automations.factories import emit
from tests.routing.conftest import make_policy, open_conversation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("config_cache_local_only")]



@pytest.fixture
def committed(agents, number, team, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """The team's round-robin policy (new conversations stay in the queue) and its number, committed."""
    with django_capture_on_commit_callbacks(execute=True):
        number.save()
        policy = make_policy(team, strategy=Strategy.ROUND_ROBIN)
    return policy


def test_policy_is_read_once_then_from_memory(committed, number, django_assert_num_queries):
    conversation = open_conversation(number)
    with django_assert_num_queries(2):  # the active policies, the numbers' teams
        policy_for_conversation(conversation)
    with django_assert_num_queries(0):
        ref = policy_for_conversation(conversation)
    assert ref is not None and ref.pk == committed.pk and ref.team_id == committed.team_id


def test_a_policy_changed_is_seen_by_the_next_new_conversation(committed, agents, number,
                                                               django_capture_on_commit_callbacks):
    first = open_conversation(number)
    emit(django_capture_on_commit_callbacks, "conversation.created", conversation_id=first.pk)
    first.refresh_from_db()
    assert first.assignee is None and ACTIVE_POLICIES_KEY in config_cache_keys()
    with django_capture_on_commit_callbacks(execute=True):
        committed.assign_new_conversations = True
        committed.save()
    second = open_conversation(number)
    emit(django_capture_on_commit_callbacks, "conversation.created", conversation_id=second.pk)
    second.refresh_from_db()
    assert second.assignee == agents[0]


def test_a_policy_turned_off_is_seen_by_the_next_hand_over(committed, agents, number,
                                                            django_capture_on_commit_callbacks):
    first = open_conversation(number)
    emit(django_capture_on_commit_callbacks, "conversation.escalated", conversation_id=first.pk, reason="complaint")
    first.refresh_from_db()
    assert first.assignee == agents[0]
    assert ACTIVE_POLICIES_KEY in config_cache_keys()  # the round robin's last assignee kept the copy
    with django_capture_on_commit_callbacks(execute=True):
        committed.is_active = False
        committed.save()
    second = open_conversation(number)
    emit(django_capture_on_commit_callbacks, "conversation.escalated", conversation_id=second.pk,
         reason="complaint")
    second.refresh_from_db()
    assert second.assignee is None


def test_a_number_moved_to_another_team_takes_that_teams_policy(committed, number, other_team, other_agent,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_policy(other_team, name="Norte", strategy=Strategy.ROUND_ROBIN)
    conversation = open_conversation(number)
    assert conversation_team_id(conversation) == committed.team_id
    assert CHANNEL_ACCOUNT_TEAMS_KEY in config_cache_keys()
    with django_capture_on_commit_callbacks(execute=True):
        number.team = other_team
        number.save()
    conversation = Conversation.objects.get(pk=conversation.pk)
    assert conversation_team_id(conversation) == other_team.pk
    emit(django_capture_on_commit_callbacks, "conversation.escalated", conversation_id=conversation.pk,
         reason="complaint")
    conversation.refresh_from_db()
    assert conversation.assignee == other_agent
