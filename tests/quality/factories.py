"""Plain helpers that build quality matrices and audits for the tests (import them; they are not fixtures).

``make_matrix`` builds sections and criteria from a compact spec; with no spec it builds the default
scorecard below (3 sections, 6 criteria: one critical, one yes/partial/no, one 1-5 scale, one that may be
"not applicable"). ``make_audit`` builds an audit with one answer row per criterion, the way the audit
service starts one, and fills the answers given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from itertools import count
from typing import Any

from django.utils import timezone

from accounts.models import Team, User
from calls.models import Call
from conversations.models import ChannelAccount, Conversation, Message
from quality.models import Audit, AuditScore, Criterion, EvaluationMatrix, MatrixSection
from quality.services.scoring import audit_recompute
from tests.calls.backoffice_data import make_call
from tests.leads.factories import ContactFactory

_numbers = count(1)

#: The default scorecard: (section, text, weight, is_critical, answer_type, allow_na, keywords, negative, speaker)
DEFAULT_CRITERIA: list[dict[str, Any]] = [
    {"section": "Saludo", "text": "Saluda y se presenta", "weight": 1,
     "keywords": ["buenos días", "buenas tardes", "mi nombre es"], "speaker": "agent"},
    {"section": "Saludo", "text": "Informa que la llamada es grabada", "weight": 2, "is_critical": True,
     "keywords": ["llamada es grabada", "será grabada"], "speaker": "agent"},
    {"section": "Sondeo", "text": "Pregunta por la necesidad del cliente", "weight": 2,
     "answer_type": Criterion.AnswerType.YES_NO_PARTIAL, "keywords": ["qué necesita", "en qué le puedo ayudar"],
     "speaker": "agent"},
    {"section": "Sondeo", "text": "Confirma los datos del cliente", "weight": 1, "allow_na": True,
     "keywords": ["confirmo su número", "su correo"]},
    {"section": "Cierre", "text": "Tono y amabilidad", "weight": 2, "answer_type": Criterion.AnswerType.SCALE,
     "keywords": ["con gusto", "gracias por"], "negative_keywords": ["no es mi problema"]},
    {"section": "Cierre", "text": "Ofrece el siguiente paso", "weight": 2,
     "keywords": ["le envío la cotización", "le llamo mañana"], "speaker": "agent"},
]


def _lines(value: str | Sequence[str] | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        return value
    return "\n".join(value)


def make_matrix(*, code: str = "ventas", channel: str = EvaluationMatrix.Channel.ANY,
                status: str = EvaluationMatrix.Status.PUBLISHED, criteria: Sequence[Mapping[str, Any]] | None = None,
                passing_score: int | Decimal = 80, team: Team | None = None, version: int | None = None,
                name: str = "", campaign: str = "", previous: EvaluationMatrix | None = None) -> EvaluationMatrix:
    """A matrix with its sections and criteria; ``criteria`` is a list of dicts (see ``DEFAULT_CRITERIA``).

    Keys: ``section`` (name; sections are made in order of first use; None for no section), ``text``,
    ``weight`` (1), ``is_critical`` (False), ``answer_type`` (yes_no), ``allow_na`` (False), ``keywords`` and
    ``negative_keywords`` (a list or a newline-separated string), ``speaker`` ("").
    ``version`` defaults to one more than the code's highest version.
    """
    if version is None:
        last = EvaluationMatrix.objects.filter(code=code).order_by("-version").values_list("version", flat=True).first()
        version = (last or 0) + 1
    matrix = EvaluationMatrix.objects.create(
        code=code, version=version, name=name or code.replace("-", " ").capitalize(), channel=channel,
        status=status, passing_score=Decimal(str(passing_score)), team=team, campaign=campaign, previous=previous,
        published_at=timezone.now() if status == EvaluationMatrix.Status.PUBLISHED else None,
    )
    sections: dict[str, MatrixSection] = {}
    for position, spec in enumerate(DEFAULT_CRITERIA if criteria is None else criteria):
        section_name = spec.get("section", "General")
        section = None
        if section_name:
            section = sections.get(section_name)
            if section is None:
                section = MatrixSection.objects.create(matrix=matrix, name=section_name, position=len(sections))
                sections[section_name] = section
        Criterion.objects.create(
            matrix=matrix, section=section, position=position, text=spec.get("text", f"Criterio {position + 1}"),
            guidance=spec.get("guidance", ""), weight=spec.get("weight", 1),
            is_critical=spec.get("is_critical", False),
            answer_type=spec.get("answer_type", Criterion.AnswerType.YES_NO), allow_na=spec.get("allow_na", False),
            keywords=_lines(spec.get("keywords")), negative_keywords=_lines(spec.get("negative_keywords")),
            speaker=spec.get("speaker", ""),
        )
    return matrix


def criteria_of(matrix: EvaluationMatrix) -> list[Criterion]:
    """The matrix's criteria in scorecard order (section, then position)."""
    return list(matrix.criteria.select_related("section").order_by("section__position", "position", "pk"))


