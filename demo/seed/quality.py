"""Quality: two published scorecards in Spanish ("Ventas telefónicas" for calls, "Atención por chat" for chats)
and a few audits of the demo's calls and conversations in each state of their life (a draft with the AI's
proposals, sent, acknowledged, disputed, and a dispute resolved by amending the audit).

Each criterion carries the evidence words (and failure words) a quality team would listen for, so the local AI
pre-scoring finds them in the demo transcripts. The audits are made as the audit page makes them: one answer
row per criterion, the AI's proposals (``quality.services.prescoring``), then the analyst's answers where they
differ, scored by ``quality.services.scoring.audit_recompute``.

Keyed on the matrix code (version 1) and, for an audit, on its matrix code and subject (the call's CallSid or
the conversation's customer phone), so a second run adds nothing. ``seed_demo --reset`` deletes the calls and
conversations, and their audits with them; the matrices stay, like the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count

from accounts.models import User
from calls.models import Call
from conversations.models import Conversation
from demo.seed.context import SeedContext
from quality.models import Audit, AuditScore, Criterion, EvaluationMatrix, MatrixSection
from quality.services.matrices import matrix_publish
from quality.services.prescoring import audit_prescore
from quality.services.scoring import audit_recompute

YES_NO, PARTIAL, SCALE = (Criterion.AnswerType.YES_NO, Criterion.AnswerType.YES_NO_PARTIAL,
                          Criterion.AnswerType.SCALE)
ANALYST = "supervisor"  # the demo supervisor leads both teams: she is the quality analyst


@dataclass(frozen=True)
class DemoCriterion:
    text: str
    weight: int = 1
    answer_type: str = YES_NO
    is_critical: bool = False
    allow_na: bool = False
    keywords: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    speaker: str = "agent"
    guidance: str = ""


@dataclass(frozen=True)
class DemoMatrix:
    code: str
    name: str
    channel: str
    passing_score: int
    description: str
    sections: tuple[tuple[str, tuple[DemoCriterion, ...]], ...]


MATRICES = (
    DemoMatrix(
        "ventas-telefonicas", "Ventas telefónicas", EvaluationMatrix.Channel.CALL, 80,
        "Llamadas de venta de planes móviles, portabilidad e internet hogar.",
        (
            ("Saludo", (
                DemoCriterion("Saluda y se presenta con su nombre y la empresa", 1,
                              keywords=("buenos días", "buenas tardes", "buenas noches", "le habla",
                                        "mi nombre es", "de TelcoShop"),
                              guidance="Saludo, nombre del asesor y TelcoShop en los primeros segundos."),
                DemoCriterion("Usa un tono cordial y empático", 2, SCALE,
                              keywords=("con gusto", "claro que sí", "entiendo", "por supuesto", "gracias"),
                              negative=("no es mi problema", "no puedo hacer nada", "ya le dije"),
                              guidance="1: descortés · 3: correcto · 5: cálido y atento en toda la llamada."),
            )),
            ("Sondeo", (
                DemoCriterion("Identifica el operador y el gasto actual del cliente", 2, PARTIAL,
                              keywords=("qué operador", "con qué operador", "cuánto paga", "plan actual",
                                        "pago"), speaker=""),
                DemoCriterion("Pregunta por el uso: datos, llamadas o redes sociales", 2, PARTIAL,
                              keywords=("cuántos gigas", "redes sociales", "usa más", "cuántas personas",
                                        "para qué lo usa")),
            )),
            ("Oferta", (
                DemoCriterion("Presenta una oferta acorde a la necesidad", 3, PARTIAL,
                              keywords=("portabilidad", "descuento", "le recomiendo", "el plan de", "fibra",
                                        "primeros 6 meses")),
                DemoCriterion("Responde las objeciones con beneficios", 2, PARTIAL, allow_na=True,
                              keywords=("conserva su número", "sin costo", "instalación gratuita",
                                        "no consumen sus gigas", "en 24 horas")),
            )),
            ("Cierre", (
                DemoCriterion("Propone el siguiente paso o el cierre de la venta", 2,
                              keywords=("cotización", "le envío", "hacemos la portabilidad", "qué día le acomoda",
                                        "su DNI")),
                DemoCriterion("Confirma los datos del cliente antes de cerrar", 1, allow_na=True,
                              keywords=("le confirmo", "me confirma", "su número es", "queda registrado",
                                        "su correo")),
            )),
            ("Cumplimiento", (
                DemoCriterion("Informa que la llamada es grabada", 2, is_critical=True,
                              keywords=("se graba", "es grabada", "será grabada", "está siendo grabada",
                                        "grabando esta llamada"),
                              guidance="Aviso obligatorio al inicio de la llamada (protección de datos)."),
                DemoCriterion("No promete precios fuera del catálogo", 2, is_critical=True,
                              negative=("precio especial solo para usted", "se lo dejo en", "descuento extra",
                                        "por debajo del precio", "le regalo"),
                              guidance="Solo precios y promociones vigentes del catálogo."),
            )),
        ),
    ),
    DemoMatrix(
        "atencion-chat", "Atención por chat", EvaluationMatrix.Channel.CHAT, 75,
        "Conversaciones de WhatsApp e Instagram con clientes.",
        (
            ("Bienvenida", (
                DemoCriterion("Saluda por el nombre y se presenta", 1,
                              keywords=("hola", "soy", "bienvenida", "bienvenido", "buen día")),
                DemoCriterion("Responde dentro del tiempo esperado", 2, PARTIAL,
                              guidance="Primera respuesta en menos de 5 minutos en horario de tienda."),
            )),
            ("Comprensión", (
                DemoCriterion("Entiende la necesidad y hace preguntas", 2, PARTIAL,
                              keywords=("me confirmas", "me compartes", "cuéntame", "tu dirección",
                                        "prepago o postpago", "qué plan")),
            )),
            ("Solución", (
                DemoCriterion("Ofrece productos del catálogo con precio y condiciones", 3, PARTIAL,
                              keywords=("al mes", "está a", "cotización", "es gratis", "envío a")),
                DemoCriterion("Redacción clara y amable", 2, SCALE,
                              keywords=("gracias", "con gusto", "listo", "perfecto", "quedo atenta"),
                              negative=("no sé", "pregunte en otro lado", "no es mi área")),
            )),
            ("Cierre", (
                DemoCriterion("Acuerda el siguiente paso con el cliente", 2, allow_na=True,
                              keywords=("te envío", "te mando", "instalación", "te escribo", "link de pago",
                                        "quedo atenta")),
            )),
            ("Cumplimiento", (
                DemoCriterion("No pide claves ni datos de tarjeta por chat", 2, is_critical=True,
                              negative=("número de tarjeta", "tu clave", "contraseña", "código de verificación")),
                DemoCriterion("No promete precios fuera del catálogo", 2, is_critical=True,
                              negative=("precio especial solo para ti", "te lo dejo en", "descuento extra",
                                        "te regalo")),
            )),
        ),
    ),
)


@dataclass(frozen=True)
class DemoAudit:
    matrix: str
    status: str
    call_sid: str = ""  # the subject: a demo call, or the conversation with this customer phone
    phone: str = ""
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)  # criterion -> (answer, comment)
    feedback: str = ""
    agent_comment: str = ""
    dispute_reason: str = ""
    amended: dict[str, tuple[str, str]] = field(default_factory=dict)  # the resolution's changed answers
    resolution_note: str = ""
    default: str = "yes"  # the analyst's answer where neither they nor the AI gave one (a sent audit is complete)


AUDITS = (
    DemoAudit(
        "ventas-telefonicas", Audit.Status.ACKNOWLEDGED, call_sid="CAdemo0001inboundanswered",
        answers={"Usa un tono cordial y empático": ("5", "Muy cordial, escucha y responde con beneficios."),
                 "Confirma los datos del cliente antes de cerrar": (
                     "no", "No confirmó el número de la segunda línea antes de ofrecer la cotización.")},
        feedback="Muy buena llamada: aviso de grabación, sondeo y oferta claros. Antes de cerrar, confirma los "
                 "datos del cliente (número y titular de cada línea).",
        agent_comment="Gracias, en la próxima confirmo los datos antes de enviar la cotización.",
    ),
    DemoAudit(
        "ventas-telefonicas", Audit.Status.SUBMITTED, call_sid="CAdemo0002outboundcompleted",
        answers={"Informa que la llamada es grabada": ("no", "No dio el aviso de grabación al inicio (0:05)."),
                 "Identifica el operador y el gasto actual del cliente": (
                     "partial", "Preguntó el operador, no el gasto."),
                 "Responde las objeciones con beneficios": ("na", "El cliente no planteó objeciones."),
                 "Usa un tono cordial y empático": ("4", "")},
        feedback="La oferta de fibra estuvo bien explicada, pero el aviso de grabación es obligatorio en toda "
                 "llamada: sin él la auditoría queda en 0. Repasa el guion de apertura.",
    ),
    DemoAudit(
        "atencion-chat", Audit.Status.RESOLVED, phone="+51949112873",  # Ximena, Trujillo (Valeria)
        answers={"Responde dentro del tiempo esperado": ("partial", "La primera respuesta tardó unos 12 minutos."),
                 "Entiende la necesidad y hace preguntas": (
                     "partial", "La clienta ya dio zona y presupuesto; no preguntó cuántas personas se conectan."),
                 "Redacción clara y amable": ("5", "")},
        feedback="Excelente atención y cierre de la venta. Cuida el tiempo de la primera respuesta.",
        dispute_reason="Ese día la clienta escribió a las 9:40, antes de abrir la tienda; respondí apenas abrimos.",
        amended={"Responde dentro del tiempo esperado": ("yes", "Fuera del horario de tienda: no cuenta.")},
        resolution_note="Se corrige: el mensaje llegó antes del horario de atención.",
    ),
    DemoAudit(
        "atencion-chat", Audit.Status.DISPUTED, phone="+51974458120",  # César, Chiclayo (Valeria)
        answers={"Acuerda el siguiente paso con el cliente": (
                     "no", "El cliente preguntó por el descuento en efectivo y quedó sin respuesta."),
                 "Entiende la necesidad y hace preguntas": (
                     "partial", "Ofreció una alternativa, pero no preguntó para qué usará el equipo."),
                 "Redacción clara y amable": ("4", ""),
                 "Responde dentro del tiempo esperado": ("yes", "")},
        feedback="Buena alternativa al equipo agotado. Cuando el cliente pregunta por un descuento, respóndele "
                 "aunque sea para decirle que lo estás consultando.",
        dispute_reason="Estaba esperando la respuesta de la supervisora sobre el 5 %; lo dejé anotado en la "
                       "conversación.",
    ),
    DemoAudit("atencion-chat", Audit.Status.DRAFT, phone="+51956310842"),  # Jorge, portabilidad (Lucía)
)


def matrices_ensure() -> int:
    """The two scorecards (version 1, published) if missing; how many were added."""
    added = 0
    for spec in MATRICES:
        if EvaluationMatrix.objects.filter(code=spec.code).exists():
            continue
        matrix = EvaluationMatrix.objects.create(
            code=spec.code, version=1, name=spec.name, description=spec.description, channel=spec.channel,
            passing_score=spec.passing_score, status=EvaluationMatrix.Status.DRAFT,
        )
        position = 0
        for section_position, (section_name, criteria) in enumerate(spec.sections):
            section = MatrixSection.objects.create(matrix=matrix, name=section_name, position=section_position)
            for c in criteria:
                Criterion.objects.create(
                    matrix=matrix, section=section, position=position, text=c.text, guidance=c.guidance,
                    weight=c.weight, is_critical=c.is_critical, answer_type=c.answer_type, allow_na=c.allow_na,
                    keywords="\n".join(c.keywords), negative_keywords="\n".join(c.negative), speaker=c.speaker,
                )
                position += 1
        matrix_publish(matrix)
        added += 1
    return added


def _subject(spec: DemoAudit) -> tuple[Call | None, Conversation | None, User | None, datetime | None]:
    if spec.call_sid:
        call = Call.objects.select_related("agent").filter(call_sid=spec.call_sid).first()
        return (call, None, call.agent, call.ended_at or call.started_at) if call else (None, None, None, None)
    conversation = (Conversation.objects.select_related("assignee").filter(contact__phone=spec.phone)
                    .order_by("pk").first())
    if conversation is None:
        return None, None, None, None
    return None, conversation, conversation.assignee, conversation.last_message_at or conversation.created_at


def _answer(rows: dict[str, AuditScore], answers: dict[str, tuple[str, str]]) -> None:
    for text, (answer, comment) in answers.items():
        row = rows[text]
        row.answer, row.comment = answer, comment
        if answer != row.ai_answer:  # the analyst's own reading: the AI's quote is not their evidence
            row.evidence, row.evidence_at = "", None


def _audit_make(spec: DemoAudit, ctx: SeedContext, matrix: EvaluationMatrix) -> Audit | None:
    call, conversation, agent, when = _subject(spec)
    if agent is None or when is None:
        return None  # the call or conversation is not in this database (or nobody handled it)
    subject = {"call": call} if call else {"conversation": conversation}
    if Audit.objects.filter(matrix__code=spec.matrix, **subject).exists():
        return None
    analyst = ctx.users[ANALYST]
    audit = Audit.objects.create(matrix=matrix, agent=agent, team=agent.team, analyst=analyst, **subject)
    AuditScore.objects.bulk_create([
        AuditScore(audit=audit, criterion=c)
        for c in matrix.criteria.order_by("section__position", "position", "pk")
    ])
    audit = audit_prescore(audit)  # the local rules' proposals, pre-filled where the analyst has not answered
    if spec.status != Audit.Status.DRAFT:
        rows = {row.criterion.text: row for row in audit.scores.select_related("criterion")}
        _answer(rows, spec.answers)
        for row in rows.values():
            if not row.answer:
                row.answer = "4" if row.criterion.answer_type == SCALE else spec.default
        AuditScore.objects.bulk_update(rows.values(), ["answer", "comment", "evidence", "evidence_at"])
    audit = audit_recompute(audit)
    _life(audit, spec, ctx, start=when)
    return audit


def _life(audit: Audit, spec: DemoAudit, ctx: SeedContext, *, start: datetime) -> None:
    """Date the audit after its subject, and walk it to its state (sent, acknowledged, disputed, resolved)."""
    created = ctx.clamp(start + timedelta(hours=2))
    values: dict[str, Any] = {"created_at": created, "feedback": spec.feedback}
    steps = [Audit.Status.SUBMITTED, Audit.Status.ACKNOWLEDGED, Audit.Status.DISPUTED, Audit.Status.RESOLVED]
    reached = steps[:steps.index(spec.status) + 1] if spec.status in steps else []
    if Audit.Status.SUBMITTED in reached:
        values["submitted_at"] = ctx.clamp(created + timedelta(minutes=40))
    if spec.status == Audit.Status.ACKNOWLEDGED:
        values.update(acknowledged_at=ctx.clamp(created + timedelta(hours=3)), agent_comment=spec.agent_comment)
    if spec.status in (Audit.Status.DISPUTED, Audit.Status.RESOLVED):
        values.update(disputed_at=ctx.clamp(created + timedelta(hours=3)), dispute_reason=spec.dispute_reason)
    if spec.status == Audit.Status.RESOLVED:
        rows = {row.criterion.text: row for row in audit.scores.select_related("criterion")}
        _answer(rows, spec.amended)
        AuditScore.objects.bulk_update(rows.values(), ["answer", "comment", "evidence", "evidence_at"])
        audit_recompute(audit)
        values.update(resolution=Audit.Resolution.AMENDED if spec.amended else Audit.Resolution.UPHELD,
                      resolution_note=spec.resolution_note, resolved_by=ctx.users[ANALYST],
                      resolved_at=ctx.clamp(created + timedelta(hours=20)))
    Audit.objects.filter(pk=audit.pk).update(status=spec.status, **values)


def audits_ensure(ctx: SeedContext) -> int:
    """The demo's audits not made yet; how many were added."""
    matrices = {m.code: m for m in EvaluationMatrix.objects.filter(
        code__in=[spec.code for spec in MATRICES], status=EvaluationMatrix.Status.PUBLISHED)}
    added = 0
    for spec in AUDITS:
        matrix = matrices.get(spec.matrix)
        if matrix is not None and _audit_make(spec, ctx, matrix) is not None:
            added += 1
    return added


