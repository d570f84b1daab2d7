"""``/api/v1/audits/``: an audit's life over the API, per role (CONTRACT section 4 and 6).

The supervisor audits their team's agent, the agent acknowledges or disputes, the supervisor resolves. Other
teams' audits are a 404, a role that may not act a 403, bad input a 400 with a ``detail``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quality.models import Audit
from tests.calls.backoffice_data import make_call
from tests.quality.factories import criteria_of, make_audit, make_conversation, make_matrix

pytestmark = pytest.mark.django_db

HUGE = 99999999999999999999999
URL = "/api/v1/audits/"

# The default scorecard: Saluda (1), Informa grabada (2, critical), Pregunta (2, partial), Confirma (1, may be
# N/A), Tono (2, 1-5), Ofrece (2). yes, yes, partial, na, 4, yes -> (1 + 2 + 1 + 1.5 + 2) / 9 = 83.33.
FULL = ["yes", "yes", "partial", "na", "4", "yes"]


@pytest.fixture
def matrix():
    return make_matrix(code="ventas-llamadas")


@pytest.fixture
def call(agent):
    return make_call(agent=agent, transcript="Buenos días, mi nombre es Ana.",
                     transcript_segments=[{"speaker": "agent", "start": 0, "end": 3,
                                           "text": "Buenos días, mi nombre es Ana."}])


def _answers(matrix, values):
    return [{"criterion": c.pk, "answer": v, "comment": f"c{i}"} for i, (c, v) in
            enumerate(zip(criteria_of(matrix)[:len(values)], values, strict=True))]


def _start(client, call, **extra):
    return client.post(URL, {"call": call.pk, "prescore": False, **extra}, format="json")


def test_a_supervisor_starts_an_audit_of_their_agent_s_call_when_posting(api_client_for, supervisor, agent, matrix,
                                                                          call):
    response = _start(api_client_for(supervisor), call, matrix=matrix.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["agent"], body["analyst"], body["call"], body["subject_kind"]) == (
        "draft", agent.pk, supervisor.pk, call.pk, "call")
    assert body["matrix_version"] == 1 and body["team_name"] == "Equipo Lima"
    assert [s["criterion"] for s in body["scores"]] == [c.pk for c in criteria_of(matrix)]
    assert set(body["scores"][0]) >= {"criterion", "criterion_text", "answer", "comment", "evidence", "ai_answer",
                                      "ai_evidence", "ai_evidence_at", "is_critical", "weight"}


def test_the_ai_proposes_answers_when_an_audit_is_started_with_prescoring(api_client_for, supervisor, matrix, call):
    response = api_client_for(supervisor).post(URL, {"call": call.pk}, format="json")
    assert response.status_code == 201, response.content
    assert Audit.objects.get(pk=response.json()["id"]).ai_provider  # who pre-scored it is recorded


def test_a_chat_can_be_audited_when_its_conversation_is_given(api_client_for, supervisor, agent, matrix):
    conversation = make_conversation(assignee=agent, messages=[("customer", "Hola"), ("agent", "Buenos días")])
    response = api_client_for(supervisor).post(URL, {"conversation": conversation.pk, "prescore": False},
                                               format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["subject_kind"], response.json()["conversation"]) == ("chat", conversation.pk)


@pytest.mark.parametrize("role", ["agent", "backoffice"])
def test_a_role_that_does_not_audit_is_refused_when_starting_an_audit(api_client_for, role, request, matrix, call):
    response = _start(api_client_for(request.getfixturevalue(role)), call)
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not Audit.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({}, "non_field_errors"),
    ({"call": "CALL", "conversation": 1}, "call"),
    ({"call": HUGE}, "call"),
    ({"call": 1, "conversation": 1}, "non_field_errors"),
    ({"call": -3}, "call"),
])
def test_bad_input_is_a_400_with_the_field_when_starting_an_audit(api_client_for, supervisor, matrix, body, field):
    response = api_client_for(supervisor).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_another_team_s_call_or_an_unpublished_matrix_is_a_400_when_starting_an_audit(
        api_client_for, supervisor, other_agent, matrix, call):
    client = api_client_for(supervisor)
    response = _start(client, make_call(agent=other_agent))
    assert response.status_code == 400 and "call" in response.json()["errors"]
    draft = make_matrix(code="borrador", status="draft")
    response = _start(client, call, matrix=draft.pk)
    assert response.status_code == 400 and "matrix" in response.json()["errors"]
    assert not Audit.objects.exists()


def test_an_audit_is_answered_sent_and_acknowledged_when_each_side_acts(api_client_for, supervisor, agent, matrix,
                                                                        call):
    analyst, agent_client = api_client_for(supervisor), api_client_for(agent)
    audit_id = _start(analyst, call).json()["id"]
    assert agent_client.get(f"{URL}{audit_id}/").status_code == 404  # a draft is the analyst's

    response = analyst.patch(f"{URL}{audit_id}/", {"answers": _answers(matrix, FULL[:3]),
                                                   "feedback": "Buen saludo."}, format="json")
    assert response.status_code == 200, response.content
    assert [s["answer"] for s in response.json()["scores"]] == ["yes", "yes", "partial", "", "", ""]
    assert response.json()["feedback"] == "Buen saludo."
    response = analyst.post(f"{URL}{audit_id}/submit/")
    assert response.status_code == 400  # three criteria unanswered
    assert response.json()["detail"]

    analyst.patch(f"{URL}{audit_id}/", {"answers": _answers(matrix, FULL)}, format="json")
    response = analyst.post(f"{URL}{audit_id}/submit/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["score"], body["passed"], body["critical_failed"]) == (
        "submitted", "83.33", True, False)
    assert analyst.patch(f"{URL}{audit_id}/", {"feedback": "otra"}, format="json").status_code == 409

    listed = agent_client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [audit_id]
    response = agent_client.post(f"{URL}{audit_id}/acknowledge/", {"comment": "Gracias"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["agent_comment"]) == ("acknowledged", "Gracias")


def test_a_dispute_is_resolved_by_the_supervisor_when_the_agent_disagrees(api_client_for, supervisor, agent,
                                                                          matrix):
    audit = make_audit(matrix=matrix, agent=agent, analyst=supervisor, status=Audit.Status.SUBMITTED,
                       answers=dict(zip(criteria_of(matrix), ["yes", "no", "yes", "yes", "5", "yes"], strict=True)))
    assert audit.critical_failed and audit.score == Decimal("0")
    agent_client, analyst = api_client_for(agent), api_client_for(supervisor)

    response = agent_client.post(f"{URL}{audit.pk}/dispute/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert analyst.post(f"{URL}{audit.pk}/dispute/", {"reason": "No"}, format="json").status_code == 403
    response = agent_client.post(f"{URL}{audit.pk}/dispute/", {"reason": "Sí avisé que era grabada."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "disputed"

    assert agent_client.post(f"{URL}{audit.pk}/resolve/", {"resolution": "upheld", "note": "x"},
                             format="json").status_code == 403
    response = analyst.post(f"{URL}{audit.pk}/resolve/", {"resolution": "maybe", "note": "x"}, format="json")
    assert response.status_code == 400 and "resolution" in response.json()["errors"]
    informa = criteria_of(matrix)[1]
    response = analyst.post(f"{URL}{audit.pk}/resolve/", {
        "resolution": "amended", "note": "Se escucha el aviso al inicio.",
        "answers": [{"criterion": informa.pk, "answer": "yes"}]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["resolution"], body["critical_failed"], body["score"]) == (
        "resolved", "amended", False, "100.00")


def test_an_answer_the_criterion_does_not_take_is_a_400_when_patching(api_client_for, supervisor, agent, matrix,
                                                                      call):
    client = api_client_for(supervisor)
    audit_id = _start(client, call).json()["id"]
    saluda = criteria_of(matrix)[0]  # yes / no only
    for answer, where in (("partial", "detail"), ("maybe", "errors"), ("na", "detail")):
        response = client.patch(f"{URL}{audit_id}/", {"answers": [{"criterion": saluda.pk, "answer": answer}]},
                                format="json")
        assert response.status_code == 400, (answer, response.content)
        assert response.json()[where]
    response = client.patch(f"{URL}{audit_id}/", {"answers": [{"criterion": saluda.pk, "answer": "yes"},
                                                              {"criterion": saluda.pk, "answer": "no"}]},
                            format="json")
    assert response.status_code == 400 and "answers" in response.json()["errors"]
    response = client.patch(f"{URL}{audit_id}/", {"answers": [{"criterion": HUGE, "answer": "yes"}]}, format="json")
    assert response.status_code == 400
    assert not Audit.objects.get(pk=audit_id).scores.exclude(answer="").exists()


def test_another_team_s_audit_is_a_404_when_reading_or_acting(api_client_for, supervisor, other_agent, admin_user,
                                                              agent, matrix):
    theirs = make_audit(matrix=matrix, agent=other_agent, analyst=admin_user, status=Audit.Status.SUBMITTED,
                        answers=dict(zip(criteria_of(matrix), FULL, strict=True)))
    for client in (api_client_for(supervisor), api_client_for(agent)):
        assert client.get(f"{URL}{theirs.pk}/").status_code == 404
        assert client.patch(f"{URL}{theirs.pk}/", {"feedback": "x"}, format="json").status_code == 404
        for verb in ("submit", "acknowledge", "dispute", "resolve"):
            assert client.post(f"{URL}{theirs.pk}/{verb}/", {"reason": "x"}, format="json").status_code == 404
        assert client.get(URL).json()["count"] == 0
    assert api_client_for(admin_user).get(f"{URL}{theirs.pk}/").status_code == 200


def test_an_agent_may_not_change_their_own_audit_when_patching(api_client_for, supervisor, agent, matrix):
    audit = make_audit(matrix=matrix, agent=agent, analyst=supervisor, status=Audit.Status.SUBMITTED,
                       answers=dict(zip(criteria_of(matrix), FULL, strict=True)))
    client = api_client_for(agent)
    assert client.patch(f"{URL}{audit.pk}/", {"feedback": "mejor"}, format="json").status_code == 403
    assert client.post(f"{URL}{audit.pk}/submit/").status_code == 403


def test_the_list_filters_by_status_agent_and_dates_when_asked(api_client_for, supervisor, agent, admin_user,
                                                               other_agent, matrix):
    sent = make_audit(matrix=matrix, agent=agent, analyst=supervisor, status=Audit.Status.SUBMITTED)
    draft = make_audit(matrix=matrix, agent=agent, analyst=supervisor)
    make_audit(matrix=matrix, agent=other_agent, analyst=admin_user, status=Audit.Status.SUBMITTED)
    client = api_client_for(admin_user)
    assert client.get(URL).json()["count"] == 3
    assert [r["id"] for r in client.get(URL, {"status": "draft"}).json()["results"]] == [draft.pk]
    assert {r["id"] for r in client.get(URL, {"agent": agent.pk}).json()["results"]} == {sent.pk, draft.pk}
    today = timezone.localdate(sent.submitted_at).isoformat()
    assert [r["id"] for r in client.get(URL, {"date_from": today, "agent": agent.pk}).json()["results"]] == [sent.pk]
    assert api_client_for(supervisor).get(URL).json()["count"] == 2


@pytest.mark.parametrize("query", [f"agent={HUGE}", "agent=²", "status=lost", "date_from=0001-01-01",
                                   "date_from=2026-02-01&date_to=2026-01-01", f"matrix={HUGE}"])
def test_a_bad_filter_is_a_400_when_listing(api_client_for, admin_user, query):
    response = api_client_for(admin_user).get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


def test_the_list_takes_the_same_queries_whatever_the_number_of_audits(api_client_for, supervisor, agent, matrix):
    client = api_client_for(supervisor)
    make_audit(matrix=matrix, agent=agent, analyst=supervisor, status=Audit.Status.SUBMITTED)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).json()["count"] == 1
    for _ in range(6):
        make_audit(matrix=matrix, agent=agent, analyst=supervisor, status=Audit.Status.SUBMITTED)
    with CaptureQueriesContext(connection) as seven:
        assert client.get(URL).json()["count"] == 7
    assert len(seven) == len(one)
