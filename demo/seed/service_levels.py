"""Issue 17's settings in the demo: which team serves each number, the company's business hours (Monday to
Saturday 9:00-19:00, Lima time), the next public holidays, the out-of-office answer, the satisfaction survey's
settings and a few automation rules a supervisor would write first.

Seeded after the month's stories (so none of it changes how they played). Every row is keyed on a natural key
(the team of a number is set only when none is; hours per weekday; holidays per date; rules per name), so a
second run adds nothing and leaves what an admin changed alone.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, time

from accounts.models import Team
from automations.models import ActionKind, AutomationAction, AutomationRule, HoursCondition, Trigger
from conversations.models import ChannelAccount, Conversation
from conversations.selectors import CHANNEL_ACCOUNT_TEAMS_KEY
from core.config_cache import config_invalidate
from csat.services import csat_settings_get
from demo.seed.context import SeedContext
from integrations.base import Provider
from sla.models import BusinessHours, Holiday, ServiceHours
from sla.selectors import SLA_CONFIG_KEY
from tickets.models import Priority, TicketCategory

LIMA = "America/Lima"
OPENS, CLOSES = time(9, 0), time(19, 0)
WORKDAYS = range(0, 6)  # Monday to Saturday
# Peru's public holidays (month, day, name): the demo marks the next two from today.
PERU_HOLIDAYS = [
    (1, 1, "Año Nuevo"), (5, 1, "Día del Trabajo"), (6, 7, "Batalla de Arica y Día de la Bandera"),
    (6, 29, "San Pedro y San Pablo"), (7, 23, "Día de la Fuerza Aérea"), (7, 28, "Fiestas Patrias"),
    (7, 29, "Fiestas Patrias"), (8, 6, "Batalla de Junín"), (8, 30, "Santa Rosa de Lima"),
    (10, 8, "Combate de Angamos"), (11, 1, "Día de Todos los Santos"), (12, 8, "Inmaculada Concepción"),
    (12, 9, "Batalla de Ayacucho"), (12, 25, "Navidad"),
]
AWAY_TEXT = ("Hola {nombre}, gracias por escribirnos. Nuestro horario de atención es de lunes a sábado de 9:00 a "
             "19:00 (hora de Lima), así que te responderemos {apertura}. Déjanos tu consulta y un asesor la verá "
             "apenas abramos.")
# The numbers' teams: WhatsApp (and the sandbox's pretend phone) is served by the Lima team, Instagram by Norte.
NUMBER_TEAMS = {"whatsapp": "Equipo Lima", "instagram": "Equipo Norte"}
SANDBOX_TEAM = "Equipo Lima"


@dataclass(frozen=True)
class DemoAction:
    kind: str
    tag_name: str = ""
    priority: str = ""
    text: str = ""
    ticket_category: str = ""
    ticket_priority: str = ""
    delay_minutes: int = 60
    notify_assignee: bool = False
    notify_supervisors: bool = False


@dataclass(frozen=True)
class DemoRule:
    name: str
    description: str
    trigger: str
    position: int = 100
    intent: str = ""
    text_contains: str = ""
    business_hours: str = HoursCondition.ANY
    lead_temperature: str = ""
    actions: tuple[DemoAction, ...] = field(default_factory=tuple)


RULES = [
    DemoRule(
        "Reclamo: etiqueta y prioridad urgente",
        "Cuando la IA lee un reclamo, la conversación se marca y sube a urgente. El ticket del reclamo lo abre "
        "la derivación a una persona (tickets), no esta regla.",
        Trigger.MESSAGE_RECEIVED, position=10, intent="complaint",
        actions=(DemoAction(ActionKind.ADD_TAG, tag_name="reclamo"),
                 DemoAction(ActionKind.SET_PRIORITY, priority=Conversation.Priority.URGENT)),
    ),
    DemoRule(
        "Libro de reclamaciones: ticket formal",
        "Un cliente que menciona el libro de reclamaciones o Indecopi: etiqueta, urgente y un ticket crítico "
        "de facturación para el equipo de Lima.",
        Trigger.MESSAGE_RECEIVED, position=20, text_contains="libro de reclamaciones, indecopi",
        actions=(DemoAction(ActionKind.ADD_TAG, tag_name="reclamo"),
                 DemoAction(ActionKind.SET_PRIORITY, priority=Conversation.Priority.URGENT),
                 DemoAction(ActionKind.CREATE_TICKET, text="Reclamo formal de {nombre}",
                            ticket_category="Reclamo de facturación", ticket_priority=Priority.CRITICAL)),
    ),
    DemoRule(
        "Fuera de horario: etiqueta",
        "Los mensajes que llegan fuera del horario de atención quedan etiquetados para la mañana siguiente.",
        Trigger.MESSAGE_RECEIVED, position=30, business_hours=HoursCondition.OUTSIDE,
        actions=(DemoAction(ActionKind.ADD_TAG, tag_name="fuera_de_horario"),),
    ),
    DemoRule(
        "Lead caliente: aviso al supervisor",
        "Cuando un lead pasa a caliente, el supervisor del equipo recibe un aviso.",
        Trigger.LEAD_HOT, position=10,
        actions=(DemoAction(ActionKind.NOTIFY, text="Lead caliente: {nombre}", notify_supervisors=True,
                            notify_assignee=True),),
    ),
    DemoRule(
        "Cotización vencida: seguimiento",
        "Una cotización que vence deja un seguimiento al asesor para el día siguiente.",
        Trigger.QUOTE_EXPIRED, position=10,
        actions=(DemoAction(ActionKind.CREATE_FOLLOWUP, delay_minutes=24 * 60,
                            text="Hola {nombre}, tu cotización venció. ¿Te preparo una nueva con los precios de "
                                 "hoy?"),),
    ),
]


def number_teams_ensure(ctx: SeedContext) -> int:
    """Give each demo number its team, unless an admin already chose one; how many were set."""
    teams = {team.name: team for team in Team.objects.filter(name__in=[*NUMBER_TEAMS.values(), SANDBOX_TEAM])}
    wanted = [(ctx.accounts.get(channel), name) for channel, name in NUMBER_TEAMS.items()]
    wanted += [(account, SANDBOX_TEAM) for account in ChannelAccount.objects.filter(provider=Provider.SANDBOX)]
    changed = 0
    for account, team_name in wanted:
        if account is None or team_name not in teams:
            continue
        changed += ChannelAccount.objects.filter(pk=account.pk, team__isnull=True).update(team=teams[team_name])
        account.refresh_from_db(fields=["team"])
    if changed:  # an update sends no signal: every process's copy of the numbers' teams goes
        config_invalidate(CHANNEL_ACCOUNT_TEAMS_KEY)
    return changed


def business_hours_ensure(ctx: SeedContext) -> dict[str, int]:
    """The company default: Monday to Saturday 9-19 in Lima, the out-of-office answer, the next two holidays."""
    hours, _ = ServiceHours.objects.get_or_create(
        team=None, defaults={"timezone": LIMA, "away_enabled": True, "away_text": AWAY_TEXT,
                             "ai_answers_out_of_hours": True})
    if not hours.away_text:
        ServiceHours.objects.filter(pk=hours.pk).update(away_text=AWAY_TEXT)
        config_invalidate(SLA_CONFIG_KEY)  # no signal from an update
    intervals = 0
    for weekday in WORKDAYS:
        _, created = BusinessHours.objects.get_or_create(service_hours=hours, weekday=weekday, opens=OPENS,
                                                         defaults={"closes": CLOSES})
        intervals += created
    today = ctx.now.astimezone(zoneinfo.ZoneInfo(LIMA)).date()
    holidays = 0
    for when, name in next_holidays(today, count=2):
        _, created = Holiday.objects.get_or_create(date=when, team=None, defaults={"name": name})
        holidays += created
    return {"intervals": intervals, "holidays": holidays}


def next_holidays(today: date, *, count: int) -> list[tuple[date, str]]:
    """The next ``count`` Peruvian public holidays from ``today`` (included)."""
    upcoming = sorted(
        (date(year, month, day_), name)
        for year in (today.year, today.year + 1) for month, day_, name in PERU_HOLIDAYS
        if date(year, month, day_) >= today
    )
    return upcoming[:count]


def csat_settings_ensure() -> None:
    """The survey's settings row (the defaults: ask, 24 h to answer, 1-2 is low)."""
    csat_settings_get()


def automation_rules_ensure() -> int:
    """The demo's rules, each with its actions; a rule already there (by name) is left as it is."""
    categories = {c.name: c for c in TicketCategory.objects.all()}
    created_rules = 0
    for spec in RULES:
        if AutomationRule.objects.filter(name=spec.name).exists():
            continue
        rule = AutomationRule.objects.create(
            name=spec.name, description=spec.description, trigger=spec.trigger, position=spec.position,
            intent=spec.intent, text_contains=spec.text_contains, business_hours=spec.business_hours,
            lead_temperature=spec.lead_temperature, is_active=True)
        for position, action in enumerate(spec.actions, start=1):
            step = AutomationAction(
                rule=rule, position=position, kind=action.kind, tag_name=action.tag_name, priority=action.priority,
                text=action.text, ticket_category=categories.get(action.ticket_category),
                ticket_priority=action.ticket_priority, delay_minutes=action.delay_minutes,
                notify_assignee=action.notify_assignee, notify_supervisors=action.notify_supervisors)
            step.full_clean(exclude=["rule"])
            step.save()
        created_rules += 1
    return created_rules