def quality_line() -> str:
    """What the quality section holds now, for the seed's summary."""
    matrices = EvaluationMatrix.objects.filter(status=EvaluationMatrix.Status.PUBLISHED)
    criteria = Criterion.objects.filter(matrix__in=matrices)
    states = dict(Audit.objects.order_by().values_list("status").annotate(n=Count("pk")))
    scored = Audit.objects.exclude(status=Audit.Status.DRAFT).exclude(score=None)
    average = scored.aggregate(avg=Avg("score"))["avg"]
    agreement = Audit.objects.exclude(ai_agreement=None).aggregate(avg=Avg("ai_agreement"))["avg"]
    return (
        f"Quality: {matrices.count()} published matrices ({criteria.count()} criteria, "
        f"{criteria.filter(is_critical=True).count()} critical); audits {sum(states.values())} ("
        + ", ".join(f"{status} {states.get(status, 0)}" for status in Audit.Status.values)
        + f"), {scored.filter(critical_failed=True).count()} with a failed critical criterion, average score "
        + (f"{average:.1f}" if average is not None else "-")
        + ", agreement with the AI " + (f"{agreement:.0f}%" if agreement is not None else "-")
    )


def quality_ensure(ctx: SeedContext) -> str:
    """The scorecards and the demo audits, if missing; the summary line with what was added."""
    new_matrices = matrices_ensure()
    new_audits = audits_ensure(ctx)
    return quality_line() + f"; new: {new_matrices} matrices, {new_audits} audits."
