"""``/api/v1/analytics/...``: the same figures as JSON, 400 on bad filters, 403 for agents, in the schema."""

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Role
from conftest import make_user
from tests.dashboard.analytics_world import NOW, PARAMS, World, build_world

pytestmark = pytest.mark.django_db
ENDPOINTS = ("conversations", "leads", "agents", "sales")


@pytest.fixture(autouse=True)
def _now_and_fresh_cache():  # type: ignore[no-untyped-def]
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


@pytest.fixture
def world() -> World:
    return build_world(make_user)


def _get(user, name: str, **params):  # type: ignore[no-untyped-def]
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.get(f"/api/v1/analytics/{name}/", {**PARAMS, **params})


def test_supervisor_gets_their_teams_figures(world):
    leads = _get(world.supervisor, "leads").json()
    assert (leads["total"], leads["by_temperature"]["HOT"], leads["funnel"]["sold"]) == (4, 2, 1)
    assert leads["filters"] == {"from": "2026-03-01", "to": "2026-03-16", "team": None, "agent": None,
                                "channel": "", "operator": None}
    conversations = _get(world.supervisor, "conversations").json()
    assert conversations["first_response"] == {"count": 3, "median": 2.0, "p90": 8.4}
    assert conversations["totals"]["ai_resolved_share"] == 66.7
    assert len(conversations["peak_hours"]) == 7 and conversations["peak_hours"][0][9] == 2
    agents = _get(world.supervisor, "agents").json()["agents"]
    assert [(a["agent"], a["revenue"]) for a in agents] == [("Agente", 130.0), ("Beto", 50.5)]
    sales = _get(world.supervisor, "sales").json()
    assert (sales["sales"], sales["revenue"], sales["commissions"]) == (3, 180.5, 15.05)


def test_admin_gets_everything(world):
    sales = _get(world.admin, "sales").json()
    assert (sales["sales"], sales["revenue"], sales["collections"]["recovery"]) == (4, 380.5, 80.0)
    assert _get(world.admin, "conversations").json()["resolution"] == {"count": 4, "median": 90.0, "p90": 8100.0}


@pytest.mark.parametrize("name", ENDPOINTS)
def test_agents_are_refused(world, name):
    assert _get(world.agent, name).status_code == 403


@pytest.mark.parametrize("name", ENDPOINTS)
def test_anonymous_callers_are_refused(world, name):
    assert _get(None, name).status_code in (401, 403)


def test_back_office_reads_sales_but_not_the_rest(world):
    backoffice = make_user("backoffice", Role.BACKOFFICE)
    assert _get(backoffice, "sales").status_code == 200
    for name in ("conversations", "leads", "agents"):
        assert _get(backoffice, name).status_code == 403


@pytest.mark.parametrize(("params", "code"), [
    ({"from": "ayer"}, "invalid_filter"),
    ({"from": "2026-03-10", "to": "2026-03-01"}, "invalid_filter"),
    ({"channel": "telegram"}, "invalid_filter"),
    ({"team": "x"}, "invalid_filter"),
])
@pytest.mark.parametrize("name", ENDPOINTS)
def test_bad_filters_answer_400_with_a_code(world, name, params, code):
    response = _get(world.supervisor, name, **params)
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]


def test_another_teams_filter_is_a_400_for_a_supervisor(world):
    response = _get(world.supervisor, "leads", team=str(world.other_team.pk))
    assert response.status_code == 400
    assert response.json()["code"] == "forbidden_filter"


def test_the_endpoints_are_in_the_openapi_schema(world):
    client = APIClient()
    client.force_authenticate(world.admin)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for name in ENDPOINTS:
        get = schema["paths"][f"/api/v1/analytics/{name}/"]["get"]
        assert {p["name"] for p in get["parameters"]} >= {"from", "to", "team", "agent", "channel", "operator"}
        assert {"200", "400", "403"} <= set(get["responses"])
    assert "AnalyticsConversations" in schema["components"]["schemas"]
