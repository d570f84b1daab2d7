"""Eight weeks of history before the month's stories, so the supervisors' dashboard has trends to show.

The stories (``stories_*.py``) are played message by message through the product's services; that takes a
second or so each. Two months of a shop's traffic that way would take minutes, so the history is written in
bulk instead, shaped like what the services leave behind: contacts and their leads, resolved conversations with
their customer, AI and agent messages and the times the services keep (assigned, first reply, a person's first
reply, escalation and its reason, resolution), the AI requests with their cost, sales of every telecom type
with their installation state (validated by the back office, commissions computed by the sales service), and
the satisfaction survey of each resolution (most answered). Peaks at late morning and evening, quieter
Saturdays, a few messages on Sundays and at night (outside business hours).

Randomness is seeded, so every machine gets the same history. Its contacts carry the demo tag (``--reset``
deletes them and what hangs on them) and an ``@historial.demo.pe`` address, which is how a second run knows the
history is there and adds nothing.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Model
from django.utils import timezone

from accounts.models import Role, User
from ai.models import AIRequest
from conversations.models import Conversation, Message
from csat.models import CsatSurvey
from demo.seed.context import DEMO_TAG, SeedContext
from demo.seed.people import FIRST_NAMES, LAST_NAMES, ZONES
from leads.models import Classification, Contact, Lead, LeadStatus, SourceChannel
from operators.models import Category, Product
from sales.models import Sale, SaleLine, SaleType
from sales.services.commissions import sale_commissions_compute

EMAIL_DOMAIN = "historial.demo.pe"
WEEKS = 8
FIRST_DAY_AGO, LAST_DAY_AGO = WEEKS * 7 + 2, 3  # the stories fill the last days
PER_WEEKDAY = (11, 10, 10, 11, 13, 8, 3)  # conversations a day, Monday to Sunday (more towards the end)
# The hour a customer writes (local): late morning and evening peaks, a few at night.
HOURS = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]
HOUR_WEIGHTS = [1, 3, 6, 10, 12, 10, 7, 6, 7, 8, 9, 10, 9, 7, 4, 2, 1]
TEAMS = {"whatsapp": ("agente1", "agente2"), "instagram": ("agente3",)}
OPENERS = [
    ("Hola, ¿cuánto cuesta el plan postpago de 20 GB?", "price_query"),
    ("Buenas, quiero hacer portabilidad a ustedes", "purchase_intent"),
    ("¿Tienen fibra en mi zona? Vivo en {zone}", "coverage_query"),
    ("¿Tienen el Galaxy A55 en stock?", "stock_query"),
    ("Quiero pasar mi prepago a postpago", "purchase_intent"),
    ("¿Qué equipos tienen para renovar mi línea?", "product_query"),
    ("Me interesa internet para la casa, ¿qué planes hay?", "product_query"),
    ("¿El cargador rápido tiene garantía?", "warranty_query"),
]
COMPLAINTS = [
    ("Quiero poner un reclamo, me cobraron dos veces", "complaint", "complaint"),
    ("Necesito hablar con una persona por favor", "human_request", "human_request"),
    ("Pésimo servicio, nadie me instala la fibra", "complaint", "negative_sentiment"),
    ("No entiendo nada de lo que me dicen, ¿me llaman?", "other", "low_confidence"),
]
AI_REPLIES = [
    "¡Hola! Con gusto te ayudo. Te cuento las opciones que tenemos para ti.",
    "Hola, soy el asistente virtual de la tienda. Tenemos cobertura y planes desde S/ 29.90 al mes.",
    "¡Claro! Ese equipo está disponible. ¿Te gustaría que te prepare una cotización?",
]
AGENT_REPLIES = [
    "Hola, soy tu asesora. Te preparo la cotización y te la envío por aquí.",
    "Listo, ya registramos tu pedido. Te confirmamos la instalación en breve.",
    "Gracias por esperar, ya revisé tu caso y lo estamos solucionando.",
    "Perfecto, te llamo en unos minutos para completar la portabilidad.",
]
CLOSERS = ["Gracias, muy amable", "Ok, quedo atento", "Perfecto, gracias por la ayuda", "Listo 👍"]
SALE_TYPES = [(SaleType.PORTABILITY, 30), (SaleType.NEW_LINE, 22), (SaleType.PREPAID_TO_POSTPAID, 16),
              (SaleType.UPGRADE, 12), (SaleType.RETAIL, 20)]
INSTALLATION = [(Sale.InstallationState.INSTALLED, 62), (Sale.InstallationState.SCHEDULED, 14),
                (Sale.InstallationState.PENDING, 12), (Sale.InstallationState.FAILED, 7),
                (Sale.InstallationState.CANCELLED, 5)]
RATINGS = [(5, 52), (4, 24), (3, 11), (2, 8), (1, 5)]
AI_MODEL = "gpt-4o-mini"


def _pick(rng: random.Random, weighted: list[tuple]) -> object:  # type: ignore[type-arg]
    return rng.choices([value for value, _ in weighted], weights=[weight for _, weight in weighted])[0]


@dataclass
class Plan:
    """One conversation of the history, before it is written."""

    channel: str
    created_at: datetime
    contact: Contact
    kind: str  # "ai" (the AI resolved it), "agent" (an agent took it over), "escalated"
    agent: User | None
    opener: tuple[str, str]
    escalation: tuple[str, str, str] | None = None
    sale_type: str = ""
    product: Product | None = None
    messages: list[Message] = field(default_factory=list)
    times: dict[str, datetime] = field(default_factory=dict)


def history_present() -> bool:
    return Contact.objects.filter(email__endswith="@" + EMAIL_DOMAIN).exists()


def history_ensure(ctx: SeedContext) -> Counter:
    """Write the history unless it is there; the counts of what was written (empty when nothing was)."""
    if history_present():
        return Counter()
    rng = random.Random(1717)
    agents = {u.username: u for u in User.objects.filter(username__in=[a for t in TEAMS.values() for a in t])}
    back_office = User.objects.filter(role=Role.BACKOFFICE, is_active=True).order_by("pk").first()
    plans = _plans(ctx, rng, agents)
    counts: Counter = Counter()
    _write_contacts(plans, counts)
    leads = _write_leads(plans, rng, counts)
    conversations = _write_conversations(ctx, plans, leads, counts)
    _write_messages(ctx, plans, conversations, rng, counts)
    _write_sales(plans, leads, conversations, back_office, rng, counts)
    _write_surveys(plans, conversations, rng, counts)
    return counts


# -- planning -------------------------------------------------------------------------------------------------
def _plans(ctx: SeedContext, rng: random.Random, agents: dict[str, User]) -> list[Plan]:
    today = timezone.localtime(ctx.now).replace(hour=0, minute=0, second=0, microsecond=0)
    taken = set(Contact.objects.exclude(phone="").values_list("phone", flat=True))
    products = {
        "telecom": list(Product.objects.filter(is_active=True, category__in=[
            Category.MOBILE, Category.INTERNET_HOME, Category.COMBO, Category.TV]).select_related("operator")),
        "retail": list(Product.objects.filter(is_active=True, category__in=[Category.DEVICE, Category.ACCESSORY])
                       .select_related("operator")),
    }
    plans: list[Plan] = []
    serial = 0
    for days_ago in range(FIRST_DAY_AGO, LAST_DAY_AGO - 1, -1):
        day = today - timedelta(days=days_ago)
        growth = 0.75 + 0.5 * (FIRST_DAY_AGO - days_ago) / FIRST_DAY_AGO  # the business grows over the weeks
        for _ in range(max(1, round(PER_WEEKDAY[day.weekday()] * growth * rng.uniform(0.8, 1.2)))):
            serial += 1
            hour = rng.choices(HOURS, weights=HOUR_WEIGHTS)[0] if day.weekday() < 6 else rng.choice([10, 11, 12, 20])
            created = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
            channel = "instagram" if rng.random() < 0.28 else "whatsapp"
            phone = f"+51907{serial:06d}"
            while phone in taken:
                serial += 1
                phone = f"+51907{serial:06d}"
            taken.add(phone)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            city, zone = rng.choice(ZONES)
            contact = Contact(
                name=f"{first} {last}", phone=phone, whatsapp_id=phone.lstrip("+") if channel == "whatsapp" else "",
                instagram_id=f"17849{serial:08d}" if channel == "instagram" else "",
                instagram_username=f"{first.lower()}.{last.lower()}.{serial}" if channel == "instagram" else "",
                email=f"cliente{serial}@{EMAIL_DOMAIN}", city=city, zone=zone, tags=[DEMO_TAG],
                marketing_consent=rng.random() < 0.6, last_seen_at=created)
            roll = rng.random()
            kind = "ai" if roll < 0.36 else "escalated" if roll < 0.50 else "agent"
            agent = None if kind == "ai" else agents.get(rng.choice(TEAMS[channel]))
            plan = Plan(channel=channel, created_at=created, contact=contact, kind=kind, agent=agent,
                        opener=rng.choice(OPENERS), escalation=rng.choice(COMPLAINTS) if kind == "escalated" else None)
            if kind == "agent" and rng.random() < 0.42:
                plan.sale_type = str(_pick(rng, SALE_TYPES))
                pool = products["retail" if plan.sale_type == SaleType.RETAIL else "telecom"]
                plan.product = rng.choice(pool) if pool else None
            _plan_times(plan, rng)
            plans.append(plan)
    return plans


def _plan_times(plan: Plan, rng: random.Random) -> None:
    start = plan.created_at
    at = plan.times
    at["ai_reply"] = start + timedelta(seconds=rng.randrange(4, 40))
    if plan.kind == "ai":
        at["resolved"] = start + timedelta(minutes=rng.randrange(8, 95))
        return
    if plan.kind == "escalated":
        at["escalated"] = at["ai_reply"] + timedelta(seconds=5)
    at["assigned"] = start + timedelta(minutes=rng.randrange(2, 25))
    # A person answers quickly inside business hours; after 19:00 the customer waits for the morning.
    wait = timedelta(minutes=rng.choice([2, 4, 6, 9, 14, 20, 35, 55]))
    local = timezone.localtime(at["assigned"])
    if local.hour >= 19 or local.hour < 9:
        morning = (local + timedelta(days=1 if local.hour >= 19 else 0)).replace(hour=9, minute=rng.randrange(5, 40))
        at["assigned"] = morning
        wait = timedelta(minutes=rng.randrange(1, 10))
    at["agent_reply"] = at["assigned"] + wait
    at["resolved"] = at["agent_reply"] + timedelta(minutes=rng.choice([20, 45, 90, 180, 300, 720, 1440, 2160]))


# -- writing --------------------------------------------------------------------------------------------------
def _stamp(rows: list[Model], moments: list[datetime], model: type[Model], fields: tuple[str, ...]) -> None:
    """bulk_create stamps created_at/updated_at with now: put the history's times back."""
    for row, moment in zip(rows, moments, strict=True):
        for name in fields:
            setattr(row, name, moment)
    model.objects.bulk_update(rows, list(fields), batch_size=500)  # type: ignore[attr-defined]