def criterion(matrix: EvaluationMatrix, text: str) -> Criterion:
    """The matrix's criterion with that text."""
    return matrix.criteria.get(text=text)


def make_chat_account() -> ChannelAccount:
    n = next(_numbers)
    return ChannelAccount.objects.create(provider="meta_whatsapp", name=f"WhatsApp {n}", account_ref=f"98700{n:05d}",
                                         access_token="meta-access-token", ai_mode=ChannelAccount.AIMode.OFF)


def make_conversation(*, assignee: User | None = None, messages: Sequence[tuple[str, str]] = (),
                      account: ChannelAccount | None = None, name: str = "Rosa Quispe") -> Conversation:
    """A chat assigned to ``assignee`` with ``messages`` as (sender, text): sender "customer", "agent" or "ai"."""
    now = timezone.now()
    account = account or make_chat_account()
    conversation = Conversation.objects.create(
        contact=ContactFactory(name=name), channel_account=account, assignee=assignee, last_inbound_at=now,
        last_message_at=now,
    )
    for sender, text in messages:
        inbound = sender == "customer"
        Message.objects.create(
            conversation=conversation, channel_account=account, direction="in" if inbound else "out",
            sender=sender, status="received" if inbound else "sent", text=text,
            author=assignee if sender == "agent" else None,
        )
    return conversation


def make_audit(*, matrix: EvaluationMatrix, agent: User, analyst: User, call: Call | None = None,
               conversation: Conversation | None = None, answers: Mapping[Any, str] | None = None,
               status: str = Audit.Status.DRAFT, ai_answers: Mapping[Any, str] | None = None,
               recompute: bool = True) -> Audit:
    """An audit with one answer row per criterion of ``matrix``.

    ``answers`` / ``ai_answers`` map a criterion (object, id or text) to an answer ("yes", "partial", "no",
    "na", "1".."5"). With neither ``call`` nor ``conversation`` a completed call of ``agent`` is made. The
    scores are computed by ``quality.services.scoring.audit_recompute`` unless ``recompute`` is False.
    A status past draft sets ``submitted_at`` (and the matching dates) so the audit looks sent.
    """
    if call is None and conversation is None:
        call = make_call(agent=agent)
    now = timezone.now()
    audit = Audit.objects.create(
        matrix=matrix, call=call, conversation=conversation, agent=agent, team=agent.team, analyst=analyst,
        status=status,
        submitted_at=None if status == Audit.Status.DRAFT else now,
        acknowledged_at=now if status in (Audit.Status.ACKNOWLEDGED,) else None,
        disputed_at=now if status in (Audit.Status.DISPUTED, Audit.Status.RESOLVED) else None,
    )
    by_id = {c.pk: c for c in matrix.criteria.all()}
    by_text = {c.text: c for c in by_id.values()}

    def _key(key: Any) -> int:
        if isinstance(key, Criterion):
            return key.pk
        if isinstance(key, int):
            return key
        return by_text[key].pk

    given = {_key(k): v for k, v in (answers or {}).items()}
    ai_given = {_key(k): v for k, v in (ai_answers or {}).items()}
    AuditScore.objects.bulk_create([
        AuditScore(audit=audit, criterion_id=pk, answer=given.get(pk, ""), ai_answer=ai_given.get(pk, ""))
        for pk in sorted(by_id, key=lambda pk: (by_id[pk].section.position if by_id[pk].section else -1,
                                                by_id[pk].position, pk))
    ])
    if recompute:
        audit = audit_recompute(audit)
    return audit
