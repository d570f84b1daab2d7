"""/api/v1/debts/{id}/actions/: the collection log over the API, within role (404 for another's debt, the
service's refusals as 400/403 JSON)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements.models import CollectionAction, ContactStatus
from agreements.services import collection_action_log
from tests.agreements.factories import DebtFactory

pytestmark = pytest.mark.django_db
QUERIES = 5  # user and group permissions, the debt (scoped), the count, the page with agents joined


def today():
    return timezone.localdate()


@pytest.fixture
def debt(agent):
    return DebtFactory(assignee=agent)


def url(debt):
    return f"/api/v1/debts/{debt.pk}/actions/"


def test_agent_logs_a_promise_over_the_api_when_the_debt_is_theirs(api_client_for, agent, debt):
    day = today() + timedelta(days=2)
    response = api_client_for(agent).post(url(debt), {"kind": "call", "result": "promise_to_pay",
                                                      "promised_amount": "300.00", "promised_date": day.isoformat(),
                                                      "notes": "Friday"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["result"], body["promised_amount"], body["promised_date"], body["agent"]) == (
        "call", "promise_to_pay", "300.00", day.isoformat(), agent.pk)
    assert body["debt_contact_status"] == "promise_to_pay" and body["debt_next_action_at"] is not None


def test_actions_list_newest_first_when_the_agent_reads_their_debt(api_client_for, agent, debt):
    first = collection_action_log(actor=agent, debt=debt, kind="call", result=ContactStatus.NO_ANSWER)
    second = collection_action_log(actor=agent, debt=debt, kind="message", result=ContactStatus.CONTACTED)
    with CaptureQueriesContext(connection) as queries:
        response = api_client_for(agent).get(url(debt))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [second.pk, first.pk]
    assert len(queries) == QUERIES, [q["sql"] for q in queries.captured_queries]


def test_actions_are_404_when_an_agent_reads_another_agents_debt(api_client_for, other_agent, debt):
    assert api_client_for(other_agent).get(url(debt)).status_code == 404


def test_action_post_is_404_when_an_agent_logs_on_another_agents_debt(api_client_for, other_agent, debt):
    response = api_client_for(other_agent).post(url(debt), {"kind": "call", "result": "contacted"}, format="json")
    assert response.status_code == 404 and not CollectionAction.objects.exists()


def test_supervisor_reads_and_logs_when_the_debt_is_their_teams(api_client_for, supervisor, debt):
    client = api_client_for(supervisor)
    assert client.post(url(debt), {"kind": "visit", "result": "contacted"}, format="json").status_code == 201
    assert client.get(url(debt)).json()["count"] == 1


def test_action_post_is_403_when_back_office_logs(api_client_for, backoffice, debt):
    response = api_client_for(backoffice).post(url(debt), {"kind": "call", "result": "contacted"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert api_client_for(backoffice).get(url(debt)).status_code == 200  # reading is fine


def test_action_post_is_400_with_the_field_when_the_promise_has_no_date(api_client_for, agent, debt):
    response = api_client_for(agent).post(url(debt), {"kind": "call", "result": "promise_to_pay",
                                                      "promised_amount": "10.00"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_date"
    assert not CollectionAction.objects.exists()


def test_action_post_is_400_when_the_promise_exceeds_what_is_owed(api_client_for, agent, debt):
    response = api_client_for(agent).post(url(debt), {
        "kind": "call", "result": "promise_to_pay", "promised_amount": "5000.00",
        "promised_date": today().isoformat()}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_amount"


@pytest.mark.parametrize("payload", [
    {"kind": "fax", "result": "contacted"},
    {"kind": "call", "result": "paid"},
    {"kind": "call", "result": "not_contacted"},
    {"kind": "call", "result": "contacted", "next_step_at": "3000-01-01T00:00:00Z"},
    {"kind": "call"},
])
def test_action_post_is_400_when_the_input_is_invalid(api_client_for, agent, debt, payload):
    assert api_client_for(agent).post(url(debt), payload, format="json").status_code == 400
    assert not CollectionAction.objects.exists()


def test_actions_are_401_or_403_when_nobody_is_signed_in(api_client_for, debt):
    assert api_client_for(None).get(url(debt)).status_code in (401, 403)


def test_debt_output_carries_the_contact_status_and_follow_up_when_an_action_was_logged(api_client_for, agent, debt):
    collection_action_log(actor=agent, debt=debt, kind="call", result=ContactStatus.NO_ANSWER, next_step="Retry",
                          next_step_at=timezone.now() + timedelta(hours=3))
    body = api_client_for(agent).get(f"/api/v1/debts/{debt.pk}/").json()
    assert body["contact_status"] == "no_answer" and body["next_action_at"] is not None