def _write_contacts(plans: list[Plan], counts: Counter) -> None:
    contacts = Contact.objects.bulk_create([plan.contact for plan in plans], batch_size=500)
    _stamp(list(contacts), [plan.created_at for plan in plans], Contact, ("created_at", "updated_at"))
    counts["contacts"] = len(contacts)


def _write_leads(plans: list[Plan], rng: random.Random, counts: Counter) -> list[Lead]:
    leads = []
    for plan in plans:
        won = bool(plan.sale_type)
        if won:
            status, temperature, score = LeadStatus.WON, Classification.HOT, rng.randrange(75, 98)
        elif plan.kind == "ai":
            status = rng.choice([LeadStatus.CONTACTED, LeadStatus.LOST, LeadStatus.NEW])
            temperature, score = Classification.COLD, rng.randrange(5, 38)
        else:
            status = rng.choice([LeadStatus.QUALIFIED, LeadStatus.LOST, LeadStatus.CONTACTED])  # no quote written
            temperature = rng.choice([Classification.WARM, Classification.WARM, Classification.HOT])
            score = rng.randrange(40, 80) if temperature == Classification.WARM else rng.randrange(70, 90)
        product = plan.product
        leads.append(Lead(
            contact=plan.contact,
            source=SourceChannel.INSTAGRAM if plan.channel == "instagram" else SourceChannel.WHATSAPP,
            operator=product.operator if product else None, product=product,
            product_interest=plan.opener[0][:100], intent=plan.opener[1], score=score, classification=temperature,
            status=status, assignee=plan.agent, zone=plan.contact.zone, conversation_count=1,
            lost_reason="Eligió otra opción" if status == LeadStatus.LOST else "",
            closed_at=plan.times["resolved"] if status in (LeadStatus.WON, LeadStatus.LOST) else None))
    leads = Lead.objects.bulk_create(leads, batch_size=500)
    _stamp(leads, [plan.created_at for plan in plans], Lead, ("created_at", "updated_at"))
    counts["leads"] = len(leads)
    return leads


