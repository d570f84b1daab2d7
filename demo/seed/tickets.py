"""Tickets: categories routed to the demo's teams, and tickets in every state and priority on the stories'
customers, through tickets' own services, then dated back.

Each ticket is played as a few steps (opened, changed, assigned, commented) at once, through
``ticket_create``, ``ticket_update``, ``ticket_assign`` and ``ticket_comment_add``; the history rows,
comments and notices each step made then get the step's time, the SLA clocks are counted from the
ticket's own opening (``sla_due_times``), and ``tickets_check_sla`` marks what is late or close to it,
as the minute job would have. A reply to the customer goes through the conversation when its reply
window is open (else it is an internal note), and is recorded as delivered, like the stories' messages.

The complaints the AI handed over get their ticket through ``ticket_from_escalation``, the path the
``conversation.escalated`` subscriber takes (it finds them when the seed's events run after the commit),
and the customers' messages in conversations with an open ticket show on it (``ticket_customer_reply_add``,
what ``message.received`` does). Keyed on the contact and the subject (the AI's: on the conversation), so
a second run adds none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max

from accounts.models import Team, User
from calls.models import Call
from conversations.models import Conversation, Message
from demo.seed.context import DEMO_TAG, SeedContext
from leads.models import Contact
from notifications.models import Notification
from sales.models import Sale
from tickets.models import Priority, Ticket, TicketCategory, TicketComment, TicketEvent
from tickets.services import (
    COMPLAINT_REASONS,
    sla_due_times,
    sla_terms,
    ticket_assign,
    ticket_comment_add,
    ticket_create,
    ticket_customer_reply_add,
    ticket_from_escalation,
    ticket_update,
    ticket_url,
    tickets_check_sla,
)


@dataclass(frozen=True)
class DemoCategory:
    name: str
    team: str
    priority: str
    agents: tuple[str, ...] = ()  # named agents take its tickets in turn instead of the whole team


CATEGORIES = [
    DemoCategory("Reclamo de facturación", "Equipo Lima", Priority.HIGH),
    DemoCategory("Portabilidad", "Equipo Lima", Priority.MEDIUM, agents=("agente1",)),
    DemoCategory("Falla técnica", "Equipo Norte", Priority.HIGH),
    DemoCategory("Entrega e instalación", "Equipo Lima", Priority.MEDIUM),
]


@dataclass(frozen=True)
class Act:
    """One step of a ticket, ``minutes`` after the previous one: ``kind`` is state, assign, note or reply."""

    minutes: float
    kind: str
    by: str
    value: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoTicket:
    phone: str  # the story's customer (their latest conversation is linked)
    subject: str
    description: str
    category: str
    priority: str
    by: str  # who opens it from the panel
    minutes_ago: int  # when it was opened
    assignee: str | None = None  # None: assigned by turn (the category's agents, else the team's)
    acts: tuple[Act, ...] = ()
    with_sale: bool = False
    with_call: str = ""


def _state(minutes: float, by: str, state: str) -> Act:
    return Act(minutes, "state", by, state)


def _note(minutes: float, by: str, text: str) -> Act:
    return Act(minutes, "note", by, text)


def _reply(minutes: float, by: str, text: str) -> Act:
    return Act(minutes, "reply", by, text)


HOUR, DAY = 60, 24 * 60

TICKETS = [
    DemoTicket(  # open, high, close to its first-response deadline (warning), linked to a sale
        "+51981563327", "Entrega del iPhone 15: coordinar fecha y pago en cuotas",
        "La clienta pagará con tarjeta en 6 cuotas; coordinar la entrega una vez validada la venta.",
        "Entrega e instalación", Priority.HIGH, "agente1", 100, assignee="agente1", with_sale=True,
    ),
    DemoTicket(  # in progress, medium, both clocks late (breached), linked to a sale and a call
        "+51987412356", "Instalación de fibra no realizada en la fecha acordada",
        "El técnico no llegó el jueves; la clienta llamó para reclamar.",
        "Entrega e instalación", Priority.MEDIUM, "agente1", 4 * DAY, assignee="agente1", with_sale=True,
        with_call="CAdemo0001inboundanswered", acts=(
            _state(25, "agente1", Ticket.State.IN_PROGRESS),
            _note(3 * HOUR, "agente1", "Llamé a Claro: reprogramaron la visita técnica, aún sin fecha confirmada."),
            _note(DAY, "supervisor", "@agente1 insiste con Claro hoy, ya pasó el plazo."),
        ),
    ),
    DemoTicket(  # resolved, medium, within its time; the category's named agent
        "+51956310842", "Portabilidad a Entel: validar titularidad de la línea",
        "El cliente porta su línea de Movistar a Entel; falta confirmar que está a su nombre.",
        "Portabilidad", Priority.MEDIUM, "agente1", 2 * DAY - 3 * HOUR, assignee="agente1", acts=(
            _state(30, "agente1", Ticket.State.IN_PROGRESS),
            _note(4 * HOUR, "agente1", "Movistar confirma que la línea está a nombre de Jorge Ramos."),
            _state(18 * HOUR, "agente1", Ticket.State.RESOLVED),
        ),
    ),
    DemoTicket(  # closed by the supervisor, medium
        "+51985237710", "El chip Bitel no llegó en la fecha indicada",
        "El delivery del chip no llegó al día siguiente de la venta.",
        "Entrega e instalación", Priority.MEDIUM, "agente2", 14 * DAY, assignee="agente2", acts=(
            _state(40, "agente2", Ticket.State.IN_PROGRESS),
            _note(5 * HOUR, "agente2", "El courier confirma la entrega para mañana en la mañana."),
            _state(20 * HOUR, "agente2", Ticket.State.RESOLVED),
            _state(DAY, "supervisor", Ticket.State.CLOSED),
        ),
    ),
    DemoTicket(  # reopened, low: the customer came back
        "+51961184735", "Cargador de 20W no carga rápido: cambio por garantía",
        "Cargador comprado en tienda; se cambia por garantía con la boleta.",
        "Falla técnica", Priority.LOW, "agente1", 3 * DAY, assignee="agente1", acts=(
            _state(2 * HOUR, "agente1", Ticket.State.IN_PROGRESS),
            _state(DAY, "agente1", Ticket.State.RESOLVED),
            _state(DAY, "agente1", Ticket.State.REOPENED),
            _note(10, "agente1", "La clienta volvió: el cargador nuevo tampoco carga rápido. Revisar el cable."),
        ),
    ),
    DemoTicket(  # open, low, assigned by turn among Equipo Lima's agents
        "+51999620417", "Factura con RUC para la compra mayorista de cargadores",
        "El cliente necesita factura a nombre de Inversiones Chávez.",
        "Reclamo de facturación", Priority.LOW, "supervisor", 60,
    ),
    DemoTicket(  # closed, critical, resolved within its 8 hours
        "+51973318850", "Cobro duplicado en la tarjeta por el Galaxy A55",
        "La clienta ve dos cargos por la misma compra.",
        "Reclamo de facturación", Priority.CRITICAL, "agente1", 8 * DAY, assignee="agente1", acts=(
            _state(12, "agente1", Ticket.State.IN_PROGRESS),
            _note(20, "agente1", "Se pidió a la pasarela anular el segundo cargo."),
            _state(4 * HOUR, "agente1", Ticket.State.RESOLVED),
            _state(DAY, "backoffice", Ticket.State.CLOSED),
        ),
    ),
]

# What the team did on the complaint tickets the AI opened (by the customer's phone).
ESCALATION_ACTS: dict[str, tuple[Act, ...]] = {
    "+51996218437": (  # Víctor: the supervisor sorts it and hands it to Diego
        Act(4, "category", "supervisor", "Falla técnica"),
        Act(1, "assign", "supervisor", "agente2"),
        _note(1, "supervisor", "@agente2 cliente con 3 días sin internet, amenaza con Indecopi. Llámalo hoy."),
    ),
    "+51966721540": (  # Iván: Valeria works it and answers him in the chat
        _state(3, "agente3", Ticket.State.IN_PROGRESS),
        _note(2, "agente3", "Escalado a soporte Entel Trujillo, ticket 88231."),
        _reply(20, "agente3", "Iván, el técnico de Entel irá mañana entre 9 y 12 a revisar tu instalación. "
                              "Te aviso apenas confirme 🙏"),
    ),
}


def categories_ensure() -> dict[str, TicketCategory]:
    """The demo's categories by name (a category that exists is left as it is)."""
    teams = {team.name: team for team in Team.objects.filter(name__in={c.team for c in CATEGORIES})}
    categories: dict[str, TicketCategory] = {}
    for spec in CATEGORIES:
        category, created = TicketCategory.objects.get_or_create(
            name=spec.name, defaults={"team": teams.get(spec.team), "default_priority": spec.priority})
        if created and spec.agents:
            category.agents.set(User.objects.filter(username__in=spec.agents))
        categories[spec.name] = category
    return categories


