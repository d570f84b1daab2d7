from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.models import Lead
from leads.services import lead_create
from tests.leads.factories import ContactFactory
from tests.operators.factories import ProductFactory

pytestmark = pytest.mark.django_db


def make_lead(assignee=None, **fields):
    return lead_create(actor=None, contact=ContactFactory(), assignee=assignee, **fields)


def test_agent_lists_only_their_own_leads(api_client_for, agent, other_agent):
    mine = make_lead(agent)
    make_lead(other_agent)
    make_lead(None)
    response = api_client_for(agent).get("/api/v1/leads/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_agent_is_refused_another_agents_lead(api_client_for, agent, other_agent):
    theirs = make_lead(other_agent)
    client = api_client_for(agent)
    assert client.get(f"/api/v1/leads/{theirs.pk}/").status_code == 404
    response = client.patch(f"/api/v1/leads/{theirs.pk}/", {"zone": "Surco"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.zone == ""


def test_agent_cannot_reassign_their_lead_to_someone_else(api_client_for, agent, other_agent):
    lead = make_lead(agent)
    response = api_client_for(agent).patch(f"/api/v1/leads/{lead.pk}/", {"assignee": other_agent.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    lead.refresh_from_db()
    assert lead.assignee == agent


def test_supervisor_sees_team_and_unassigned_but_not_other_teams(api_client_for, supervisor, agent, other_agent):
    team_lead, queue_lead = make_lead(agent), make_lead(None)
    other = make_lead(other_agent)
    client = api_client_for(supervisor)
    ids = {row["id"] for row in client.get("/api/v1/leads/").json()["results"]}
    assert ids == {team_lead.pk, queue_lead.pk}
    assert client.get(f"/api/v1/leads/{other.pk}/").status_code == 404


def test_supervisor_assigns_a_queue_lead_to_an_agent_of_the_team(api_client_for, supervisor, agent, other_agent):
    lead = make_lead(None)
    client = api_client_for(supervisor)
    response = client.patch(f"/api/v1/leads/{lead.pk}/", {"assignee": agent.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["assignee"] == agent.pk
    refused = client.patch(f"/api/v1/leads/{lead.pk}/", {"assignee": other_agent.pk}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_assignee"


def test_backoffice_reads_leads_but_cannot_create_them(api_client_for, backoffice, agent):
    make_lead(agent)
    client = api_client_for(backoffice)
    assert client.get("/api/v1/leads/").json()["count"] == 1
    response = client.post("/api/v1/leads/", {"contact": ContactFactory().pk}, format="json")
    assert response.status_code == 403
    assert "detail" in response.json()


def test_anonymous_gets_json_401_or_403(api_client_for):
    response = api_client_for(None).get("/api/v1/leads/")
    assert response.status_code in (401, 403)
    assert response.json()["detail"]


def test_token_auth_works(agent):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token = Token.objects.create(user=agent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/leads/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert client.get("/api/v1/leads/").status_code == 401


def test_agent_creates_a_lead_that_is_theirs_and_scored(api_client_for, agent):
    contact = ContactFactory()
    product = ProductFactory()
    response = api_client_for(agent).post(
        "/api/v1/leads/",
        {"contact": contact.pk, "product": product.pk, "budget": "150.00", "zone": "Miraflores",
         "address": "Av. Larco 1234", "source": "whatsapp"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["assignee"] == agent.pk
    assert (body["score"], body["classification"]) == (75, "WARM")
    assert body["contact"]["phone"] == contact.phone


def test_lead_status_moves_and_lost_needs_a_reason(api_client_for, agent):
    lead = make_lead(agent)
    client = api_client_for(agent)
    assert client.patch(f"/api/v1/leads/{lead.pk}/", {"status": "qualified"}, format="json").json()["status"] == (
        "qualified"
    )
    refused = client.patch(f"/api/v1/leads/{lead.pk}/", {"status": "lost"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_status_transition"
    lost = client.patch(f"/api/v1/leads/{lead.pk}/", {"status": "lost", "lost_reason": "Sin cobertura"},
                        format="json").json()
    assert (lost["status"], lost["lost_reason"]) == ("lost", "Sin cobertura")
    assert lost["closed_at"]
    reopen = client.patch(f"/api/v1/leads/{lead.pk}/", {"status": "contacted"}, format="json")
    assert reopen.status_code == 400


def test_lead_fields_are_validated(api_client_for, agent):
    lead = make_lead(agent)
    response = api_client_for(agent).patch(f"/api/v1/leads/{lead.pk}/", {"budget": "-5", "status": "dreaming"},
                                           format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"budget", "status"}
    assert Lead.objects.values_list("status", "budget").get(pk=lead.pk) == (lead.status, lead.budget)


def test_lead_list_pagination_shape_and_page_size(api_client_for, admin_user):
    for _ in range(30):
        make_lead(None, budget=Decimal("10"))
    client = api_client_for(admin_user)
    first = client.get("/api/v1/leads/").json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert (first["count"], len(first["results"]), first["previous"]) == (30, 25, None)
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert len(client.get("/api/v1/leads/?page_size=10").json()["results"]) == 10
    assert len(client.get("/api/v1/leads/?page_size=5000").json()["results"]) == 30  # capped at 200


def test_out_of_range_page_is_a_json_404(api_client_for, admin_user):
    response = api_client_for(admin_user).get("/api/v1/leads/?page=99")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_bad_filter_value_is_a_json_400(api_client_for, admin_user):
    response = api_client_for(admin_user).get("/api/v1/leads/?classification=BOILING")
    assert response.status_code == 400
    assert "classification" in response.json()["errors"]


def test_filters_by_classification_and_assignee(api_client_for, supervisor, agent):
    hot = make_lead(agent, product=ProductFactory(), budget=Decimal("100"), zone="Surco", address="Jr. Lampa 540",
                    conversation_count=1)
    make_lead(agent)
    client = api_client_for(supervisor)
    assert [r["id"] for r in client.get("/api/v1/leads/?classification=HOT").json()["results"]] == [hot.pk]
    assert client.get(f"/api/v1/leads/?assignee={agent.pk}").json()["count"] == 2
    assert client.get("/api/v1/leads/?assignee=none").json()["count"] == 0


def test_lead_list_query_count_does_not_grow_with_rows(api_client_for, admin_user):
    client = api_client_for(admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/leads/").status_code == 200
        return len(ctx)

    for _ in range(2):
        make_lead(admin_user, product=ProductFactory())
    few = queries()
    for _ in range(20):
        make_lead(admin_user, product=ProductFactory())
    assert queries() == few


def test_unknown_api_url_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_schema_and_docs_are_served(admin_client):
    schema = admin_client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/leads/" in schema.content
    docs = admin_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_lead_counts_stay_untouched_by_refused_writes(api_client_for, agent, other_agent):
    theirs = make_lead(other_agent)
    api_client_for(agent).patch(f"/api/v1/leads/{theirs.pk}/", {"status": "won"}, format="json")
    assert Lead.objects.get(pk=theirs.pk).status == "new"


def test_openapi_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    assert "/api/v1/conversations/{id}/messages/" in target.read_text()
