"""The back office of service levels: every page loads; a team's hours with their weekly rows inline; a
supervisor edits their team's hours and reads, never changes, the company default or another team's."""

from __future__ import annotations

from datetime import time

import pytest
from django.contrib.auth.models import Permission

from sla.models import BusinessHours, Holiday, OutOfOfficeReply, ServiceHours, SlaNotice
from tests.sla.conftest import WEEKDAYS, hours_for, lima

pytestmark = pytest.mark.django_db

PAGES = ["servicehours", "holiday", "responsetarget", "outofofficereply", "slanotice"]


def _grant(user, *codenames: str) -> None:  # type: ignore[no-untyped-def]
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="sla", codename__in=codenames))


def test_every_page_loads_for_an_administrator(client, admin_user, company_hours, make_waiting, team):
    conversation = make_waiting(lima(7, 10))
    OutOfOfficeReply.objects.create(conversation=conversation, day=lima(7).date(), outcome="note", reason="x")
    SlaNotice.objects.create(conversation=conversation, waiting_since=lima(7, 10), level="breached",
                             due_at=lima(7, 11))
    Holiday.objects.create(date=lima(8).date(), name="Inmaculada Concepción")
    client.force_login(admin_user)
    for page in PAGES:
        assert client.get(f"/admin/sla/{page}/").status_code == 200, page
    assert client.get(f"/admin/sla/servicehours/{company_hours.pk}/change/").status_code == 200
    html = client.get("/admin/sla/servicehours/").content.decode()
    assert "09:00-18:00" in html


def test_an_administrator_adds_a_teams_hours_with_two_intervals_a_day(client, admin_user, team):
    client.force_login(admin_user)
    data = {
        "team": team.pk, "timezone": "America/Lima", "away_enabled": "on", "away_text": "Volvemos pronto",
        "away_template_name": "", "ai_answers_out_of_hours": "on",
        "intervals-TOTAL_FORMS": "2", "intervals-INITIAL_FORMS": "0", "intervals-MIN_NUM_FORMS": "0",
        "intervals-MAX_NUM_FORMS": "1000",
        "intervals-0-weekday": "0", "intervals-0-opens": "09:00", "intervals-0-closes": "13:00",
        "intervals-1-weekday": "0", "intervals-1-opens": "14:00", "intervals-1-closes": "18:00",
    }
    response = client.post("/admin/sla/servicehours/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = ServiceHours.objects.get(team=team)
    assert sorted(BusinessHours.objects.filter(service_hours=row).values_list("opens", "closes")) == [
        (time(9), time(13)), (time(14), time(18))]


def test_a_second_company_default_is_refused(client, admin_user, company_hours):
    client.force_login(admin_user)
    response = client.post("/admin/sla/servicehours/add/", {
        "team": "", "timezone": "America/Lima", "intervals-TOTAL_FORMS": "0", "intervals-INITIAL_FORMS": "0",
        "intervals-MIN_NUM_FORMS": "0", "intervals-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 200 and ServiceHours.objects.count() == 1


def test_a_supervisor_edits_their_team_and_only_reads_the_company_default(client, supervisor, team, other_team,
                                                                          company_hours):
    _grant(supervisor, "view_servicehours", "change_servicehours", "add_servicehours", "view_businesshours",
           "add_businesshours", "change_businesshours", "delete_businesshours", "view_holiday", "add_holiday")
    mine = ServiceHours.objects.create(team=team, timezone="America/Lima")
    hours_for(mine, WEEKDAYS, (time(8), time(17)))
    theirs = ServiceHours.objects.create(team=other_team, timezone="America/Lima", away_text="Equipo Norte")
    client.force_login(supervisor)
    listing = client.get("/admin/sla/servicehours/").content.decode()
    assert "Equipo Lima" in listing and "Equipo Norte" not in listing
    assert client.get(f"/admin/sla/servicehours/{theirs.pk}/change/").status_code == 404
    default_page = client.get(f"/admin/sla/servicehours/{company_hours.pk}/change/").content.decode()
    assert 'name="_save"' not in default_page  # read-only for them
    assert client.post(f"/admin/sla/servicehours/{company_hours.pk}/change/", {"timezone": "UTC"}).status_code == 403
    assert 'name="_save"' in client.get(f"/admin/sla/servicehours/{mine.pk}/change/").content.decode()
    # A holiday: for their team, never for every team.
    response = client.post("/admin/sla/holiday/add/", {"date": "2026-12-24", "name": "Nochebuena", "team": ""})
    assert response.status_code == 200 and not Holiday.objects.exists()
    response = client.post("/admin/sla/holiday/add/", {"date": "2026-12-24", "name": "Nochebuena", "team": team.pk})
    assert response.status_code == 302 and Holiday.objects.get().team == team