def _write_conversations(ctx: SeedContext, plans: list[Plan], leads: list[Lead],
                         counts: Counter) -> list[Conversation]:
    rows = []
    for plan, lead in zip(plans, leads, strict=True):
        at = plan.times
        last = at["resolved"]
        escalation = plan.escalation
        rows.append(Conversation(
            contact=plan.contact, channel_account=ctx.accounts[plan.channel], lead=lead,
            status=Conversation.Status.RESOLVED, assignee=plan.agent,
            priority=Conversation.Priority.HIGH if escalation else Conversation.Priority.NORMAL,
            needs_human=False, last_inbound_at=plan.created_at, last_outbound_at=last, last_message_at=last,
            last_message_preview=(AGENT_REPLIES[1] if plan.agent else AI_REPLIES[0])[:120], unread_count=0,
            assigned_at=at.get("assigned"), first_response_at=at["ai_reply"],
            first_agent_reply_at=at.get("agent_reply"), escalated_at=at.get("escalated"),
            escalation_reason=escalation[2] if escalation else "", resolved_at=at["resolved"]))
    conversations = Conversation.objects.bulk_create(rows, batch_size=500)
    for conversation, plan in zip(conversations, plans, strict=True):
        conversation.created_at = plan.created_at
        conversation.updated_at = plan.times["resolved"]
    Conversation.objects.bulk_update(conversations, ["created_at", "updated_at"], batch_size=500)
    counts["conversations"] = len(conversations)
    counts["conversations_ai_only"] = sum(1 for plan in plans if plan.kind == "ai")
    counts["escalations"] = sum(1 for plan in plans if plan.kind == "escalated")
    return conversations


