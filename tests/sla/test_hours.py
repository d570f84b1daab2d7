"""Business hours: several intervals a day, a company default, a team's time zone, nights past midnight,
holidays, and the business minutes between two moments."""

from __future__ import annotations

from datetime import time

import pytest

from sla.models import Holiday, ServiceHours
from sla.services import business_minutes_between, within_business_hours
from tests.sla.conftest import WEEKDAYS, hours_for, lima

pytestmark = pytest.mark.django_db


def test_open_inside_the_company_hours_and_closed_outside_them(company_hours, team):
    assert within_business_hours(team_id=team.pk, at=lima(7, 9, 0))  # Monday, opening minute
    assert within_business_hours(team_id=team.pk, at=lima(7, 17, 59))
    assert not within_business_hours(team_id=team.pk, at=lima(7, 8, 59))
    assert not within_business_hours(team_id=team.pk, at=lima(7, 18, 0))  # closing time is closed
    assert not within_business_hours(team_id=team.pk, at=lima(12, 11, 0))  # Saturday
    assert within_business_hours(team_id=None, at=lima(9, 12, 0))  # the company itself, Wednesday


def test_several_intervals_a_day_leave_the_lunch_break_closed(company_hours, team):
    own = ServiceHours.objects.create(team=team, timezone="America/Lima")
    hours_for(own, WEEKDAYS, (time(9), time(13)), (time(14), time(19)))
    assert within_business_hours(team_id=team.pk, at=lima(7, 12, 59))
    assert not within_business_hours(team_id=team.pk, at=lima(7, 13, 30))
    assert within_business_hours(team_id=team.pk, at=lima(7, 18, 30))  # its own hours, not the company's 18:00
    assert business_minutes_between(team_id=team.pk, start=lima(7, 12, 0), end=lima(7, 15, 0)) == 120


def test_a_team_without_hours_keeps_the_company_hours_in_its_own_time_zone(company_hours, team):
    ServiceHours.objects.create(team=team, timezone="America/Mexico_City")  # UTC-6: one hour behind Lima
    assert not within_business_hours(team_id=team.pk, at=lima(7, 9, 30))  # 08:30 in Mexico City
    assert within_business_hours(team_id=team.pk, at=lima(7, 10, 30))  # 09:30 there
    assert within_business_hours(team_id=team.pk, at=lima(7, 18, 30))  # 17:30 there


def test_an_interval_past_midnight_stays_open_into_the_next_day(team):
    own = ServiceHours.objects.create(team=team, timezone="America/Lima")
    hours_for(own, [4], (time(22), time(2)))  # Friday night
    assert not within_business_hours(team_id=team.pk, at=lima(11, 21, 59))
    assert within_business_hours(team_id=team.pk, at=lima(11, 23, 0))
    assert within_business_hours(team_id=team.pk, at=lima(12, 1, 59))  # Saturday, still Friday's shift
    assert not within_business_hours(team_id=team.pk, at=lima(12, 2, 0))
    assert business_minutes_between(team_id=team.pk, start=lima(11, 20), end=lima(12, 12)) == 240


def test_a_holiday_closes_the_whole_day_and_the_night_running_into_it(company_hours, team, other_team):
    Holiday.objects.create(date=lima(8).date(), name="Inmaculada Concepción")  # every team
    Holiday.objects.create(date=lima(9).date(), name="Aniversario del equipo", team=team)
    own = ServiceHours.objects.create(team=other_team, timezone="America/Lima")
    hours_for(own, [0], (time(20), time(4)))  # Monday night into the holiday
    assert not within_business_hours(team_id=team.pk, at=lima(8, 11, 0))
    assert not within_business_hours(team_id=team.pk, at=lima(9, 11, 0))  # the team's own holiday
    assert within_business_hours(team_id=other_team.pk, at=lima(7, 23, 0))
    assert not within_business_hours(team_id=other_team.pk, at=lima(8, 1, 0))  # past midnight: the holiday
    assert within_business_hours(team_id=None, at=lima(9, 11, 0))  # not the company's holiday
    # Monday 17:00 to Thursday 10:00 for the team: Monday's last hour and Thursday's first.
    assert business_minutes_between(team_id=team.pk, start=lima(7, 17), end=lima(10, 10)) == 120


def test_without_any_hours_the_service_is_always_open(team):
    assert within_business_hours(team_id=team.pk, at=lima(13, 3, 0))  # Sunday, 3 a.m.
    assert business_minutes_between(team_id=team.pk, start=lima(12, 23), end=lima(13, 1, 30)) == 150


def test_business_minutes_across_a_weekend(company_hours, team):
    # Friday 17:30 to Monday 09:30: half an hour each side, nothing on Saturday and Sunday.
    assert business_minutes_between(team_id=team.pk, start=lima(11, 17, 30), end=lima(14, 9, 30)) == 60
    assert business_minutes_between(team_id=team.pk, start=lima(12, 10), end=lima(13, 20)) == 0
    assert business_minutes_between(team_id=team.pk, start=lima(14, 10), end=lima(11, 10)) == 0  # end first
    # A whole week: five days of nine hours.
    assert business_minutes_between(team_id=team.pk, start=lima(7), end=lima(14)) == 5 * 9 * 60
