"""The reads the dashboard and the panel use: per agent, per team, the spread of ratings, how asking went, a
contact's last ratings, and who may see which surveys. Known data, exact numbers."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from csat.selectors import (
    CsatSummary,
    contact_csat_recent,
    csat_by_agent,
    csat_by_team,
    csat_distribution,
    csat_overview,
    csat_survey_visible_queryset,
)
from tests.csat.factories import make_survey
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 10)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def ratings(agent, other_agent, team, other_team):
    for rating in (5, 4, 1):
        make_survey(rating=rating, agent=agent, at=local(DAY, 10))
    make_survey(rating=3, agent=other_agent, at=local(DAY, 23, 59))  # the last minute of the day, local time
    make_survey(rating=5, agent=other_agent, at=local(date(2026, 11, 11), 0, 1))  # the next day
    make_survey(rating=None, agent=agent, at=local(DAY, 11))  # asked, unanswered
    make_survey(rating=None, agent=agent, at=local(DAY, 12), state="expired")
    make_survey(rating=None, agent=agent, at=local(DAY, 13), state="skipped")


def test_csat_by_agent_averages_each_agents_ratings_in_the_range(ratings, agent, other_agent, supervisor):
    result = csat_by_agent([agent.pk, other_agent.pk, supervisor.pk], DAY, DAY)
    assert result == {
        agent.pk: CsatSummary(avg=3.33, count=3, low=1),
        other_agent.pk: CsatSummary(avg=3.0, count=1, low=0),
        supervisor.pk: CsatSummary(avg=None, count=0, low=0),
    }
    assert csat_by_agent([other_agent.pk], DAY, date(2026, 11, 11))[other_agent.pk] == CsatSummary(4.0, 2, 0)


def test_csat_by_team_in_one_query(ratings, team, other_team):
    with CaptureQueriesContext(connection) as queries:
        result = csat_by_team([team.pk, other_team.pk], DAY, DAY)
    assert result == {team.pk: CsatSummary(avg=3.33, count=3, low=1), other_team.pk: CsatSummary(3.0, 1, 0)}
    assert len(queries) == 1


def test_csat_distribution_counts_each_value(ratings, agent):
    assert csat_distribution(date_from=DAY, date_to=date(2026, 11, 11)) == {1: 1, 2: 0, 3: 1, 4: 1, 5: 2}
    assert csat_distribution(date_from=DAY, date_to=DAY, agent_ids=[agent.pk]) == {1: 1, 2: 0, 3: 0, 4: 1, 5: 1}
    assert csat_distribution(date_from=DAY, date_to=DAY, channel="instagram") == dict.fromkeys(range(1, 6), 0)


def test_csat_overview_counts_asking_and_answers(ratings, agent):
    overview = csat_overview(date_from=DAY, date_to=DAY, agent_ids=[agent.pk])
    assert (overview.asked, overview.answered, overview.expired, overview.skipped) == (5, 3, 1, 1)
    assert (overview.avg, overview.response_rate) == (3.33, 60.0)


def test_contact_csat_recent_lists_the_last_answers_newest_first(agent):
    rosa = ContactFactory(name="Rosa")
    make_survey(rating=2, agent=agent, contact=rosa, at=local(DAY, 9))
    make_survey(rating=5, agent=agent, contact=rosa, at=local(DAY, 15))
    make_survey(rating=None, agent=agent, contact=rosa, at=local(DAY, 16))
    make_survey(rating=4, agent=agent, at=local(DAY, 17))  # someone else
    assert [s.rating for s in contact_csat_recent(contact_id=rosa.pk)] == [5, 2]


def test_visible_surveys_follow_the_role(ratings, agent, other_agent, supervisor, admin_user):
    assert set(csat_survey_visible_queryset(user=agent).values_list("agent_id", flat=True)) == {agent.pk}
    assert set(csat_survey_visible_queryset(user=supervisor).values_list("agent_id", flat=True)) == {agent.pk}
    assert csat_survey_visible_queryset(user=admin_user).count() == 8