def _write_messages(ctx: SeedContext, plans: list[Plan], conversations: list[Conversation], rng: random.Random,
                    counts: Counter) -> None:
    rows: list[tuple[Message, datetime]] = []
    for plan, conversation in zip(plans, conversations, strict=True):
        account_id = conversation.channel_account_id
        at = plan.times

        def add(direction: str, sender: str, text: str, moment: datetime, *, intent: str = "",
                author: User | None = None, conversation: Conversation = conversation,
                account_id: int = account_id) -> None:
            inbound = direction == Message.Direction.IN
            message = Message(
                conversation=conversation, channel_account_id=account_id, direction=direction, sender=sender,
                author=author, text=text, intent=intent,
                status=Message.Status.RECEIVED if inbound else Message.Status.READ,
                send_state="" if inbound else Message.SendState.DONE,  # long delivered: nothing left to send
                sent_at=None if inbound else moment, delivered_at=None if inbound else moment + timedelta(seconds=3),
                read_at=None if inbound else moment + timedelta(minutes=1))
            rows.append((message, moment))

        opener, intent = plan.escalation[:2] if plan.escalation else plan.opener
        add(Message.Direction.IN, Message.Sender.CUSTOMER, opener.format(zone=plan.contact.zone), plan.created_at,
            intent=intent)
        add(Message.Direction.OUT, Message.Sender.AI, rng.choice(AI_REPLIES), at["ai_reply"])
        if plan.agent is not None:
            add(Message.Direction.OUT, Message.Sender.AGENT, rng.choice(AGENT_REPLIES), at["agent_reply"],
                author=plan.agent)
        closing = at["resolved"] - timedelta(minutes=2)
        add(Message.Direction.IN, Message.Sender.CUSTOMER, rng.choice(CLOSERS), max(closing, at["ai_reply"]),
            intent="thanks_goodbye")
    messages = Message.objects.bulk_create([message for message, _ in rows], batch_size=1000)
    _stamp(messages, [moment for _, moment in rows], Message, ("created_at", "updated_at"))
    counts["messages"] = len(messages)
    # What the AI cost: an analysis of each customer message and the composing of each AI reply.
    requests = []
    for message in messages:
        if message.sender not in (Message.Sender.CUSTOMER, Message.Sender.AI):
            continue
        purpose = AIRequest.Purpose.ANALYSIS if message.sender == Message.Sender.CUSTOMER else AIRequest.Purpose.REPLY
        tokens_in, tokens_out = rng.randrange(500, 1400), rng.randrange(40, 260)
        cost = (Decimal(tokens_in) * Decimal("0.00000015") + Decimal(tokens_out) * Decimal("0.0000006"))
        requests.append(AIRequest(provider="openai", model=AI_MODEL, purpose=purpose, tokens_in=tokens_in,
                                  tokens_out=tokens_out, cost_usd=cost.quantize(Decimal("0.000001")),
                                  latency_ms=rng.randrange(350, 2400), subject=f"message:{message.pk}"))
    created = AIRequest.objects.bulk_create(requests, batch_size=1000)
    moments = {message.pk: moment for message, moment in zip(messages, (m for _, m in rows), strict=True)}
    for request in created:
        request.created_at = moments[int(request.subject.split(":")[1])] + timedelta(milliseconds=400)
    AIRequest.objects.bulk_update(created, ["created_at"], batch_size=1000)
    counts["ai_requests"] = len(created)


