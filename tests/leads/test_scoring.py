from decimal import Decimal

import pytest
from django.core.management import call_command

from leads.models import Classification, Lead, ScoringFactor, ScoringRule, ScoringSettings
from leads.scoring import LeadFacts, ScoringTable, load_scoring_table, score_facts
from leads.services import lead_create, leads_rescore
from tests.leads.factories import ContactFactory
from tests.operators.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def table() -> ScoringTable:
    return load_scoring_table()


@pytest.mark.parametrize(
    ("facts", "factor", "points"),
    [
        (LeadFacts(has_product=True), ScoringFactor.PRODUCT, 30),
        (LeadFacts(has_budget=True), ScoringFactor.BUDGET, 25),
        (LeadFacts(has_zone=True), ScoringFactor.ZONE, 10),
        (LeadFacts(has_full_address=True), ScoringFactor.ADDRESS, 10),
        (LeadFacts(conversations=1), ScoringFactor.CONVERSATION, 5),
        (LeadFacts(text="Hola, quiero contratar fibra"), ScoringFactor.PURCHASE_KEYWORDS, 10),
    ],
)
def test_each_factor_adds_its_points_when_present(table, facts, factor, points):
    result = score_facts(facts, table)
    assert result.score == points
    assert result.breakdown == {factor: points}


def test_score_is_zero_and_cold_when_nothing_is_known(table):
    result = score_facts(LeadFacts(), table)
    assert (result.score, result.classification, result.breakdown) == (0, Classification.COLD, {})


def test_each_conversation_adds_five_points(table):
    assert score_facts(LeadFacts(conversations=3), table).score == 15


def test_score_is_capped_at_100_when_factors_add_up_beyond(table):
    facts = LeadFacts(has_product=True, has_budget=True, has_zone=True, has_full_address=True, conversations=10,
                      text="lo quiero")
    assert score_facts(facts, table).score == 100


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0, "COLD"), (49, "COLD"), (50, "WARM"), (79, "WARM"), (80, "HOT"), (100, "HOT")],
)
def test_classification_boundaries_when_thresholds_are_default(table, score, expected):
    assert table.classify(score) == expected


def test_boundaries_reached_through_real_factors(table):
    # 25 + 10 + 10 + 5 = 50 -> WARM; minus the conversation (45) -> COLD; 30+25+10+10+5 = 80 -> HOT
    warm = LeadFacts(has_budget=True, has_zone=True, has_full_address=True, conversations=1)
    cold = LeadFacts(has_budget=True, has_zone=True, has_full_address=True)
    hot = LeadFacts(has_product=True, has_budget=True, has_zone=True, has_full_address=True, conversations=1)
    almost_hot = LeadFacts(has_product=True, has_budget=True, has_zone=True, conversations=2)  # 75
    assert score_facts(warm, table).classification == Classification.WARM
    assert score_facts(cold, table).classification == Classification.COLD
    assert score_facts(hot, table).classification == Classification.HOT
    assert score_facts(almost_hot, table).classification == Classification.WARM


def test_keywords_match_without_accents_or_case(table):
    assert score_facts(LeadFacts(text="CUANTO CUESTA el plan?"), table).score == 10
    assert score_facts(LeadFacts(text="solo estoy mirando"), table).score == 0


def test_keyword_does_not_match_inside_another_word(table):
    assert score_facts(LeadFacts(text="preciosa tarde"), table).score == 0


def test_supervisor_edits_to_weights_change_the_score():
    ScoringRule.objects.filter(factor=ScoringFactor.BUDGET).update(points=40)
    ScoringRule.objects.filter(factor=ScoringFactor.ZONE).update(is_active=False)
    result = score_facts(LeadFacts(has_budget=True, has_zone=True), load_scoring_table())
    assert result.score == 40


def test_supervisor_edits_to_thresholds_change_the_class():
    ScoringSettings.objects.update(hot_from=60, warm_from=30)
    table = load_scoring_table()
    assert table.classify(60) == Classification.HOT
    assert table.classify(30) == Classification.WARM
    assert table.classify(29) == Classification.COLD


def test_thresholds_refuse_warm_above_hot():
    from django.core.exceptions import ValidationError

    settings_row = ScoringSettings.objects.get()
    settings_row.warm_from = 90
    with pytest.raises(ValidationError):
        settings_row.full_clean()


def test_lead_created_with_facts_is_scored_and_keeps_breakdown():
    product = ProductFactory()
    lead = lead_create(actor=None, contact=ContactFactory(), product=product, budget=Decimal("120"),
                       zone="Miraflores", address="Av. Larco 1234", conversation_count=1)
    assert lead.score == 80
    assert lead.classification == Classification.HOT
    assert lead.score_breakdown == {"product": 30, "budget": 25, "zone": 10, "address": 10, "conversation": 5}


def test_district_alone_is_not_a_full_address():
    lead = lead_create(actor=None, contact=ContactFactory(), address="Miraflores")
    assert lead.score == 0


def test_rescore_leads_command_recomputes_every_lead_in_batches(capsys):
    contacts = ContactFactory.create_batch(7)
    for contact in contacts:
        lead_create(actor=None, contact=contact, budget=Decimal("100"), zone="Surco")  # 35, COLD
    ScoringRule.objects.filter(factor=ScoringFactor.BUDGET).update(points=45)  # now 55, WARM
    call_command("rescore_leads", "--batch-size", "3", "--no-progress")
    out = capsys.readouterr().out
    assert "7 leads rescored, 7 changed." in out
    assert set(Lead.objects.values_list("score", "classification")) == {(55, "WARM")}


def test_rescore_reports_progress_per_batch():
    for contact in ContactFactory.create_batch(5):
        lead_create(actor=None, contact=contact)
    seen: list[int] = []
    changed = leads_rescore(batch_size=2, on_batch=seen.append)
    assert seen == [2, 2, 1]
    assert changed == 0