def _conversation(phone: str) -> Conversation | None:
    return (Conversation.objects.filter(contact__phone=phone).select_related("contact", "lead", "assignee__team")
            .order_by("-created_at", "-pk").first())


class _Played:
    """A ticket's steps, each dated to its time once the services have done it."""

    def __init__(self, ctx: SeedContext, ticket: Ticket, start: datetime) -> None:
        self.ctx, self.ticket, self.start, self.at = ctx, ticket, start, start
        self.seen_event = self.seen_comment = self.seen_notice = 0
        self._collect(start, before={})

    def _snapshot(self) -> dict[str, datetime | None]:
        ticket = Ticket.objects.get(pk=self.ticket.pk)
        return {name: getattr(ticket, name) for name in ("first_responded_at", "resolved_at", "closed_at")}

    def _collect(self, moment: datetime, *, before: dict[str, datetime | None]) -> None:
        pk = self.ticket.pk
        events = TicketEvent.objects.filter(ticket_id=pk, pk__gt=self.seen_event)
        self.seen_event = max([self.seen_event, *events.values_list("pk", flat=True)])
        events.update(created_at=moment)
        comments = list(TicketComment.objects.filter(ticket_id=pk, pk__gt=self.seen_comment))
        for comment in comments:
            self.seen_comment = max(self.seen_comment, comment.pk)
            if comment.message_id:
                _message_delivered(comment.message_id, moment, self.ctx.now)
        TicketComment.objects.filter(pk__in=[c.pk for c in comments]).update(created_at=moment, updated_at=moment)
        notices = Notification.objects.filter(pk__gt=self.seen_notice, url=ticket_url(self.ticket))
        self.seen_notice = Notification.objects.aggregate(n=Max("pk"))["n"] or 0
        notices.update(created_at=moment, updated_at=moment)
        after = self._snapshot()
        moved = {name: moment for name, value in after.items() if value is not None and value != before.get(name)}
        if moved:
            Ticket.objects.filter(pk=pk).update(**moved)

    def act(self, act: Act, categories: dict[str, TicketCategory]) -> None:
        self.at = self.ctx.clamp(self.at + timedelta(minutes=act.minutes))
        actor = self.ctx.users[act.by]
        ticket = Ticket.objects.get(pk=self.ticket.pk)
        before = self._snapshot()
        if act.kind == "state":
            ticket_update(actor=actor, ticket=ticket, state=act.value)
        elif act.kind == "category":
            ticket_update(actor=actor, ticket=ticket, category=categories[act.value])
        elif act.kind == "assign":
            ticket_assign(actor=actor, ticket=ticket, assignee=self.ctx.users[act.value])
        elif act.kind == "reply" and ticket.conversation is not None and ticket.conversation.window_open():
            ticket_comment_add(actor=actor, ticket=ticket, body=act.value,
                               visibility=TicketComment.Visibility.CUSTOMER)
        else:  # a note, or a reply once the customer's window has closed
            ticket_comment_add(actor=actor, ticket=ticket, body=act.value)
        self._collect(self.at, before=before)

    def finish(self) -> None:
        """The SLA clocks counted from the opening; a clock stopped late is marked late."""
        ticket = Ticket.objects.get(pk=self.ticket.pk)
        first_due, resolution_due = sla_due_times(priority=ticket.priority, start=self.start)
        done = ticket.resolved_at or ticket.closed_at
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=self.start, updated_at=self.at, first_response_due_at=first_due,
            resolution_due_at=resolution_due, sla_warned_at=None,
            is_first_response_breached=bool(ticket.first_responded_at and ticket.first_responded_at > first_due),
            is_resolution_breached=bool(ticket.resolved_at and ticket.resolved_at > resolution_due)
            or bool(not ticket.is_active and done and done > resolution_due),
        )


