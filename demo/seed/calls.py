"""Phone calls: the call scripts for mobile plans and home internet, the watch list, and a handful of calls of
the demo agents with their customers (an inbound call answered, transcribed and read by the AI; an outbound
call completed; a missed call; a voicemail nobody holds yet), so calls show in admin and the panel.

The calls are stored as plain data (no Twilio, no transcription provider): their transcript and AI reading are
written as the transcription and analysis tasks would leave them. Keyed on the CallSid (``CAdemo…``), the script
name and the watch-list phrase, so a second run adds nothing. ``seed_demo --reset`` deletes the calls
(``DEMO_SID_PREFIX``); scripts and the watch list stay, like the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from calls.models import Call, CallScript, CallScriptStep, WatchKeyword
from conversations.models import Conversation
from demo.seed.context import SeedContext
from operators.models import Category, Operator

DEMO_SID_PREFIX = "CAdemo"
SHOP_NUMBER = "+5116407000"  # the shop's voice line in the demo

# (kind, title, what to say, objection, cues)
SCRIPTS: dict[str, tuple[str, str, list[tuple[str, str, str, str, list[str]]]]] = {
    "Planes móviles — portabilidad": (Category.MOBILE, "Portabilidad", [
        ("opening", "Saludo y aviso de grabación",
         "Buenos días, le habla {agente} de TelcoShop. Le aviso que la llamada se graba para fines de calidad. "
         "¿Tiene un minuto para contarle de nuestros planes?", "",
         ["le habla", "se graba", "tiene un minuto"]),
        ("discovery", "Operador y gasto actual",
         "¿Con qué operador está hoy y cuánto paga al mes? ¿Cuántos gigas usa normalmente?", "",
         ["qué operador", "cuánto paga", "cuántos gigas"]),
        ("discovery", "Uso del plan",
         "¿Usa más datos, llamadas o redes sociales? ¿Comparte internet con otros equipos?", "",
         ["redes sociales", "llamadas ilimitadas", "datos"]),
        ("objection", "Precio", "Entiendo. Con la portabilidad tiene 50 % de descuento los primeros 6 meses "
         "y las redes sociales no consumen sus gigas.", "Está muy caro",
         ["descuento", "primeros 6 meses", "primeros meses"]),
        ("objection", "Ya tengo contrato", "La portabilidad no tiene costo, conserva su número y el cambio se "
         "hace en 24 horas.", "Ya tengo un contrato con mi operador",
         ["conserva su número", "sin costo", "24 horas"]),
        ("closing", "Cierre", "¿Le parece si hacemos la portabilidad ahora? Solo necesito su DNI y le llegará "
         "un SMS de confirmación.", "", ["dni", "hacemos la portabilidad", "sms"]),
    ]),
    "Internet hogar — fibra": (Category.INTERNET_HOME, "", [
        ("opening", "Saludo y aviso de grabación",
         "Buenas tardes, le habla {agente} de TelcoShop. La llamada se graba para fines de calidad. "
         "Le llamo por el internet de fibra que consultó.", "", ["le habla", "se graba", "fibra"]),
        ("discovery", "Cobertura", "¿Me confirma su dirección y distrito para validar la cobertura?", "",
         ["dirección", "distrito", "cobertura"]),
        ("discovery", "Uso en casa", "¿Cuántas personas se conectan? ¿Alguien trabaja o estudia desde casa, "
         "ve series o juega en línea?", "", ["cuántas personas", "trabaja", "series"]),
        ("objection", "Instalación", "La instalación es gratuita y se hace en 48 a 72 horas; el técnico deja "
         "el router configurado.", "La instalación demora mucho", ["instalación gratuita", "48", "técnico"]),
        ("closing", "Agenda de instalación", "¿Qué día le acomoda para la instalación, en la mañana o en la "
         "tarde?", "", ["qué día", "en la mañana", "en la tarde"]),
    ]),
}

# Competitors worth hearing about on a call: the ones the shop does not sell (its operators are its own).
COMPETITOR_CANDIDATES = ["Claro", "Movistar", "Entel", "Bitel", "WOM", "Tigo", "Virgin", "Win"]
CANCELLATION_WORDS = ["dar de baja", "cancelar", "portarme"]
COMPLAINT_WORDS = ["reclamo", "Indecopi"]


def _hit(phrase: str, kind: str, source: str = "watch", step: str = "", count: int = 1) -> dict[str, Any]:
    """A keyword heard, as ``ai.calls.KeywordHit`` is stored in ``Call.analysis``."""
    return {"phrase": phrase, "kind": kind, "count": count, "source": source, "step": step}


def _step(key: str, title: str, kind: str, cue: str) -> dict[str, Any]:
    """A script step and whether the transcript showed it, as ``ai.calls.StepResult`` is stored."""
    return {"key": key, "title": title, "kind": kind, "required": True, "covered": bool(cue), "cue": cue,
            "scored": True}


@dataclass(frozen=True)
class DemoCall:
    sid: str
    agent: str | None  # a demo username; None: nobody holds it (a voicemail)
    direction: str
    status: str
    days_ago: int
    hour: int
    duration: int
    script: str = ""
    is_voicemail: bool = False
    outcome: str = ""
    notes: str = ""
    transcript: list[tuple[str, float, str]] = field(default_factory=list)  # (speaker, start, text)
    reading: dict[str, Any] = field(default_factory=dict)


CALLS = [
    DemoCall(
        "CAdemo0001inboundanswered", "agente1", Call.Direction.INBOUND, Call.Status.COMPLETED, 2, 11, 214,
        script="Planes móviles — portabilidad", outcome=Call.Outcome.INTERESTED,
        notes="Quiere portar dos líneas; enviar cotización por WhatsApp.",
        transcript=[
            ("agent", 0.0, "Buenos días, le habla Lucía de TelcoShop. Le aviso que la llamada se graba para fines "
                           "de calidad. ¿En qué le puedo ayudar?"),
            ("customer", 7.5, "Hola, tengo un plan con Virgin y pago 65 soles, pero se me acaban los datos. "
                              "Estoy pensando en portarme."),
            ("agent", 16.0, "Claro que sí. ¿Cuántos gigas usa normalmente? ¿Usa más redes sociales o llamadas?"),
            ("customer", 22.5, "Sobre todo redes sociales y videos, unos 30 gigas."),
            ("agent", 29.0, "Con la portabilidad tiene 50 % de descuento los primeros 6 meses, conserva su número "
                            "y las redes sociales no consumen sus gigas."),
            ("customer", 41.0, "Suena bien. ¿Y si también porto la línea de mi hijo?"),
            ("agent", 46.5, "Le preparo una cotización por las dos líneas y se la envío por WhatsApp."),
        ],
        reading={
            "sentiment": "positive", "sentiment_score": 0.42,
            "intents": [{"intent": "price_query", "count": 2}, {"intent": "purchase_intent", "count": 1}],
            "main_intent": "price_query",
            "keywords": [_hit("Virgin", "competitor"), _hit("portarme", "cancellation"),
                         _hit("le habla", "opening", "script", "1"), _hit("se graba", "opening", "script", "1"),
                         _hit("cuántos gigas", "discovery", "script", "2"),
                         _hit("redes sociales", "discovery", "script", "3", count=2),
                         _hit("descuento", "objection", "script", "4"),
                         _hit("conserva su número", "objection", "script", "5")],
            "outcome": "interested", "next_action": "Enviar cotización de dos líneas por WhatsApp hoy",
            "script_adherence": 83,
            "steps": [_step("1", "Saludo y aviso de grabación", "opening", "le habla"),
                      _step("2", "Operador y gasto actual", "discovery", "cuántos gigas"),
                      _step("3", "Uso del plan", "discovery", "redes sociales"),
                      _step("4", "Precio", "objection", "descuento"),
                      _step("5", "Ya tengo contrato", "objection", "conserva su número"),
                      _step("6", "Cierre", "closing", "")],
            "entities": {"service_type": "mobile", "product_terms": ["plan", "gigas"]},
            "provider": "local", "fallback": False, "notes": [],
        },
    ),
    DemoCall("CAdemo0002outboundcompleted", "agente2", Call.Direction.OUTBOUND, Call.Status.COMPLETED, 1, 16, 388,
             script="Internet hogar — fibra", outcome=Call.Outcome.CALLBACK,
             notes="Valida cobertura en Surco; volver a llamar el jueves por la tarde."),
    DemoCall("CAdemo0003inboundmissed", "agente3", Call.Direction.INBOUND, Call.Status.NO_ANSWER, 1, 19, 0,
             outcome=Call.Outcome.NO_ANSWER),
    DemoCall("CAdemo0004voicemail", None, Call.Direction.INBOUND, Call.Status.COMPLETED, 0, 21, 24,
             is_voicemail=True,
             transcript=[("customer", 0.0, "Hola, llamo porque quiero dar de baja mi plan de internet, "
                                           "por favor devuélvanme la llamada.")],
             reading={"sentiment": "negative", "sentiment_score": -0.5,
                      "intents": [{"intent": "support_issue", "count": 1}], "main_intent": "support_issue",
                      "keywords": [_hit("dar de baja", "cancellation")], "outcome": "support",
                      "next_action": "Devolver la llamada hoy y ofrecer retención antes de la baja",
                      "script_adherence": None, "steps": [], "entities": {"service_type": "internet_home"},
                      "provider": "local", "fallback": False, "notes": []}),
]


def scripts_ensure() -> int:
    """The two default scripts with their steps, if missing; how many scripts were added."""
    added = 0
    for name, (category, campaign, steps) in SCRIPTS.items():
        script, created = CallScript.objects.get_or_create(name=name,
                                                           defaults={"category": category, "campaign": campaign})
        if not created:
            continue
        added += 1
        CallScriptStep.objects.bulk_create([
            CallScriptStep(script=script, kind=kind, position=position, title=title,
                           text=text.replace("{agente}", "[su nombre]"), objection=objection, cues="\n".join(cues))
            for position, (kind, title, text, objection, cues) in enumerate(steps, start=1)
        ])
    return added


def watch_list_ensure() -> int:
    """Competitors the shop does not sell, cancellation and complaint words; how many were added."""
    own = {name.casefold() for name in Operator.objects.values_list("name", flat=True)}
    words = [(name, WatchKeyword.Kind.COMPETITOR) for name in COMPETITOR_CANDIDATES if name.casefold() not in own]
    words += [(word, WatchKeyword.Kind.CANCELLATION) for word in CANCELLATION_WORDS]
    words += [(word, WatchKeyword.Kind.COMPLAINT) for word in COMPLAINT_WORDS]
    return sum(WatchKeyword.objects.get_or_create(phrase=phrase, defaults={"kind": kind})[1]
               for phrase, kind in words)


def _customer_of(agent_username: str | None, ctx: SeedContext, skip: int) -> Conversation | None:
    """One of the agent's conversations (the unassigned queue's for nobody), to call its customer."""
    qs = Conversation.objects.select_related("contact", "lead").order_by("pk")
    qs = qs.filter(assignee=ctx.users[agent_username]) if agent_username else qs.filter(assignee=None)
    return qs[skip:skip + 1].first() or qs.first()


def calls_ensure(ctx: SeedContext) -> int:
    """The demo's calls not stored yet (by CallSid); how many were added."""
    added = 0
    for index, spec in enumerate(CALLS):
        if Call.objects.filter(call_sid=spec.sid).exists():
            continue
        conversation = _customer_of(spec.agent, ctx, skip=index)
        contact = conversation.contact if conversation else None
        customer = (contact.phone if contact and contact.phone else "+51900000000")
        day = timezone.localtime(ctx.now) - timedelta(days=spec.days_ago)
        started = ctx.clamp(day.replace(hour=spec.hour, minute=10 + 7 * index, second=0, microsecond=0))
        answered = spec.status == Call.Status.COMPLETED
        inbound = spec.direction == Call.Direction.INBOUND
        segments = []
        for number, (speaker, start, text) in enumerate(spec.transcript):
            following = spec.transcript[number + 1][1] if number + 1 < len(spec.transcript) else spec.duration
            segments.append({"speaker": speaker, "start": start, "end": following, "text": text})
        reading = dict(spec.reading)
        script = CallScript.objects.filter(name=spec.script).first() if spec.script else None
        if reading:
            reading["script"] = {"id": script.pk, "name": script.name} if script else None
        Call.objects.create(
            call_sid=spec.sid, agent=ctx.users[spec.agent] if spec.agent else None, contact=contact,
            lead=conversation.lead if conversation else None, conversation=conversation, script=script,
            direction=spec.direction, status=spec.status,
            from_number=customer if inbound else SHOP_NUMBER, to_number=SHOP_NUMBER if inbound else customer,
            started_at=started, answered_at=started + timedelta(seconds=8) if answered else None,
            ended_at=started + timedelta(seconds=spec.duration + (8 if answered else 30)),
            duration=spec.duration, is_voicemail=spec.is_voicemail, outcome=spec.outcome, notes=spec.notes,
            transcript_state=Call.TranscriptState.DONE if segments else Call.TranscriptState.NONE,
            transcript=" ".join(text for _speaker, _start, text in spec.transcript),
            transcript_segments=segments, transcribed_at=started + timedelta(minutes=5) if segments else None,
            analysis=reading, sentiment=reading.get("sentiment", ""), ai_outcome=reading.get("outcome", ""),
            next_action=reading.get("next_action", ""), script_adherence=reading.get("script_adherence"),
            analyzed_at=started + timedelta(minutes=6) if reading else None,
        )
        added += 1
    return added
