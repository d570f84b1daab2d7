"""The quality back office: matrices with their sections and criteria (a used version frozen, new versions,
publishing), and audits listed within role, read-only, with their score bars."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from quality.admin import EvaluationMatrixForm
from quality.models import Audit, Criterion, EvaluationMatrix, MatrixSection
from tests.quality.factories import make_audit, make_matrix

pytestmark = pytest.mark.django_db

MATRICES = "admin:quality_evaluationmatrix_changelist"
AUDITS = "admin:quality_audit_changelist"


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the messages asserted below are the English msgids
    client.force_login(user)
    return client


def matrix_url(matrix: EvaluationMatrix) -> str:
    return reverse("admin:quality_evaluationmatrix_change", args=[matrix.pk])


def texts(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in get_messages(response.wsgi_request)]


def matrix_post(matrix: EvaluationMatrix, **changes: str) -> dict[str, str]:
    """The change form as the page would post it, with ``changes``."""
    sections = list(matrix.sections.order_by("position", "pk"))
    criteria = list(matrix.criteria.order_by("section__position", "position", "pk"))
    data = {
        "code": matrix.code, "name": matrix.name, "description": matrix.description, "channel": matrix.channel,
        "campaign": matrix.campaign, "team": str(matrix.team_id or ""), "passing_score": str(matrix.passing_score),
        "sections-TOTAL_FORMS": str(len(sections)), "sections-INITIAL_FORMS": str(len(sections)),
        "sections-MIN_NUM_FORMS": "0", "sections-MAX_NUM_FORMS": "1000",
        "criteria-TOTAL_FORMS": str(len(criteria)), "criteria-INITIAL_FORMS": str(len(criteria)),
        "criteria-MIN_NUM_FORMS": "0", "criteria-MAX_NUM_FORMS": "1000",
    }
    for i, s in enumerate(sections):
        data.update({f"sections-{i}-id": str(s.pk), f"sections-{i}-matrix": str(matrix.pk),
                     f"sections-{i}-name": s.name, f"sections-{i}-position": str(s.position)})
    for i, c in enumerate(criteria):
        data.update({
            f"criteria-{i}-id": str(c.pk), f"criteria-{i}-matrix": str(matrix.pk),
            f"criteria-{i}-section": str(c.section_id or ""), f"criteria-{i}-position": str(c.position),
            f"criteria-{i}-text": c.text, f"criteria-{i}-weight": str(c.weight),
            f"criteria-{i}-answer_type": c.answer_type, f"criteria-{i}-speaker": c.speaker,
            f"criteria-{i}-keywords": c.keywords, f"criteria-{i}-negative_keywords": c.negative_keywords,
            f"criteria-{i}-guidance": c.guidance,
        })
        if c.is_critical:
            data[f"criteria-{i}-is_critical"] = "on"
        if c.allow_na:
            data[f"criteria-{i}-allow_na"] = "on"
    data.update(changes)
    return data


@pytest.fixture
def audited(agent, other_agent, supervisor, admin_user):  # type: ignore[no-untyped-def]
    """A matrix used by a sent audit of the supervisor's agent, a draft of it, and a sent audit of an outsider."""
    matrix = make_matrix(code="ventas")
    answers = {"Saluda y se presenta": "yes", "Informa que la llamada es grabada": "no",
               "Pregunta por la necesidad del cliente": "partial", "Confirma los datos del cliente": "na",
               "Tono y amabilidad": "4", "Ofrece el siguiente paso": "yes"}
    mine = make_audit(matrix=matrix, agent=agent, analyst=supervisor, answers=answers, status=Audit.Status.SUBMITTED)
    draft = make_audit(matrix=matrix, agent=agent, analyst=supervisor)
    theirs = make_audit(matrix=matrix, agent=other_agent, analyst=admin_user,
                        answers={**answers, "Informa que la llamada es grabada": "yes"}, status=Audit.Status.SUBMITTED)
    return matrix, mine, draft, theirs


# --- matrices ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["admin_user", "supervisor", "backoffice"])
def test_matrix_changelist_shows_status_criteria_and_audit_counts(request, who, audited):
    response = client_for(request.getfixturevalue(who)).get(reverse(MATRICES))

    assert response.status_code == 200
    (row,) = response.context["cl"].result_list
    assert (row.n_criteria, row.n_audits) == (6, 3)
    assert "crm-badge" in response.content.decode()


def test_matrix_changelist_filters_by_channel_status_and_campaign(client, admin_user):
    make_matrix(code="llamadas", channel="call", campaign="verano")
    make_matrix(code="chats", channel="chat", status="draft")
    client = client_for(admin_user)

    def codes(**params: str) -> set[str]:
        return {m.code for m in client.get(reverse(MATRICES), params).context["cl"].result_list}

    assert codes(channel__exact="call") == {"llamadas"}
    assert codes(status__exact="draft") == {"chats"}
    assert codes(campaign="verano") == {"llamadas"}


