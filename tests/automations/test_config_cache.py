"""The engine reads the active rules from the per-process cache (core.config_cache): no query for the rules,
their tags and actions while nothing changed, fresh instances each time, and a rule changed in admin or the
shell (its actions, its conditions, turned off) is seen by the next message."""

from __future__ import annotations

import pytest

from automations.engine import rules_for
from automations.models import AutomationAction, AutomationRun
from automations.selectors import RULES_KEY
from conversations.models import Tag
from core.config_cache import config_cache_keys
from tests.automations.factories import customer_message, make_conversation, make_rule, message_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("config_cache_local_only")]



@pytest.fixture
def tagger(db, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """A committed rule: every customer's message with "precio" tags the conversation "consulta"."""
    with django_capture_on_commit_callbacks(execute=True):
        return make_rule("message.received", {"kind": "add_tag", "tag_name": "consulta"}, text_contains="precio",
                         tags=("vip",))


def _tags(conversation) -> set[str]:  # type: ignore[no-untyped-def]
    return set(conversation.tags.values_list("name", flat=True))


def test_rules_are_read_once_then_from_memory_as_fresh_instances(tagger, django_assert_num_queries):
    with django_assert_num_queries(3):  # rules, their tags, their actions
        first = rules_for("message.received")
    with django_assert_num_queries(0):
        again = rules_for("message.received")
        assert rules_for("conversation.created") == []
    assert [r.pk for r in again] == [tagger.pk] and again[0] is not first[0]
    assert again[0].cached_tag_ids == {Tag.objects.get(name="vip").pk}
    assert [a.tag_name for a in again[0].cached_actions] == ["consulta"]
    first[0].name = "cambiada por quien la usó"
    first[0].cached_actions[0].tag_name = "otra"
    assert rules_for("message.received")[0].name == tagger.name  # the cached data is not shared
    assert rules_for("message.received")[0].cached_actions[0].tag_name == "consulta"


def test_an_action_changed_is_seen_by_the_next_message(tagger, django_capture_on_commit_callbacks):
    conversation = make_conversation()
    with django_capture_on_commit_callbacks(execute=True):
        conversation.tags.add(Tag.objects.get(name="vip"))
    message_event(django_capture_on_commit_callbacks, customer_message(conversation, "¿Qué precio tiene?"))
    assert _tags(conversation) == {"vip", "consulta"} and RULES_KEY in config_cache_keys()
    with django_capture_on_commit_callbacks(execute=True):
        action = AutomationAction.objects.get(rule=tagger)
        action.tag_name = "cotizar"
        action.save()
    message_event(django_capture_on_commit_callbacks, customer_message(conversation, "¿Y el precio final?"))
    assert _tags(conversation) == {"vip", "consulta", "cotizar"}


def test_a_condition_changed_is_seen_by_the_next_message(tagger, django_capture_on_commit_callbacks):
    conversation = make_conversation()
    message_event(django_capture_on_commit_callbacks, customer_message(conversation, "¿Qué precio tiene?"))
    assert _tags(conversation) == set()  # not tagged "vip": the rule does not apply
    assert RULES_KEY in config_cache_keys()
    with django_capture_on_commit_callbacks(execute=True):
        tagger.tags.clear()  # a many-to-many change
    message_event(django_capture_on_commit_callbacks, customer_message(conversation, "¿Y el precio final?"))
    assert _tags(conversation) == {"consulta"}


def test_a_rule_turned_off_or_added_is_seen_by_the_next_message(tagger, django_capture_on_commit_callbacks):
    conversation = make_conversation()
    with django_capture_on_commit_callbacks(execute=True):
        conversation.tags.add(Tag.objects.get(name="vip"))
    message_event(django_capture_on_commit_callbacks, customer_message(conversation, "precio"))
    assert AutomationRun.objects.filter(rule=tagger).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        tagger.is_active = False
        tagger.save()
        other = make_rule("message.received", {"kind": "set_priority", "priority": "high"})
    message_event(django_capture_on_commit_callbacks, customer_message(conversation, "precio otra vez"))
    assert AutomationRun.objects.filter(rule=tagger).count() == 1
    assert AutomationRun.objects.filter(rule=other).count() == 1
    conversation.refresh_from_db()
    assert conversation.priority == "high"


def test_a_deleted_tag_is_seen_by_the_next_message(tagger, django_capture_on_commit_callbacks):
    conversation = make_conversation()
    message_event(django_capture_on_commit_callbacks, customer_message(conversation, "precio"))
    assert _tags(conversation) == set()
    with django_capture_on_commit_callbacks(execute=True):
        Tag.objects.filter(name="vip").delete()  # its rows in the rule's tags go without a signal of their own
    message_event(django_capture_on_commit_callbacks, customer_message(conversation, "precio de nuevo"))
    assert _tags(conversation) == {"consulta"}
