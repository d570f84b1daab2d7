"""The audit pages per role (Django test client): the list, starting an audit, the audit page and its moves."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import Role
from conftest import make_user
from quality.models import Audit
from quality.services.audits import audit_start
from tests.calls.backoffice_data import add_recording, make_call
from tests.quality.factories import criteria_of, make_conversation, make_matrix

pytestmark = pytest.mark.django_db

SEGMENTS = [
    {"start": 0.0, "end": 4.5, "speaker": "agent", "text": "Buenos días, mi nombre es Ana de Conecta."},
    {"start": 4.5, "end": 9.0, "speaker": "agent", "text": "Le informo que la llamada es grabada."},
    {"start": 9.0, "end": 14.0, "speaker": "customer", "text": "Quiero el plan de 200 megas."},
]


@pytest.fixture
def matrix():  # type: ignore[no-untyped-def]
    return make_matrix(code="ventas-llamadas", channel="call")


@pytest.fixture
def call(agent):  # type: ignore[no-untyped-def]
    call = make_call(agent=agent, transcript=" ".join(s["text"] for s in SEGMENTS), transcript_state="done",
                     transcript_segments=SEGMENTS)
    add_recording(call).file.save("grabacion.mp3", ContentFile(b"ID3\x04\x00" + b"\x00" * 256))
    return call


@pytest.fixture
def draft(supervisor, call, matrix):  # type: ignore[no-untyped-def]
    return audit_start(analyst=supervisor, call=call, matrix=matrix, prescore=False)


def _post_all(matrix, client, url, overrides=None, **extra):  # type: ignore[no-untyped-def]
    data = {}
    for c in criteria_of(matrix):
        data[f"answer-{c.pk}"] = "5" if c.answer_type == "scale_1_5" else "yes"
        data[f"comment-{c.pk}"] = ""
    for text, answer in (overrides or {}).items():
        data[f"answer-{matrix.criteria.get(text=text).pk}"] = answer
    data.update(extra)
    return client.post(url, data)


def test_the_analyst_list_offers_the_teams_calls_and_chats_to_audit(client, supervisor, agent, call, matrix):
    conversation = make_conversation(assignee=agent, messages=[("agent", "Buenos días")])
    client.force_login(supervisor)
    response = client.get(reverse("quality:audit_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-call="{call.pk}"' in html
    assert f'data-conversation="{conversation.pk}"' in html
    assert reverse("quality:upload_new") in html and reverse("quality:dashboard") in html


def test_start_from_the_list_uses_the_default_matrix_and_opens_the_audit(client, supervisor, call, matrix):
    client.force_login(supervisor)
    response = client.post(reverse("quality:audit_call", args=[call.pk]), {"default": "1"})
    audit = Audit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("quality:audit_detail", args=[audit.pk])
    assert audit.matrix == matrix


def test_start_page_lets_the_analyst_choose_a_published_matrix(client, supervisor, call, matrix):
    other = make_matrix(code="otra", channel="any")
    make_matrix(code="chats", channel="chat")
    client.force_login(supervisor)
    page = client.get(reverse("quality:audit_call", args=[call.pk]))
    assert page.status_code == 200
    options = page.context["form"].fields["matrix"].queryset
    assert set(options) == {matrix, other}
    client.post(reverse("quality:audit_call", args=[call.pk]), {"matrix": other.pk})
    assert Audit.objects.get().matrix == other


def test_start_a_chat_audit(client, supervisor, agent):
    make_matrix(code="chats", channel="chat")
    conversation = make_conversation(assignee=agent, messages=[("customer", "Hola"), ("agent", "Buenos días")])
    client.force_login(supervisor)
    response = client.post(reverse("quality:audit_conversation", args=[conversation.pk]), {"default": "1"})
    assert response.status_code == 302
    assert Audit.objects.get().conversation == conversation
    page = client.get(response["Location"])
    html = page.content.decode()
    assert [line.text for line in page.context["lines"]] == ["Hola", "Buenos días"]
    assert 'id="audit-audio"' not in html and 'id="line-1"' in html


def test_starting_a_self_audit_is_refused_with_a_message(client, supervisor, matrix):
    own = make_call(agent=supervisor, transcript="Hola", transcript_state="done")
    client.force_login(supervisor)
    response = client.post(reverse("quality:audit_call", args=[own.pk]), {"default": "1"})
    assert response.status_code == 400
    assert response.context["error"]
    assert not Audit.objects.exists()


def test_an_agent_cannot_start_an_audit(client, agent, call, matrix):
    client.force_login(agent)
    assert client.post(reverse("quality:audit_call", args=[call.pk]), {"default": "1"}).status_code == 404
    assert not Audit.objects.exists()


def test_another_teams_supervisor_cannot_open_the_call_or_the_audit(client, other_team, call, draft):
    stranger = make_user("otra_supervisora", Role.SUPERVISOR, other_team)
    client.force_login(stranger)
    assert client.get(reverse("quality:audit_call", args=[call.pk])).status_code == 404
    assert client.get(reverse("quality:audit_detail", args=[draft.pk])).status_code == 404


def test_the_audit_page_shows_transcript_audio_and_matrix(client, supervisor, draft):
    client.force_login(supervisor)
    response = client.get(reverse("quality:audit_detail", args=[draft.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="audit-audio"' in html
    assert reverse("calls:recording-audio", args=[draft.call.recordings.get().pk]) in html
    assert 'data-seek="4.50"' in html and "Le informo que la llamada es grabada." in html
    assert html.count('class="list-group-item criterion"') == 6
    assert 'id="send-to-agent"' in html and 'id="save-draft"' in html


def test_the_ai_proposal_and_its_evidence_show_with_a_differs_badge(client, supervisor, draft):
    row = draft.scores.get(criterion__text="Informa que la llamada es grabada")
    row.ai_answer, row.ai_evidence, row.ai_evidence_at, row.answer = "yes", "la llamada es grabada", 4.5, "no"
    row.save()
    client.force_login(supervisor)
    response = client.get(reverse("quality:audit_detail", args=[draft.pk]))
    section = next(r for s in response.context["sections"] for r in s.rows if r.score.pk == row.pk)
    assert section.ai_line == 1 and section.differs
    html = response.content.decode()
    assert 'data-jump-line="1"' in html


def test_save_then_send_rescores_and_sends(client, supervisor, draft, matrix):
    client.force_login(supervisor)
    url = reverse("quality:audit_detail", args=[draft.pk])
    response = _post_all(matrix, client, url, {"Ofrece el siguiente paso": "no"}, feedback="Ofrece el cierre")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.score, draft.feedback) == ("draft", Decimal("80.00"), "Ofrece el cierre")
    response = _post_all(matrix, client, reverse("quality:audit_submit", args=[draft.pk]),
                         {"Ofrece el siguiente paso": "no"}, feedback="Ofrece el cierre")
    draft.refresh_from_db()
    assert response.status_code == 302 and draft.status == "submitted"


def test_send_with_a_blank_answer_is_refused_with_a_message(client, supervisor, draft):
    client.force_login(supervisor)
    response = client.post(reverse("quality:audit_submit", args=[draft.pk]), {"feedback": "x"})
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_agent_sees_only_sent_audits_in_my_evaluations(client, supervisor, agent, draft, matrix):
    client.force_login(agent)
    assert client.get(reverse("quality:audit_detail", args=[draft.pk])).status_code == 404
    assert draft.pk not in [a.pk for a in client.get(reverse("quality:audit_list")).context["page"]]
    client.force_login(supervisor)
    _post_all(matrix, client, reverse("quality:audit_submit", args=[draft.pk]))
    client.force_login(agent)
    response = client.get(reverse("quality:audit_list"))
    html = response.content.decode()
    assert 'id="audits-pending"' in html and "audit-pending" in html
    page = client.get(reverse("quality:audit_detail", args=[draft.pk])).content.decode()
    assert 'id="acknowledge-button"' in page and 'id="dispute-button"' in page
    assert 'name="answer-' not in page  # read-only answers


def test_the_agent_acknowledges_and_disputes_through_the_pages(client, supervisor, agent, draft, matrix, call):
    client.force_login(supervisor)
    _post_all(matrix, client, reverse("quality:audit_submit", args=[draft.pk]))
    client.force_login(agent)
    assert client.post(reverse("quality:audit_dispute", args=[draft.pk]), {"reason": ""}).status_code == 400
    response = client.post(reverse("quality:audit_acknowledge", args=[draft.pk]), {"comment": "Entendido"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.agent_comment) == ("acknowledged", "Entendido")


def test_a_supervisor_resolves_a_dispute_amended_from_the_page(client, supervisor, agent, draft, matrix):
    client.force_login(supervisor)
    _post_all(matrix, client, reverse("quality:audit_submit", args=[draft.pk]), {"Ofrece el siguiente paso": "no"})
    client.force_login(agent)
    client.post(reverse("quality:audit_dispute", args=[draft.pk]), {"reason": "Ofrecí la cotización"})
    client.force_login(supervisor)
    page = client.get(reverse("quality:audit_detail", args=[draft.pk])).content.decode()
    assert 'id="resolve-button"' in page and "Ofrecí la cotización" in page
    response = _post_all(matrix, client, reverse("quality:audit_resolve", args=[draft.pk]),
                         resolution="amended", note="Sí la ofreció")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.resolution, draft.score) == ("resolved", "amended", Decimal("100.00"))


def test_the_agent_cannot_resolve_or_send(client, agent, draft):
    client.force_login(agent)
    assert client.post(reverse("quality:audit_submit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("quality:audit_resolve", args=[draft.pk]),
                       {"resolution": "upheld", "note": "x"}).status_code == 404


def test_the_panel_shows_the_audit_button_only_to_who_may_audit(client, supervisor, agent, call):
    conversation = make_conversation(assignee=agent, messages=[("customer", "Hola")])
    call.contact = conversation.contact
    call.conversation = conversation
    call.save()
    client.force_login(supervisor)
    html = client.get(reverse("panel:conversation", args=[conversation.pk])).content.decode()
    assert 'id="audit-conversation"' in html and f'id="audit-call-{call.pk}"' in html
    client.force_login(agent)
    html = client.get(reverse("panel:conversation", args=[conversation.pk])).content.decode()
    assert "audit-button" not in html


def test_the_list_pins_its_query_count(client, supervisor, agent, matrix, django_assert_max_num_queries):
    for _ in range(5):
        audit_start(analyst=supervisor, call=make_call(agent=agent, transcript_state="done", transcript="x"),
                    matrix=matrix, prescore=False)
    client.force_login(supervisor)
    # 11 measured with 1 or 10 audits, + the top bar's 3 counts and the side menu's open tickets: constant
    with django_assert_max_num_queries(15):
        assert client.get(reverse("quality:audit_list")).status_code == 200


def test_back_office_reads_sent_audits_without_starting_any(client, backoffice, supervisor, draft, matrix):
    client.force_login(supervisor)
    _post_all(matrix, client, reverse("quality:audit_submit", args=[draft.pk]))
    client.force_login(backoffice)
    response = client.get(reverse("quality:audit_list"))
    assert [a.pk for a in response.context["page"]] == [draft.pk]
    assert 'id="auditable-calls"' not in response.content.decode()
    page = client.get(reverse("quality:audit_detail", args=[draft.pk])).content.decode()
    assert 'id="acknowledge-button"' not in page and 'name="answer-' not in page