def _message_delivered(message_id: int, moment: datetime, now: datetime) -> None:
    """A reply to the customer, recorded as handed over and delivered at its time (nothing is sent)."""
    Message.objects.filter(pk=message_id).update(
        created_at=moment, updated_at=moment, send_state=Message.SendState.DONE, status=Message.Status.DELIVERED,
        sent_at=moment + timedelta(seconds=1), delivered_at=min(moment + timedelta(seconds=3), now),
        status_timestamp=min(moment + timedelta(seconds=3), now))
    conversation_id = Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).get()
    messages = Message.objects.filter(conversation_id=conversation_id)
    Conversation.objects.filter(pk=conversation_id).update(
        last_message_at=messages.aggregate(t=Max("created_at"))["t"],
        last_outbound_at=messages.filter(direction=Message.Direction.OUT).aggregate(t=Max("created_at"))["t"])


def _escalation_reason(conversation: Conversation) -> tuple[str, Message] | None:
    """Why the AI first handed the conversation over, read back from its analysed messages the way
    ``ai.decide`` chose (a complaint, an ask for a person, strong negative mood, a support issue)."""
    inbound = conversation.messages.filter(direction=Message.Direction.IN).order_by("pk")
    for message in inbound:
        flags = message.ai_flags or {}
        if not flags.get("analyzed"):
            continue
        if message.intent == "support_issue":
            return "support_issue", message
        if message.intent == "complaint":
            return "complaint", message
        if message.intent == "human_request":
            return "human_request", message
        if message.sentiment == "negative" and (flags.get("sentiment_score") or 0) <= -0.6:
            return "negative_sentiment", message
    return None


