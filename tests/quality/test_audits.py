"""The audit workflow (quality.services.audits, quality.selectors): draft -> submitted -> acknowledged | disputed
-> resolved, who may make each move, and who sees which audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from accounts.models import AuditEntry, AuditKind, Role
from conftest import make_user
from core.errors import ApplicationError
from quality.models import Audit
from quality.selectors import (
    audit_can_edit,
    audit_can_resolve,
    audit_get_visible,
    auditable_calls,
    auditable_conversations,
    audits_visible,
)
from quality.services.audits import (
    AnswerInput,
    AuditError,
    AuditPermissionError,
    AuditStateError,
    audit_acknowledge,
    audit_dispute,
    audit_resolve,
    audit_save,
    audit_start,
    audit_submit,
)
from tests.calls.backoffice_data import make_call
from tests.quality.factories import criteria_of, make_conversation, make_matrix

pytestmark = pytest.mark.django_db

ALL_YES = {"Saluda y se presenta": "yes", "Informa que la llamada es grabada": "yes",
           "Pregunta por la necesidad del cliente": "yes", "Confirma los datos del cliente": "yes",
           "Tono y amabilidad": "5", "Ofrece el siguiente paso": "yes"}


def _answers(matrix, given: dict[str, str]) -> list[AnswerInput]:  # type: ignore[no-untyped-def]
    by_text = {c.text: c for c in criteria_of(matrix)}
    return [AnswerInput(criterion_id=by_text[text].pk, answer=answer, comment=f"sobre {text}")
            for text, answer in given.items()]


@pytest.fixture
def matrix():  # type: ignore[no-untyped-def]
    return make_matrix(code="ventas-llamadas", channel="call")


@pytest.fixture
def call(agent):  # type: ignore[no-untyped-def]
    return make_call(agent=agent, transcript="Buenos días, mi nombre es Ana.", transcript_state="done")


@pytest.fixture
def draft(supervisor, call, matrix):  # type: ignore[no-untyped-def]
    return audit_start(analyst=supervisor, call=call, matrix=matrix, prescore=False)


def _sent(audit, supervisor, matrix):  # type: ignore[no-untyped-def]
    audit_save(audit, by=supervisor, answers=_answers(matrix, ALL_YES), feedback="Muy bien")
    return audit_submit(audit, by=supervisor)


# --- starting ----------------------------------------------------------------------------------------------
def test_start_makes_a_draft_with_one_blank_answer_per_criterion(draft, agent, supervisor, matrix):
    assert draft.status == Audit.Status.DRAFT
    assert (draft.agent, draft.team, draft.analyst, draft.matrix) == (agent, agent.team, supervisor, matrix)
    assert draft.scores.count() == len(criteria_of(matrix)) == 6
    assert set(draft.scores.values_list("answer", flat=True)) == {""}
    assert draft.score is None
    entry = AuditEntry.objects.get(kind=AuditKind.CREATE, object_pk=str(draft.pk), content_type__model="audit")
    assert entry.actor == supervisor


def test_start_chooses_the_published_matrix_for_the_channel_when_none_is_given(supervisor, call, matrix):
    make_matrix(code="chats", channel="chat")
    audit = audit_start(analyst=supervisor, call=call, prescore=False)
    assert audit.matrix == matrix


def test_start_twice_returns_the_same_draft(supervisor, call, matrix, draft):
    assert audit_start(analyst=supervisor, call=call, matrix=matrix, prescore=False) == draft
    assert Audit.objects.count() == 1


def test_start_of_a_conversation_audits_its_assignee(supervisor, agent):
    make_matrix(code="chats", channel="chat")
    conversation = make_conversation(assignee=agent, messages=[("customer", "Hola"), ("agent", "Buenos días")])
    audit = audit_start(analyst=supervisor, conversation=conversation, prescore=False)
    assert (audit.agent, audit.conversation, audit.call) == (agent, conversation, None)


def test_start_is_refused_when_self_audit(supervisor, matrix):
    own_call = make_call(agent=supervisor)
    with pytest.raises(AuditPermissionError):
        audit_start(analyst=supervisor, call=own_call, matrix=matrix)


def test_start_is_refused_when_the_call_has_no_agent(supervisor, matrix):
    with pytest.raises(AuditError):
        audit_start(analyst=supervisor, call=make_call(agent=None), matrix=matrix)


def test_start_is_refused_when_the_analyst_is_another_teams_supervisor(other_team, call, matrix):
    stranger = make_user("otra_supervisora", Role.SUPERVISOR, other_team)
    with pytest.raises(AuditPermissionError):
        audit_start(analyst=stranger, call=call, matrix=matrix)


@pytest.mark.parametrize("role", [Role.AGENT, Role.BACKOFFICE])
def test_start_is_refused_when_the_role_does_not_audit(role, team, call, matrix):
    user = make_user(f"user_{role}", role, team)
    with pytest.raises(AuditPermissionError):
        audit_start(analyst=user, call=call, matrix=matrix)


def test_start_is_refused_when_the_matrix_is_a_draft_or_for_chats(supervisor, call):
    with pytest.raises(AuditError):
        audit_start(analyst=supervisor, call=call, matrix=make_matrix(code="borrador", status="draft"))
    with pytest.raises(AuditError):
        audit_start(analyst=supervisor, call=call, matrix=make_matrix(code="chats", channel="chat"))


def test_an_admin_audits_any_teams_agent(admin_user, other_agent, matrix):
    audit = audit_start(analyst=admin_user, call=make_call(agent=other_agent), matrix=matrix, prescore=False)
    assert audit.agent == other_agent


# --- saving and sending ------------------------------------------------------------------------------------
def test_save_rescores_the_draft_and_keeps_comments(draft, supervisor, matrix):
    answers = dict(ALL_YES, **{"Ofrece el siguiente paso": "no"})  # weight 2 of 10 lost
    audit = audit_save(draft, by=supervisor, answers=_answers(matrix, answers), feedback="Cierra mejor")
    assert audit.score == Decimal("80.00")
    assert audit.passed is True
    assert audit.feedback == "Cierra mejor"
    row = audit.scores.get(criterion__text="Ofrece el siguiente paso")
    assert (row.answer, row.comment) == ("no", "sobre Ofrece el siguiente paso")


def test_save_with_a_failed_critical_criterion_zeroes_the_score(draft, supervisor, matrix):
    answers = dict(ALL_YES, **{"Informa que la llamada es grabada": "no"})
    audit = audit_save(draft, by=supervisor, answers=_answers(matrix, answers))
    assert (audit.score, audit.raw_score, audit.critical_failed, audit.passed) == (
        Decimal("0.00"), Decimal("80.00"), True, False)


def test_save_refuses_an_answer_the_criterion_does_not_take(draft, supervisor, matrix):
    with pytest.raises(AuditError):
        audit_save(draft, by=supervisor, answers=_answers(matrix, {"Saluda y se presenta": "partial"}))
    with pytest.raises(AuditError):
        audit_save(draft, by=supervisor, answers=_answers(matrix, {"Saluda y se presenta": "na"}))


def test_save_by_the_agent_or_another_team_is_refused(draft, agent, other_team, matrix):
    stranger = make_user("otra_supervisora", Role.SUPERVISOR, other_team)
    for user in (agent, stranger):
        with pytest.raises(AuditPermissionError):
            audit_save(draft, by=user, answers=_answers(matrix, ALL_YES))


def test_submit_is_refused_while_a_criterion_is_blank(draft, supervisor, matrix):
    partial = {k: v for k, v in ALL_YES.items() if k != "Tono y amabilidad"}
    audit_save(draft, by=supervisor, answers=_answers(matrix, partial))
    with pytest.raises(AuditError) as caught:
        audit_submit(draft, by=supervisor)
    assert "Tono y amabilidad" in caught.value.message
    draft.refresh_from_db()
    assert draft.status == Audit.Status.DRAFT


def test_submit_accepts_not_applicable_where_allowed(draft, supervisor, matrix):
    answers = dict(ALL_YES, **{"Confirma los datos del cliente": "na"})
    audit_save(draft, by=supervisor, answers=_answers(matrix, answers))
    audit = audit_submit(draft, by=supervisor)
    assert audit.status == Audit.Status.SUBMITTED
    assert audit.submitted_at is not None
    assert audit.score == Decimal("100.00")


def test_a_sent_audit_cannot_be_edited_or_sent_again(draft, supervisor, matrix):
    audit = _sent(draft, supervisor, matrix)
    with pytest.raises(AuditStateError):
        audit_save(audit, by=supervisor, answers=_answers(matrix, {"Saluda y se presenta": "no"}))
    with pytest.raises(AuditStateError):
        audit_submit(audit, by=supervisor)
    entry = AuditEntry.objects.get(object_pk=str(audit.pk), kind=AuditKind.UPDATE, content_type__model="audit")
    assert entry.changes == {"status": ["draft", "submitted"]}


# --- the agent's answer ------------------------------------------------------------------------------------
def test_the_agent_acknowledges_with_a_comment(draft, supervisor, agent, matrix):
    audit = audit_acknowledge(_sent(draft, supervisor, matrix), by=agent, comment="Gracias, lo tendré en cuenta")
    assert audit.status == Audit.Status.ACKNOWLEDGED
    assert audit.agent_comment == "Gracias, lo tendré en cuenta"
    assert audit.acknowledged_at is not None


def test_only_the_audited_agent_acknowledges_or_disputes(draft, supervisor, team, matrix):
    audit = _sent(draft, supervisor, matrix)
    teammate = make_user("companera", Role.AGENT, team)
    for user in (supervisor, teammate):
        with pytest.raises(AuditPermissionError):
            audit_acknowledge(audit, by=user)
        with pytest.raises(AuditPermissionError):
            audit_dispute(audit, by=user, reason="No")


def test_a_draft_cannot_be_acknowledged(draft, agent):
    with pytest.raises(AuditStateError):
        audit_acknowledge(draft, by=agent)


def test_dispute_needs_a_reason(draft, supervisor, agent, matrix):
    audit = _sent(draft, supervisor, matrix)
    with pytest.raises(AuditError):
        audit_dispute(audit, by=agent, reason="   ")
    audit = audit_dispute(audit, by=agent, reason="Sí informé la grabación al minuto 1")
    assert (audit.status, audit.dispute_reason) == (Audit.Status.DISPUTED, "Sí informé la grabación al minuto 1")
    with pytest.raises(AuditStateError):
        audit_acknowledge(audit, by=agent)


# --- resolving a dispute -----------------------------------------------------------------------------------
def _disputed(draft, supervisor, agent, matrix):  # type: ignore[no-untyped-def]
    answers = dict(ALL_YES, **{"Informa que la llamada es grabada": "no"})
    audit_save(draft, by=supervisor, answers=_answers(matrix, answers))
    audit = audit_submit(draft, by=supervisor)
    assert audit.score == Decimal("0.00")
    return audit_dispute(audit, by=agent, reason="Sí lo dije")


def test_resolve_amended_changes_answers_and_rescores(draft, supervisor, agent, matrix):
    audit = _disputed(draft, supervisor, agent, matrix)
    assert audit_can_resolve(supervisor, audit)
    audit = audit_resolve(audit, by=supervisor, resolution="amended", note="Revisé la grabación: sí lo dijo",
                          answers=_answers(matrix, {"Informa que la llamada es grabada": "yes"}))
    assert (audit.status, audit.resolution, audit.resolved_by) == (Audit.Status.RESOLVED, "amended", supervisor)
    assert audit.score == Decimal("100.00")
    assert audit.critical_failed is False


def test_resolve_upheld_keeps_the_answers(draft, supervisor, agent, matrix):
    audit = _disputed(draft, supervisor, agent, matrix)
    audit = audit_resolve(audit, by=supervisor, resolution="upheld", note="No se escucha el aviso")
    assert (audit.status, audit.resolution, audit.score) == (Audit.Status.RESOLVED, "upheld", Decimal("0.00"))


def test_resolve_is_refused_without_note_or_by_the_wrong_people(draft, supervisor, agent, other_team, matrix):
    audit = _disputed(draft, supervisor, agent, matrix)
    with pytest.raises(AuditError):
        audit_resolve(audit, by=supervisor, resolution="upheld", note="")
    with pytest.raises(AuditError):
        audit_resolve(audit, by=supervisor, resolution="maybe", note="x")
    stranger = make_user("otra_supervisora", Role.SUPERVISOR, other_team)
    for user in (agent, stranger):
        with pytest.raises(AuditPermissionError):
            audit_resolve(audit, by=user, resolution="upheld", note="x")


def test_resolve_is_refused_when_not_disputed(draft, supervisor, matrix):
    with pytest.raises(AuditStateError):
        audit_resolve(_sent(draft, supervisor, matrix), by=supervisor, resolution="upheld", note="x")


def test_an_admin_resolves_any_dispute(draft, supervisor, agent, admin_user, matrix):
    audit = _disputed(draft, supervisor, agent, matrix)
    assert audit_resolve(audit, by=admin_user, resolution="upheld", note="Confirmado").status == "resolved"


# --- who sees what -----------------------------------------------------------------------------------------
def test_the_agent_never_sees_a_draft(draft, agent, supervisor, matrix):
    assert not audits_visible(agent).exists()
    with pytest.raises(Http404):
        audit_get_visible(agent, draft.pk)
    _sent(draft, supervisor, matrix)
    assert audit_get_visible(agent, draft.pk) == draft


def test_another_teams_supervisor_gets_404(draft, other_team):
    stranger = make_user("otra_supervisora", Role.SUPERVISOR, other_team)
    with pytest.raises(Http404):
        audit_get_visible(stranger, draft.pk)
    assert not audit_can_edit(stranger, draft)


def test_an_agent_does_not_see_a_teammates_audit(draft, supervisor, team, matrix):
    _sent(draft, supervisor, matrix)
    teammate = make_user("companera", Role.AGENT, team)
    assert not audits_visible(teammate).exists()


def test_back_office_sees_sent_audits_but_not_drafts(draft, backoffice, supervisor, matrix):
    assert not audits_visible(backoffice).exists()
    _sent(draft, supervisor, matrix)
    assert list(audits_visible(backoffice)) == [draft]


def test_auditable_lists_hold_the_teams_calls_and_chats_but_not_others(supervisor, agent, other_agent, call):
    make_call(agent=other_agent, transcript="Hola", transcript_state="done")
    make_call(agent=agent, transcript_state="none")  # nothing to listen to or read
    mine = make_conversation(assignee=agent, messages=[("agent", "Buenos días")])
    make_conversation(assignee=other_agent, messages=[("agent", "Hola")])
    assert list(auditable_calls(supervisor)) == [call]
    assert list(auditable_conversations(supervisor)) == [mine]
    assert not auditable_calls(agent).exists()


def test_audit_moves_raise_application_errors_with_codes(draft, agent):
    with pytest.raises(ApplicationError) as caught:
        audit_acknowledge(draft, by=agent)
    assert caught.value.code == "audit_state"