def _write_sales(plans: list[Plan], leads: list[Lead], conversations: list[Conversation],
                 back_office: User | None, rng: random.Random, counts: Counter) -> None:
    selling = [(plan, lead, conversation) for plan, lead, conversation in zip(plans, leads, conversations, strict=True)
               if plan.sale_type and plan.product is not None and plan.agent is not None]
    sales, moments = [], []
    telecom_sales = 0
    for plan, lead, conversation in selling:
        sold_at = plan.times["agent_reply"] + timedelta(minutes=rng.randrange(10, 120))
        telecom = plan.sale_type != SaleType.RETAIL
        if telecom:  # the first telecom sales show every installation state, the rest as weighted
            installation = (str(INSTALLATION[telecom_sales][0]) if telecom_sales < len(INSTALLATION)
                            else str(_pick(rng, INSTALLATION)))
            telecom_sales += 1
        else:
            installation = Sale.InstallationState.PENDING
        validated = rng.random() < 0.93
        sales.append(Sale(
            number=f"tmp-h{conversation.pk}", contact=plan.contact, lead=lead, conversation=conversation,
            agent=plan.agent, sale_type=plan.sale_type,
            status=Sale.Status.VALIDATED if validated else Sale.Status.PENDING_VALIDATION,
            validated_by=back_office if validated else None,
            validated_at=sold_at + timedelta(hours=rng.randrange(1, 20)) if validated else None,
            payment_method=rng.choice([Sale.PaymentMethod.CASH, Sale.PaymentMethod.CARD]),
            installation_state=installation,
            installation_date=(timezone.localdate(sold_at) + timedelta(days=rng.randrange(1, 5))) if telecom else None,
            total=plan.product.price, sold_at=sold_at))  # type: ignore[union-attr]
        moments.append(sold_at)
    sales = Sale.objects.bulk_create(sales, batch_size=500)
    for sale, moment in zip(sales, moments, strict=True):
        sale.number = f"VTA-{sale.pk:06d}"
        sale.created_at = sale.updated_at = moment
    Sale.objects.bulk_update(sales, ["number", "created_at", "updated_at"], batch_size=500)
    SaleLine.objects.bulk_create([
        SaleLine(sale=sale, product=plan.product, description=plan.product.name, quantity=1,  # type: ignore[union-attr]
                 unit_price=plan.product.price, line_total=plan.product.price)  # type: ignore[union-attr]
        for sale, (plan, _, _) in zip(sales, selling, strict=True)])
    for sale in sales:
        if sale.status == Sale.Status.VALIDATED:
            counts["commissions"] += len(sale_commissions_compute(sale=sale))
    counts["sales"] = len(sales)


def _write_surveys(plans: list[Plan], conversations: list[Conversation], rng: random.Random,
                   counts: Counter) -> None:
    team_of = {u.pk: u.team_id for u in User.objects.filter(pk__in={p.agent.pk for p in plans if p.agent})}
    surveys = []
    for plan, conversation in zip(plans, conversations, strict=True):
        if rng.random() < 0.12:  # some customers are never asked (the survey was switched off those days)
            continue
        asked_at = plan.times["resolved"] + timedelta(seconds=30)
        answered = rng.random() < (0.74 if plan.agent else 0.55)
        rating = int(_pick(rng, RATINGS)) if answered else None  # type: ignore[call-overload]
        if answered and plan.kind == "escalated" and rating is not None:
            rating = max(1, rating - 1)  # a complaint rarely ends in a five
        surveys.append(CsatSurvey(
            conversation=conversation, resolved_at=plan.times["resolved"], agent=plan.agent,
            team_id=team_of.get(plan.agent.pk) if plan.agent else conversation.channel_account.team_id,
            state=CsatSurvey.State.ANSWERED if answered else CsatSurvey.State.EXPIRED, asked_at=asked_at,
            rating=rating, answered_at=asked_at + timedelta(minutes=rng.randrange(1, 90)) if answered else None,
            comment=rng.choice(["", "", "Muy rápida la atención", "Todo bien, gracias"]) if rating and rating >= 4
            else rng.choice(["", "Demoraron en responder"]) if rating else ""))
    created = CsatSurvey.objects.bulk_create(surveys, batch_size=500)
    _stamp(created, [s.asked_at for s in created], CsatSurvey, ("created_at", "updated_at"))  # type: ignore[misc]
    counts["surveys"] = len(created)
    counts["surveys_answered"] = sum(1 for s in created if s.rating)