def test_an_agent_cannot_open_the_matrices(agent):
    response = client_for(agent).get(reverse(MATRICES))
    assert response.status_code in (302, 403)


def test_a_frozen_matrix_page_is_read_only_and_says_why(supervisor, audited):
    matrix = audited[0]
    client = client_for(supervisor)

    with translation.override("en"):
        page = client.get(matrix_url(matrix))
    assert page.status_code == 200
    assert "This version was used by 3 audits: make a new version to change it." in texts(page)
    assert 'name="criteria-0-weight"' not in page.content.decode()  # the criteria are shown, not editable
    assert reverse("admin:quality_evaluationmatrix_new_version", args=[matrix.pk]) in page.content.decode()

    refused = client.post(matrix_url(matrix), matrix_post(matrix, **{"criteria-0-weight": "9"}))
    assert refused.status_code == 403
    assert sorted(matrix.criteria.values_list("weight", flat=True)) == [1, 1, 2, 2, 2, 2]


def test_an_unused_draft_is_edited_in_the_page_and_criteria_pick_only_its_own_sections(supervisor):
    draft = make_matrix(code="nueva", status="draft")
    other = make_matrix(code="otra")
    client = client_for(supervisor)

    page = client.get(matrix_url(draft))
    field = page.context["inline_admin_formsets"][1].formset.forms[0].fields["section"]
    assert set(field.queryset) == set(draft.sections.all())

    foreign = other.sections.first()
    refused = client.post(matrix_url(draft), matrix_post(draft, **{"criteria-0-section": str(foreign.pk)}))
    assert refused.status_code == 200 and refused.context["inline_admin_formsets"][1].formset.errors[0]

    saved = client.post(matrix_url(draft), matrix_post(draft, **{"criteria-0-weight": "5", "name": "Ventas 2027"}))
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.name == "Ventas 2027" and draft.criteria.order_by("position").first().weight == 5


def test_a_matrix_that_an_audit_used_since_the_page_was_opened_refuses_the_save_with_the_message(
        supervisor, agent):
    matrix = make_matrix(code="ventas")
    client = client_for(supervisor)
    data = matrix_post(matrix, name="Otro nombre")
    make_audit(matrix=matrix, agent=agent, analyst=supervisor)  # between opening the page and saving it

    with translation.override("en"):
        response = client.post(matrix_url(matrix), data)

    # The page's permission check already sees the audit: the save is refused and nothing changes.
    assert response.status_code == 403
    matrix.refresh_from_db()
    assert matrix.name != "Otro nombre"


def test_the_form_guard_names_the_audits_when_the_freeze_comes_between_the_check_and_the_save(agent, supervisor):
    matrix = make_matrix(code="ventas")
    make_audit(matrix=matrix, agent=agent, analyst=supervisor)
    form = EvaluationMatrixForm(instance=matrix, data=matrix_post(matrix, name="Otro"))

    with translation.override("en"):
        assert not form.is_valid()
        assert form.non_field_errors() == ["This version was used by 1 audit: make a new version to change it."]


def test_new_version_action_makes_a_draft_copy_and_opens_it(supervisor, audited):
    matrix = audited[0]
    client = client_for(supervisor)

    response = client.post(reverse(MATRICES), {"action": "make_new_version", "_selected_action": [matrix.pk]})

    draft = EvaluationMatrix.objects.get(code="ventas", version=2)
    assert response.status_code == 302 and response["Location"] == matrix_url(draft)
    assert (draft.status, draft.previous) == (EvaluationMatrix.Status.DRAFT, matrix)
    assert draft.criteria.count() == 6 and draft.sections.count() == 3
    page = client.get(matrix_url(draft))
    assert 'name="criteria-0-weight"' in page.content.decode()  # the copy is editable


def test_new_version_button_on_the_frozen_page_redirects_to_the_draft(supervisor, audited):
    matrix = audited[0]

    response = client_for(supervisor).post(reverse("admin:quality_evaluationmatrix_new_version", args=[matrix.pk]))

    draft = EvaluationMatrix.objects.get(previous=matrix)
    assert response["Location"] == matrix_url(draft)


def test_publish_action_retires_the_previous_version(supervisor, audited):
    v1 = audited[0]
    client = client_for(supervisor)
    v2 = EvaluationMatrix.objects.get(pk=client.post(
        reverse("admin:quality_evaluationmatrix_new_version", args=[v1.pk]))["Location"].split("/")[-3])

    response = client.post(reverse(MATRICES), {"action": "publish", "_selected_action": [v2.pk]})

    assert response.status_code == 302
    v1.refresh_from_db(), v2.refresh_from_db()
    assert (v1.status, v2.status) == (EvaluationMatrix.Status.RETIRED, EvaluationMatrix.Status.PUBLISHED)


