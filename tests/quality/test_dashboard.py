"""The quality dashboard: its figures on a small known dataset, worked out by hand, and the page per role.

The scorecard: "Saluda" (weight 1), "Ofrece" (1), "Tono" (2, a 1-5 scale), "Graba" (1, critical); passing 70.
- A1, the agent, week 45: yes / no / 5 / yes -> (1+0+2+1)/5 = 80, passed; the AI said yes to all -> 3 of 4 agree.
- A2, the agent, week 46: no / yes / 3 / yes -> (0+1+1+1)/5 = 60, failed; the AI: yes / yes / 3 / yes -> 3 of 4.
- A3, the other team's agent, week 46: yes / no / 5 / no -> 60 before the critical "no", 0 after; no AI.
- A draft of the agent's, which counts nowhere.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from quality.analytics import QualityFilters, quality_dashboard, talk_spans
from quality.models import Audit, Criterion
from tests.calls.backoffice_data import make_call
from tests.quality.factories import make_audit, make_matrix

pytestmark = pytest.mark.django_db

CRITERIA = [
    {"section": "Apertura", "text": "Saluda", "weight": 1},
    {"section": "Apertura", "text": "Ofrece", "weight": 1},
    {"section": "Cierre", "text": "Tono", "weight": 2, "answer_type": Criterion.AnswerType.SCALE},
    {"section": "Cierre", "text": "Graba", "weight": 1, "is_critical": True},
]
RANGE = QualityFilters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 15))


def _at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _segments(*turns: tuple[str, float, float]) -> list[dict]:
    return [{"speaker": speaker, "start": start, "end": end, "text": "..."} for speaker, start, end in turns]


@pytest.fixture
def dataset(agent, other_agent, supervisor, admin_user):
    matrix = make_matrix(code="ventas-llamadas", criteria=CRITERIA, passing_score=70)
    w45, w46 = date(2026, 11, 2), date(2026, 11, 10)
    # Agent: 100 s with turns 0-30 (agent), 25-60 (customer), 70-80 (agent): talk 70 (the overlap once), silence 30.
    c1 = make_call(agent=agent, duration=100, started_at=_at(w45), sentiment=Call.Sentiment.NEGATIVE,
                   transcript_segments=_segments(("agent", 0, 30), ("customer", 25, 60), ("agent", 70, 80)),
                   analysis={"keywords": [{"phrase": "Movistar", "kind": "competitor", "count": 2, "source": "watch"}]})
    # Agent: 60 s, turns 0-20 (agent), 20-50 (customer): talk 50, silence 10.
    c2 = make_call(agent=agent, duration=60, started_at=_at(w46), sentiment=Call.Sentiment.POSITIVE,
                   transcript_segments=_segments(("agent", 0, 20), ("customer", 20, 50)),
                   analysis={"keywords": [{"phrase": "movistar", "count": 1}, {"phrase": "cancelar", "count": 1}]})
    c3 = make_call(agent=other_agent, duration=50, started_at=_at(w46), sentiment=Call.Sentiment.NEUTRAL)
    make_call(agent=agent, duration=40, started_at=_at(date(2026, 10, 1)), sentiment=Call.Sentiment.NEGATIVE)
    ai_all_yes = {"Saluda": "yes", "Ofrece": "yes", "Tono": "5", "Graba": "yes"}
    a1 = make_audit(matrix=matrix, agent=agent, analyst=supervisor, call=c1, status=Audit.Status.DISPUTED,
                    answers={"Saluda": "yes", "Ofrece": "no", "Tono": "5", "Graba": "yes"}, ai_answers=ai_all_yes)
    a2 = make_audit(matrix=matrix, agent=agent, analyst=supervisor, call=c2, status=Audit.Status.SUBMITTED,
                    answers={"Saluda": "no", "Ofrece": "yes", "Tono": "3", "Graba": "yes"},
                    ai_answers={"Saluda": "yes", "Ofrece": "yes", "Tono": "3", "Graba": "yes"})
    a3 = make_audit(matrix=matrix, agent=other_agent, analyst=admin_user, call=c3, status=Audit.Status.ACKNOWLEDGED,
                    answers={"Saluda": "yes", "Ofrece": "no", "Tono": "5", "Graba": "no"})
    draft = make_audit(matrix=matrix, agent=agent, analyst=supervisor, call=c2,
                       answers={"Saluda": "no", "Ofrece": "no", "Tono": "1", "Graba": "no"})
    for audit, day in ((a1, w45), (a2, w46), (a3, w46)):
        Audit.objects.filter(pk=audit.pk).update(submitted_at=_at(day))
    Audit.objects.filter(pk=draft.pk).update(created_at=_at(w46))
    return {"matrix": matrix, "audits": (a1, a2, a3)}


def test_the_audits_score_as_worked_out_by_hand_when_the_dataset_is_built(dataset):
    a1, a2, a3 = (Audit.objects.get(pk=a.pk) for a in dataset["audits"])
    assert (a1.score, a1.passed, a1.ai_agreement) == (Decimal("80.00"), True, Decimal("75.00"))
    assert (a2.score, a2.passed, a2.ai_agreement) == (Decimal("60.00"), False, Decimal("75.00"))
    assert (a3.score, a3.raw_score, a3.critical_failed, a3.ai_agreement) == (Decimal("0.00"), Decimal("60.00"), True,
                                                                             None)


def test_an_admin_gets_every_team_s_figures_when_reading_the_dashboard(dataset, admin_user):
    figures = quality_dashboard(user=admin_user, filters=RANGE)
    assert figures.kpis == {"audits": 3, "average_score": 46.67, "scored": 3, "passed": 1, "pass_rate": 33.3,
                            "critical_failed": 1, "ai_agreement": 75.0, "disputes_open": 1}
    assert [(w["week"], w["audits"], w["average_score"]) for w in figures.weeks] == [
        ("2026-W45", 1, 80.0), ("2026-W46", 2, 30.0)]
    assert [(a["agent"], a["audits"], a["average_score"], a["pass_rate"]) for a in figures.agents] == [
        ("Agente", 2, 70.0, 50.0), ("Otro_agente", 1, 0.0, 0.0)]
    assert [(t["team"], t["average_score"], t["critical_failed"]) for t in figures.teams] == [
        ("Equipo Lima", 70.0, 0), ("Equipo Norte", 0.0, 1)]
    by_text = {c["criterion"]: c for c in figures.criteria}
    assert {text: (c["answered"], c["average_pct"], c["failures"], c["failure_share"], c["ai_compared"],
                   c["ai_agreement"]) for text, c in by_text.items()} == {
        "Saluda": (3, 66.7, 1, 33.3, 2, 50.0),
        "Ofrece": (3, 33.3, 2, 66.7, 2, 50.0),
        "Tono": (3, 83.3, 0, 0.0, 2, 100.0),
        "Graba": (3, 66.7, 1, 33.3, 2, 100.0),
    }
    # Lowest average first; Saluda and Graba tie on average and failures: the scorecard's order decides.
    assert [c["criterion"] for c in figures.worst_criteria] == ["Ofrece", "Saluda", "Graba", "Tono"]


def test_a_supervisor_gets_only_their_team_s_figures_when_reading_the_dashboard(dataset, supervisor):
    figures = quality_dashboard(user=supervisor, filters=RANGE)
    assert figures.kpis["audits"] == 2
    assert figures.kpis["average_score"] == 70.0
    assert figures.kpis["pass_rate"] == 50.0
    assert figures.kpis["critical_failed"] == 0
    assert [a["agent"] for a in figures.agents] == ["Agente"]
    assert figures.speech["calls"] == 2
    assert [row["agent"] for row in figures.speech["talk_agents"]] == ["Agente"]


def test_talk_and_silence_come_from_the_timed_turns_when_calls_have_them(dataset, admin_user):
    speech = quality_dashboard(user=admin_user, filters=RANGE).speech
    [row] = speech["talk_agents"]  # the other agent's call has no turns
    assert (row["agent"], row["calls"], row["duration"], row["talk"], row["silence"]) == ("Agente", 2, 160.0,
                                                                                         120.0, 40.0)
    assert (row["talk_share"], row["silence_share"], row["agent_talk_share"]) == (75.0, 25.0, 48.0)
    assert speech["calls"] == 3  # the October call is out of range
    assert speech["sentiment"] == {"positive": 1, "neutral": 1, "negative": 1, "analysed": 3}
    assert speech["sentiment_weeks"] == [
        {"week": "2026-W45", "positive": 0, "neutral": 0, "negative": 1},
        {"week": "2026-W46", "positive": 1, "neutral": 1, "negative": 0}]


def test_keywords_are_summed_per_week_case_folded_when_the_ai_reading_found_them(dataset, admin_user):
    speech = quality_dashboard(user=admin_user, filters=RANGE).speech
    assert speech["keyword_weeks"] == ["2026-W45", "2026-W46"]
    assert speech["keywords"] == [{"phrase": "movistar", "total": 3, "counts": [2, 1]},
                                  {"phrase": "cancelar", "total": 1, "counts": [0, 1]}]


def test_filters_narrow_the_figures_when_an_agent_or_a_week_is_chosen(dataset, admin_user, agent):
    one_agent = quality_dashboard(user=admin_user, filters=QualityFilters(
        date_from=RANGE.date_from, date_to=RANGE.date_to, agent_id=agent.pk))
    assert one_agent.kpis["audits"] == 2
    week_45 = quality_dashboard(user=admin_user, filters=QualityFilters(date_from=date(2026, 11, 2),
                                                                         date_to=date(2026, 11, 8)))
    assert (week_45.kpis["audits"], week_45.kpis["average_score"], week_45.speech["calls"]) == (1, 80.0, 1)


def test_overlapping_and_out_of_call_turns_count_once_when_measuring_talk():
    talk, speakers = talk_spans(_segments(("agent", 0, 10), ("customer", 5, 15), ("agent", 50, 70), ("", "x", 3)),
                                60)
    assert talk == 25.0  # 0-15 once, 50-60 clipped to the call's end
    assert speakers == {"agent": 20.0, "customer": 10.0}
    assert talk_spans("not a list", 60) == (0.0, {})


def test_the_figures_take_a_fixed_number_of_queries_when_there_are_more_audits(dataset, admin_user, agent,
                                                                               supervisor, django_assert_num_queries):
    # KPIs, weeks, agents, teams, criteria; calls: count, sentiment totals, per week, the capped JSON read.
    with django_assert_num_queries(9):
        quality_dashboard(user=admin_user, filters=RANGE)
    for _ in range(5):
        make_audit(matrix=dataset["matrix"], agent=agent, analyst=supervisor, status=Audit.Status.SUBMITTED,
                   answers={"Saluda": "yes"})
        make_call(agent=agent, duration=30, transcript_segments=_segments(("agent", 0, 10)),
                  analysis={"keywords": [{"phrase": "claro", "count": 1}]})
    with django_assert_num_queries(9):
        quality_dashboard(user=admin_user)


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------
URL = "/quality/?date_from=2026-11-01&date_to=2026-11-15"


@pytest.mark.parametrize("role", ["admin_user", "supervisor", "backoffice"])
def test_staff_see_the_figures_and_the_charts_data_when_opening_the_dashboard(client, dataset, role, request):
    client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="quality-dashboard-data"' in page and 'id="chart-weeks"' in page
    assert "vendor/chartjs/chart.umd.min.js" in page and "quality/dashboard.js" in page
    assert "<script>" not in page  # the CSP allows no inline script: data blocks only
    figures = response.context["figures"]
    assert figures.kpis["audits"] == (2 if role == "supervisor" else 3)
    assert 'id="table-worst"' in page and "Ofrece" in page


def test_an_agent_is_refused_when_opening_the_dashboard(client, dataset, agent):
    client.force_login(agent)
    assert client.get(URL).status_code == 403


def test_the_page_says_there_is_nothing_when_the_range_is_empty(client, dataset, supervisor):
    client.force_login(supervisor)
    response = client.get("/quality/?date_from=2025-01-01&date_to=2025-01-31")
    assert response.status_code == 200
    assert 'id="quality-empty"' in response.content.decode()
    assert 'id="chart-weeks"' not in response.content.decode()


def test_a_reversed_range_is_refused_with_a_message_when_filtering(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/quality/?date_from=2026-11-15&date_to=2026-11-01")
    assert response.status_code == 400
    assert 'id="filter-errors"' in response.content.decode()


def test_another_team_cannot_be_chosen_when_a_supervisor_filters(client, dataset, supervisor, other_team):
    client.force_login(supervisor)
    response = client.get(f"/quality/?team={other_team.pk}")
    assert response.status_code == 400


def test_the_last_90_days_are_shown_when_no_filter_is_given(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("quality:dashboard"))
    assert response.status_code == 200
    filters = response.context["filters"]
    assert (filters.date_to - filters.date_from).days == 89
    assert 'id="quality-empty"' in response.content.decode()
