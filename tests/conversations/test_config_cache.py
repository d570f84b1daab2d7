"""The AI step's knowledge base, the numbers' teams, the accounts webhooks name and the accounts the AI step and the
sends use come from the per-process cache (core.config_cache): no query while nothing changed, and an edit in admin
is seen by the next message."""

from __future__ import annotations

import pytest

from ai.models import KnowledgeEntry
from conversations.models import ChannelAccount
from conversations.selectors import channel_account_cached, channel_account_teams
from conversations.services.accounts import channel_account_for_event
from conversations.services.assistant.knowledge import active_knowledge
from tests.automations.factories import make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("config_cache_local_only")]



@pytest.fixture
def delivery(db, django_capture_on_commit_callbacks) -> KnowledgeEntry:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return KnowledgeEntry.objects.create(topic="delivery", question="¿Hacen delivery a provincias?",
                                             answer="Sí, en 48 horas.", keywords="delivery, envío")


def test_knowledge_is_read_once_then_from_memory(delivery, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = active_knowledge()
    with django_assert_num_queries(0):
        assert active_knowledge() == first
    assert [item.answer for item in first] == ["Sí, en 48 horas."]


def test_an_answer_edited_or_switched_off_is_seen_by_the_next_turn(delivery, django_capture_on_commit_callbacks):
    active_knowledge()
    with django_capture_on_commit_callbacks(execute=True):
        delivery.answer = "Sí, en 24 horas."
        delivery.save()
    assert [item.answer for item in active_knowledge()] == ["Sí, en 24 horas."]
    with django_capture_on_commit_callbacks(execute=True):
        delivery.is_active = False
        delivery.save()
    assert active_knowledge() == ()


def test_a_number_given_a_team_is_seen_at_once(team, django_capture_on_commit_callbacks, django_assert_num_queries):
    with django_capture_on_commit_callbacks(execute=True):
        account = make_account()
    assert channel_account_teams()[account.pk] is None
    with django_assert_num_queries(0):
        channel_account_teams()
    with django_capture_on_commit_callbacks(execute=True):
        account.team = team
        account.save()
    assert channel_account_teams()[account.pk] == team.pk


def test_the_account_a_webhook_names_is_read_once_then_from_memory(django_capture_on_commit_callbacks,
                                                                   django_assert_num_queries):
    with django_capture_on_commit_callbacks(execute=True):
        account = make_account()
    first = channel_account_for_event(provider="meta_whatsapp", account_ref=account.account_ref)
    assert (first.pk, first.provider, first.channel) == (account.pk, "meta_whatsapp", "whatsapp")
    with django_assert_num_queries(0):
        assert channel_account_for_event(provider="meta_whatsapp", account_ref=account.account_ref) == first
    instagram = channel_account_for_event(provider="instagram", account_ref=account.account_ref)
    assert instagram.pk != account.pk and instagram.channel == "instagram"  # another provider's key: its own row


def test_an_account_never_seen_is_created_on_the_fly_and_one_removed_is_created_again(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = channel_account_for_event(provider="meta_whatsapp", account_ref="55501")
    assert ChannelAccount.objects.get(pk=created.pk).account_ref == "55501"
    assert channel_account_for_event(provider="meta_whatsapp", account_ref="55501") == created
    with django_capture_on_commit_callbacks(execute=True):
        ChannelAccount.objects.filter(pk=created.pk).delete()  # signals: the copy in memory is dropped
    with django_capture_on_commit_callbacks(execute=True):
        again = channel_account_for_event(provider="meta_whatsapp", account_ref="55501")
    assert again.pk != created.pk and ChannelAccount.objects.filter(pk=again.pk).exists()


def test_an_account_is_read_once_then_each_caller_gets_its_own_copy(django_capture_on_commit_callbacks,
                                                                    django_assert_num_queries):
    with django_capture_on_commit_callbacks(execute=True):
        account = make_account()
        account.access_token = "token-1"
        account.save()
    with django_assert_num_queries(1):
        first = channel_account_cached(account.pk)
    with django_assert_num_queries(0):
        second = channel_account_cached(account.pk)
    assert (first.access_token, second.access_token) == ("token-1", "token-1")
    first.access_token = "changed by one caller"  # stays that caller's
    assert channel_account_cached(account.pk).access_token == second.access_token == "token-1"


def test_an_account_s_new_token_or_mode_is_seen_by_the_next_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account = make_account()
    channel_account_cached(account.pk)
    with django_capture_on_commit_callbacks(execute=True):
        account.access_token = "token-2"
        account.ai_mode = ChannelAccount.AIMode.DRAFT
        account.save()
    fresh = channel_account_cached(account.pk)
    assert (fresh.access_token, fresh.ai_mode) == ("token-2", ChannelAccount.AIMode.DRAFT)


def test_an_account_gone_is_an_error_not_a_stale_copy(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account = make_account()
    channel_account_cached(account.pk)
    with django_capture_on_commit_callbacks(execute=True):
        ChannelAccount.objects.filter(pk=account.pk).delete()
    with pytest.raises(ChannelAccount.DoesNotExist):
        channel_account_cached(account.pk)