def _escalations_ensure(ctx: SeedContext, categories: dict[str, TicketCategory]) -> int:
    """The AI's complaint tickets of the demo's conversations (the escalation subscriber's path)."""
    added = 0
    # A hand-over raises the conversation's priority (urgent for a complaint); the rest were never handed over.
    escalated = Conversation.objects.filter(priority__in=[Conversation.Priority.URGENT, Conversation.Priority.HIGH],
                                            contact__in=_demo_contacts()).select_related("contact").order_by("pk")
    for conversation in escalated:
        if Ticket.objects.filter(conversation=conversation, source=Ticket.Source.AI_ESCALATION).exists():
            continue
        found = _escalation_reason(conversation)
        if found is None or found[0] not in COMPLAINT_REASONS:
            continue
        reason, message = found
        ticket = ticket_from_escalation(conversation_id=conversation.pk, reason=reason)
        if ticket is None:
            continue
        played = _Played(ctx, ticket, ctx.clamp(message.created_at + timedelta(seconds=5)))
        for act in ESCALATION_ACTS.get(conversation.contact.phone, ()):
            played.act(act, categories)
        played.finish()
        added += 1
    return added


def _demo_contacts() -> Any:
    return Contact.objects.filter(pk__in=[pk for pk, tags in Contact.objects.values_list("pk", "tags")
                                          if DEMO_TAG in (tags or [])])


