"""Every message's scoring reads the rules and thresholds from the per-process cache (core.config_cache): no
query for them while nothing changed, and a supervisor's edit in admin is seen by the next lead scored."""

from __future__ import annotations

import pytest

from leads.models import Classification, ScoringFactor, ScoringRule, ScoringSettings
from leads.scoring import LeadFacts, score_facts, scoring_table

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_local_invalidation(settings):  # type: ignore[no-untyped-def]
    settings.CONFIG_CACHE_CHECK_SECONDS = 10**9
    settings.CONFIG_CACHE_MAX_AGE_SECONDS = 10**9


def test_table_is_read_once_then_from_memory(django_assert_num_queries):
    with django_assert_num_queries(2):
        first = scoring_table()
    with django_assert_num_queries(0):
        assert scoring_table() == first
    with pytest.raises(TypeError):
        first.points["budget"] = 99  # type: ignore[index]


def test_a_weight_edited_in_admin_is_seen_by_the_next_score(django_capture_on_commit_callbacks):
    before = score_facts(LeadFacts(has_budget=True), scoring_table()).score
    with django_capture_on_commit_callbacks(execute=True):
        rule = ScoringRule.objects.get(factor=ScoringFactor.BUDGET)
        rule.points = before + 7
        rule.save()
    assert score_facts(LeadFacts(has_budget=True), scoring_table()).score == before + 7


def test_thresholds_edited_in_admin_are_seen_by_the_next_classification(django_capture_on_commit_callbacks):
    scoring_table()  # kept from before the edit
    with django_capture_on_commit_callbacks(execute=True):
        settings_row = ScoringSettings.objects.order_by("pk").first()
        settings_row.hot_from, settings_row.warm_from = 90, 5
        settings_row.save()
    table = scoring_table()
    assert (table.classify(89), table.classify(5), table.classify(4)) == (
        Classification.WARM, Classification.WARM, Classification.COLD)
