"""The back office of routing: pages load for an administrator and a supervisor; a supervisor sees and writes
only their teams' policies and skills; the list says how many agents could receive a conversation now."""

from __future__ import annotations

import pytest

from accounts.models import Availability
from routing.models import AgentSkill, RoutingPolicy, Strategy
from tests.operators.factories import OperatorFactory
from tests.routing.conftest import make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def policies(team, other_team, agents, other_agent):  # type: ignore[no-untyped-def]
    agents[0].availability = Availability.AWAY
    agents[0].save()
    lima = make_policy(team, name="Lima por turnos", strategy=Strategy.ROUND_ROBIN, capacity=6,
                       return_after_minutes=15)
    norte = make_policy(other_team, name="Norte menos ocupado", strategy=Strategy.LEAST_BUSY, capacity=5)
    claro = OperatorFactory(name="Claro", slug="claro")
    AgentSkill.objects.create(user=agents[1], operator=claro, level=5)
    AgentSkill.objects.create(user=other_agent, operator=claro, level=3)
    return lima, norte


def test_every_page_loads_for_an_administrator(client, admin_user, policies):
    client.force_login(admin_user)
    html = client.get("/admin/routing/routingpolicy/").content.decode()
    assert "Lima por turnos" in html and "Norte menos ocupado" in html
    for url in ("/admin/routing/routingpolicy/add/", f"/admin/routing/routingpolicy/{policies[0].pk}/change/",
                "/admin/routing/agentskill/", "/admin/routing/agentskill/add/"):
        assert client.get(url).status_code == 200, url


def test_the_list_counts_the_agents_who_can_receive_now(client, admin_user, policies):
    client.force_login(admin_user)
    response = client.get("/admin/routing/routingpolicy/")
    rows = {p.name: p for p in response.context["cl"].result_list}
    admin_ = response.context["cl"].model_admin
    assert "2" in admin_.eligible_now(rows["Lima por turnos"])  # ana is away: beto and carla
    assert "1" in admin_.eligible_now(rows["Norte menos ocupado"])


def test_a_supervisor_sees_only_their_teams_policies_and_skills(client, supervisor, policies, other_agent):
    client.force_login(supervisor)
    response = client.get("/admin/routing/routingpolicy/")
    assert response.status_code == 200
    assert [p.name for p in response.context["cl"].result_list] == ["Lima por turnos"]
    assert client.get(f"/admin/routing/routingpolicy/{policies[1].pk}/change/").status_code == 404
    skills = client.get("/admin/routing/agentskill/")
    assert skills.status_code == 200
    assert [s.user for s in skills.context["cl"].result_list] != [] and all(
        s.user.team_id == supervisor.team_id for s in skills.context["cl"].result_list)


def test_a_supervisor_changes_their_teams_policy(client, supervisor, team, policies):
    client.force_login(supervisor)
    lima = policies[0]
    response = client.post(f"/admin/routing/routingpolicy/{lima.pk}/change/", {
        "name": lima.name, "team": team.pk, "channel_account": "", "is_active": "on", "strategy": "least_busy",
        "capacity": "4", "return_after_minutes": "20", "assign_new_conversations": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    lima.refresh_from_db()
    assert (lima.strategy, lima.capacity, lima.return_after_minutes, lima.assign_new_conversations) == (
        "least_busy", 4, 20, True)


def test_a_supervisor_cannot_write_a_policy_for_another_team(client, supervisor, other_team, policies):
    client.force_login(supervisor)
    response = client.post("/admin/routing/routingpolicy/add/", {
        "name": "Ajena", "team": other_team.pk, "channel_account": "", "is_active": "on",
        "strategy": "round_robin", "capacity": "0", "return_after_minutes": "0"})
    assert response.status_code == 200  # the form refuses a team they do not oversee
    assert not RoutingPolicy.objects.filter(name="Ajena").exists()


def test_a_second_active_policy_for_a_team_is_refused(client, admin_user, team, policies):
    client.force_login(admin_user)
    response = client.post("/admin/routing/routingpolicy/add/", {
        "name": "Otra de Lima", "team": team.pk, "channel_account": "", "is_active": "on",
        "strategy": "round_robin", "capacity": "0", "return_after_minutes": "0"})
    assert response.status_code == 200
    assert not RoutingPolicy.objects.filter(name="Otra de Lima").exists()