def _ticket_ensure(ctx: SeedContext, spec: DemoTicket, categories: dict[str, TicketCategory]) -> bool:
    conversation = _conversation(spec.phone)
    if conversation is None or Ticket.objects.filter(contact=conversation.contact, subject=spec.subject).exists():
        return False
    start = ctx.clamp(max(ctx.now - timedelta(minutes=spec.minutes_ago),
                          conversation.created_at + timedelta(minutes=2)))
    sale = Sale.objects.filter(contact=conversation.contact).order_by("-sold_at").first() if spec.with_sale else None
    call = Call.objects.filter(call_sid=spec.with_call).first() if spec.with_call else None
    ticket = ticket_create(
        actor=ctx.users[spec.by], subject=spec.subject, description=spec.description, priority=spec.priority,
        category=categories[spec.category], conversation=conversation, sale=sale, call=call,
        assignee=ctx.users[spec.assignee] if spec.assignee else None,
    )
    played = _Played(ctx, ticket, start)
    for act in spec.acts:
        played.act(act, categories)
    played.finish()
    return True


def _customer_lines_ensure(ctx: SeedContext) -> None:
    """What ``message.received`` does for a conversation with an open ticket: its customer's messages show
    on the ticket (dated when they came, or when the ticket opened for the earlier ones)."""
    open_tickets = Ticket.objects.filter(state__in=Ticket.ACTIVE_STATES, conversation__isnull=False,
                                         contact__in=_demo_contacts())
    for ticket in open_tickets:
        inbound = (Message.objects.filter(conversation_id=ticket.conversation_id, direction=Message.Direction.IN)
                   .filter(ticket_comment__isnull=True).order_by("pk"))
        for message in inbound:
            comment = ticket_customer_reply_add(message_id=message.pk)
            if comment is None or comment.ticket_id != ticket.pk:
                continue
            moment = ctx.clamp(max(message.created_at, ticket.created_at + timedelta(seconds=1)))
            TicketComment.objects.filter(pk=comment.pk).update(created_at=moment, updated_at=moment)
            TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.CUSTOMER_REPLIED,
                                       created_at__gt=ctx.now).update(created_at=moment)
            Notification.objects.filter(dedupe_key=f"message:{message.pk}", kind="ticket.customer_replied").update(
                created_at=moment, updated_at=moment)


def _sla_stamps(ctx: SeedContext) -> None:
    """The SLA rows the check wrote now, dated when the minute job would have written them."""
    for event in TicketEvent.objects.filter(kind__in=[TicketEvent.Kind.SLA_WARNING, TicketEvent.Kind.SLA_BREACHED],
                                            created_at__gte=ctx.now).select_related("ticket"):
        ticket = event.ticket
        due = datetime.fromisoformat(event.new_value)
        if event.kind == TicketEvent.Kind.SLA_BREACHED:
            moment = due + timedelta(minutes=1)
        else:
            terms = sla_terms(ticket.priority)
            moment = ticket.created_at + (due - ticket.created_at) * terms.warning_percent / 100
            Ticket.objects.filter(pk=ticket.pk).update(sla_warned_at=ctx.clamp(moment))
        TicketEvent.objects.filter(pk=event.pk).update(created_at=ctx.clamp(moment))


def tickets_ensure(ctx: SeedContext) -> int:
    """Categories, the AI's complaint tickets and the demo's tickets not there yet; how many were added."""
    categories = categories_ensure()
    added = _escalations_ensure(ctx, categories)
    for spec in TICKETS:
        added += _ticket_ensure(ctx, spec, categories)
    _customer_lines_ensure(ctx)
    tickets_check_sla()  # the minute job: warnings and breaches of the clocks above
    _sla_stamps(ctx)
    return added
