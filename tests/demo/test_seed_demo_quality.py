"""The demo's quality section: two published Spanish scorecards with evidence words, and audits of the demo's
calls and chats in every state; a second run adds nothing and ``--reset`` makes the audits again."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from calls.models import Call
from quality.models import Audit, AuditScore, Criterion, EvaluationMatrix, MatrixSection
from quality.services.transcripts import subject_lines

pytestmark = pytest.mark.django_db

MODELS = (EvaluationMatrix, MatrixSection, Criterion, Audit, AuditScore)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--contacts", "3", "--no-history", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def quality_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("Quality:"))


def test_seed_demo_twice_gives_the_same_quality_counts():
    first_line = quality_line(seed())
    first = counts()

    again = quality_line(seed())

    assert counts() == first
    assert first == {"EvaluationMatrix": 2, "MatrixSection": 10, "Criterion": 18, "Audit": 5, "AuditScore": 44}
    assert first_line.endswith("new: 2 matrices, 5 audits.") and again.endswith("new: 0 matrices, 0 audits.")
    assert ("audits 5 (draft 1, submitted 1, acknowledged 1, disputed 1, resolved 1), 1 with a failed critical "
            "criterion") in again


def test_the_demo_scorecards_are_published_in_spanish_with_words_for_the_ai_and_export(tmp_path):
    seed()
    sales = EvaluationMatrix.objects.get(code="ventas-telefonicas")
    chat = EvaluationMatrix.objects.get(code="atencion-chat")

    assert (sales.name, sales.channel, sales.status) == ("Ventas telefónicas", "call", "published")
    assert (chat.name, chat.channel, chat.status) == ("Atención por chat", "chat", "published")
    assert list(sales.sections.values_list("name", flat=True)) == ["Saludo", "Sondeo", "Oferta", "Cierre",
                                                                    "Cumplimiento"]
    assert set(sales.criteria.filter(is_critical=True).values_list("text", flat=True)) == {
        "Informa que la llamada es grabada", "No promete precios fuera del catálogo"}
    assert {c.answer_type for c in sales.criteria.all()} == {"yes_no", "yes_partial_no", "scale_1_5"}
    for criterion in Criterion.objects.exclude(text="Responde dentro del tiempo esperado"):
        assert criterion.keyword_list or criterion.negative_keyword_list, criterion.text
    assert "se graba" in sales.criteria.get(text="Informa que la llamada es grabada").keyword_list

    output = tmp_path / "demo.json"
    call_command("export_quality_matrix", "--output", str(output), stdout=io.StringIO())
    names = [m["name"] for m in json.loads(output.read_text(encoding="utf-8"))["matrices"]]
    assert names == ["Atención por chat", "Ventas telefónicas"]


def test_the_demo_audits_walk_every_state_with_scores_the_rules_give():
    seed()
    audits = {a.status: a for a in Audit.objects.select_related("matrix", "agent", "call", "resolved_by")}

    acknowledged = audits["acknowledged"]
    assert acknowledged.call.call_sid == "CAdemo0001inboundanswered" and acknowledged.agent.username == "agente1"
    assert acknowledged.passed and acknowledged.score >= 80 and acknowledged.agent_comment
    assert acknowledged.ai_provider and acknowledged.ai_agreement is not None and acknowledged.ai_agreement < 100
    # The AI's evidence quotes lines of the real transcript.
    lines = {line.text for line in subject_lines(call=acknowledged.call)}
    quoted = [s.ai_evidence for s in acknowledged.scores.exclude(ai_evidence="")]
    assert quoted and all(text in lines for text in quoted)

    sent = audits["submitted"]
    assert sent.call.call_sid == "CAdemo0002outboundcompleted"
    assert sent.critical_failed and sent.score == 0 and sent.raw_score > 0 and sent.passed is False
    assert sent.scores.get(criterion__text="Informa que la llamada es grabada").answer == "no"

    resolved, disputed, draft = audits["resolved"], audits["disputed"], audits["draft"]
    assert resolved.resolution == "amended" and resolved.resolved_by.username == "supervisor"
    assert resolved.scores.get(criterion__text="Responde dentro del tiempo esperado").answer == "yes"
    assert disputed.dispute_reason and disputed.disputed_at and disputed.conversation_id
    assert draft.submitted_at is None and draft.scores.exclude(ai_answer="").exists()
    for audit in audits.values():  # every audit comes after what it audits, and none is in the future
        subject_at = audit.call.started_at if audit.call_id else audit.conversation.created_at
        assert audit.created_at >= subject_at
        assert audit.submitted_at is None or audit.submitted_at >= audit.created_at
    assert all(s.answer for a in audits.values() if a.status != "draft" for s in a.scores.all())


def test_seed_demo_reset_makes_the_audits_again_and_keeps_the_scorecards():
    seed()
    first = counts()
    matrices = set(EvaluationMatrix.objects.values_list("pk", flat=True))

    out = seed("--reset")

    assert counts() == first
    assert set(EvaluationMatrix.objects.values_list("pk", flat=True)) == matrices
    assert quality_line(out).endswith("new: 0 matrices, 5 audits.")
    assert Audit.objects.filter(call__in=Call.objects.filter(call_sid__startswith="CAdemo")).count() == 2