def test_publish_button_refuses_an_empty_matrix_with_a_message(admin_user):
    empty = make_matrix(code="vacia", status="draft", criteria=[])

    with translation.override("en"):
        response = client_for(admin_user).post(reverse("admin:quality_evaluationmatrix_publish", args=[empty.pk]),
                                               follow=True)

    assert any("cannot be published" in m for m in texts(response))
    empty.refresh_from_db()
    assert empty.status == EvaluationMatrix.Status.DRAFT


def test_backoffice_may_not_publish_or_copy(backoffice, audited):
    matrix = audited[0]
    client = client_for(backoffice)

    assert client.post(reverse("admin:quality_evaluationmatrix_new_version", args=[matrix.pk])).status_code == 403
    assert client.post(reverse("admin:quality_evaluationmatrix_publish", args=[matrix.pk])).status_code == 403
    assert EvaluationMatrix.objects.count() == 1


def test_backoffice_reads_a_matrix_with_its_sections_and_criteria(backoffice, audited):
    matrix = audited[0]
    response = client_for(backoffice).get(reverse("admin:quality_evaluationmatrix_change", args=[matrix.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert all(criterion.text in html for criterion in matrix.criteria.all())
    assert all(section.name in html for section in matrix.sections.all())


def test_a_new_matrix_from_the_add_page_is_a_draft_numbered_after_its_code(admin_user):
    make_matrix(code="ventas")
    client = client_for(admin_user)

    response = client.post(reverse("admin:quality_evaluationmatrix_add"), {
        "code": "ventas", "name": "Ventas nueva", "description": "", "channel": "call", "campaign": "",
        "team": "", "passing_score": "75",
        "sections-TOTAL_FORMS": "1", "sections-INITIAL_FORMS": "0", "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000", "sections-0-name": "Saludo", "sections-0-position": "0",
    })

    assert response.status_code == 302
    created = EvaluationMatrix.objects.get(name="Ventas nueva")
    assert (created.version, created.status) == (2, EvaluationMatrix.Status.DRAFT)
    assert list(MatrixSection.objects.filter(matrix=created).values_list("name", flat=True)) == ["Saludo"]
    assert not Criterion.objects.filter(matrix=created).exists()


# --- audits ------------------------------------------------------------------------------------------------
def test_audit_changelist_per_role(admin_user, supervisor, backoffice, audited):
    matrix, mine, draft, theirs = audited

    def listed(user) -> set[int]:  # type: ignore[no-untyped-def]
        response = client_for(user).get(reverse(AUDITS))
        assert response.status_code == 200
        return {a.pk for a in response.context["cl"].result_list}

    assert listed(admin_user) == {mine.pk, draft.pk, theirs.pk}
    assert listed(supervisor) == {mine.pk, draft.pk}  # their team's, drafts included
    assert listed(backoffice) == {mine.pk, theirs.pk}  # every sent audit
    assert client_for(supervisor).get(reverse("admin:quality_audit_change", args=[theirs.pk])).status_code == 404


def test_an_agent_cannot_open_the_audits_admin(agent, audited):
    assert client_for(agent).get(reverse(AUDITS)).status_code in (302, 403)


def test_audit_list_shows_score_bars_critical_mark_status_and_agreement(admin_user, audited):
    _matrix, mine, _draft, theirs = audited
    Audit.objects.filter(pk=theirs.pk).update(ai_agreement=80)

    with translation.override("en"):
        html = client_for(admin_user).get(reverse(AUDITS)).content.decode()

    assert "crm-progress-fill w-pct-0 crm-bg-danger" in html  # the critical failure: 0, red
    assert "Critical failed" in html and mine.critical_failed
    assert "crm-bg-success" in html  # the passed audit's bar
    assert "Sent to the agent" in html and "80%" in html


def test_a_submitted_audit_is_read_only_in_the_admin_for_everyone(admin_user, supervisor, audited):
    _matrix, mine, _draft, _theirs = audited
    url = reverse("admin:quality_audit_change", args=[mine.pk])
    before = sorted(mine.scores.values_list("criterion__text", "answer"))

    for user in (admin_user, supervisor):
        client = client_for(user)
        page = client.get(url)
        assert page.status_code == 200
        assert 'name="scores-0-answer"' not in page.content.decode()
        assert "Saluda y se presenta" in page.content.decode()
        assert client.post(url, {"scores-TOTAL_FORMS": "1", "scores-INITIAL_FORMS": "1",
                                 "scores-0-id": str(mine.scores.first().pk),
                                 "scores-0-answer": "yes"}).status_code == 403
    mine.refresh_from_db()
    assert sorted(mine.scores.values_list("criterion__text", "answer")) == before and mine.critical_failed


def test_the_agents_audits_are_one_filter_away(admin_user, agent, audited):
    _matrix, mine, draft, _theirs = audited

    response = client_for(admin_user).get(reverse(AUDITS), {"agent": str(agent.pk)})

    assert {a.pk for a in response.context["cl"].result_list} == {mine.pk, draft.pk}
