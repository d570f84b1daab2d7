"""A small CRM with known figures for the analytics tests (H1): two teams, three agents, leads, quotes, sales,
conversations with their service times and messages, tickets, CSAT answers, AI requests, collections, calls and
audits. "Now" is Monday 2026-03-16 12:00 in Lima; the figures are asked for 2026-03-01 .. 2026-03-16.

Every expected number in the tests is worked out by hand in the comments of :func:`build_world`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from accounts.models import Role, Team, User
from agreements.models import Debt, Installment, PaymentAgreement
from ai.models import AIRequest
from calls.models import Call
from conversations.models import ChannelAccount, Conversation, Message
from csat.models import CsatSurvey
from leads.models import Contact, Lead
from operators.models import Operator, Product
from quality.models import Audit
from sales.models import Commission, Quote, Sale, SaleLine
from tickets.models import Ticket

LIMA = ZoneInfo(settings.TIME_ZONE)
NOW = datetime(2026, 3, 16, 12, 0, tzinfo=LIMA)
FROM, TO = date(2026, 3, 1), date(2026, 3, 16)
PARAMS = {"from": FROM.isoformat(), "to": TO.isoformat()}


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LIMA)


@dataclass
class World:
    team: Team
    other_team: Team
    supervisor: User
    agent: User
    agent2: User
    other_agent: User
    admin: User
    claro: Operator
    movistar: Operator
    plan: Product
    chip: Product
    conversations: dict[str, Conversation] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


_counter = {"n": 0}


def _n() -> int:
    _counter["n"] += 1
    return _counter["n"]


def contact(name: str = "Cliente") -> Contact:
    return Contact.objects.create(name=name, phone=f"+5198{_n():07d}")


def stamp(obj: Any, **times: datetime) -> None:
    """Set timestamps the model fills itself (``created_at``) or that services would set."""
    type(obj).objects.filter(pk=obj.pk).update(**times)
    for name, value in times.items():
        setattr(obj, name, value)


def lead(agent: User | None, classification: str, status: str, created: datetime, *, source: str = "whatsapp",
         operator: Operator | None = None, product: Product | None = None) -> Lead:
    obj = Lead.objects.create(contact=contact(), assignee=agent, classification=classification, status=status,
                              source=source, operator=operator, product=product)
    stamp(obj, created_at=created)
    return obj


def quote(agent: User, lead_obj: Lead | None) -> Quote:
    return Quote.objects.create(number=f"COT-{_n():06d}", contact=lead_obj.contact if lead_obj else contact(),
                                lead=lead_obj, agent=agent, valid_until=date(2026, 4, 30))


def sale(agent: User, *, total: str, sold: datetime, sale_type: str, lines: list[tuple[Product, int]],
         commission: str | None = None, lead_obj: Lead | None = None, conversation: Conversation | None = None,
         status: str = Sale.Status.VALIDATED, installation: str = Sale.InstallationState.PENDING) -> Sale:
    obj = Sale.objects.create(number=f"VTA-{_n():06d}", contact=lead_obj.contact if lead_obj else contact(),
                              lead=lead_obj, conversation=conversation, agent=agent, sale_type=sale_type,
                              status=status, total=Decimal(total), sold_at=sold, installation_state=installation)
    first_line = None
    for product, quantity in lines:
        line = SaleLine.objects.create(sale=obj, product=product, description=product.name, quantity=quantity,
                                       unit_price=Decimal("1"), line_total=Decimal(quantity))
        first_line = first_line or line
    if commission is not None:
        Commission.objects.create(sale=obj, line=first_line, agent=agent, amount=Decimal(commission),
                                  month=sold.date().replace(day=1))
    return obj


def conversation(account: ChannelAccount, assignee: User | None, created: datetime, **times: Any) -> Conversation:
    status = times.pop("status", "resolved" if times.get("resolved_at") else "open")
    obj = Conversation.objects.create(contact=contact(), channel_account=account, assignee=assignee, status=status,
                                      escalation_reason=times.pop("escalation_reason", ""))
    stamp(obj, created_at=created, **times)
    return obj


def message(conv: Conversation, sender: str, when: datetime) -> Message:
    inbound = sender == "customer"
    obj = Message.objects.create(conversation=conv, channel_account=conv.channel_account,
                                 direction="in" if inbound else "out", sender=sender,
                                 status="received" if inbound else "sent", text="hola")
    stamp(obj, created_at=when)
    return obj


def ticket(team: Team | None, assignee: User | None, priority: str, created: datetime, **fields: Any) -> Ticket:
    obj = Ticket.objects.create(subject="Reclamo", team=team, assignee=assignee, priority=priority, **fields)
    stamp(obj, created_at=created)
    return obj


def build_world(make_user: Any) -> World:  # noqa: PLR0915 - one story, told in order
    team = Team.objects.create(name="Equipo Lima")
    other_team = Team.objects.create(name="Equipo Norte")
    supervisor = make_user("supervisora", Role.SUPERVISOR, team)
    team.supervisor = supervisor
    team.save()
    w = World(team=team, other_team=other_team, supervisor=supervisor,
              agent=make_user("agente", Role.AGENT, team), agent2=make_user("beto", Role.AGENT, team),
              other_agent=make_user("otro_agente", Role.AGENT, other_team),
              admin=make_user("administradora", Role.ADMIN),
              claro=Operator.objects.create(name="Claro", slug="claro"),
              movistar=Operator.objects.create(name="Movistar", slug="movistar"),
              plan=None, chip=None)  # type: ignore[arg-type]
    w.plan = Product.objects.create(operator=w.claro, name="Plan Max", sku="PLAN-MAX", category="mobile",
                                    price=Decimal("59.90"))
    w.chip = Product.objects.create(operator=w.movistar, name="Chip Prepago", sku="CHIP-1", category="mobile",
                                    price=Decimal("5"))
    agent, agent2, other = w.agent, w.agent2, w.other_agent

    # Leads created 1-16 March (L6 in February is out of range).
    # All: 5 leads, HOT 3 / WARM 1 / COLD 1; stages new 1, quoted 1, won 2, lost 1; funnel 5 → 3 quoted → 2 sold.
    # Supervisor (agent, agent2): 4 leads, HOT 2 / WARM 1 / COLD 1; funnel 4 → 2 → 1.
    l1 = lead(agent, "HOT", "new", at(3, 2), operator=w.claro, product=w.plan)
    l2 = lead(agent, "HOT", "quoted", at(3, 3), operator=w.claro, product=w.plan)
    l3 = lead(agent, "WARM", "won", at(3, 4), source="instagram", operator=w.movistar, product=w.chip)
    l4 = lead(agent2, "COLD", "lost", at(3, 5), operator=w.claro)
    l5 = lead(other, "HOT", "won", at(3, 6), operator=w.movistar, product=w.chip)
    lead(agent, "WARM", "contacted", at(2, 20))
    w.extra["leads"] = [l1, l2, l3, l4, l5]
    for lead_obj in (l2, l3):
        quote(agent, lead_obj)
    quote(other, l5)

    wa = ChannelAccount.objects.create(provider="meta_whatsapp", name="WA Lima", account_ref="51100", team=team)
    ig = ChannelAccount.objects.create(provider="instagram", name="IG", account_ref="ig-1")
    wa_north = ChannelAccount.objects.create(provider="meta_whatsapp", name="WA Norte", account_ref="51200",
                                             team=other_team)
    # Conversations. First response (created in range): C1 2, C2 1, C3 10, C4 4 min → median 3.0, p90 8.2.
    # Resolution (resolved in range): C1 60, C2 30, C4 120, C6 11520 min → median 90.0, p90 8100.0.
    # Supervisor (C1, C2, C3, C6): first [1, 2, 10] → 2.0 / 8.4; resolution [30, 60, 11520] → 60.0 / 9228.0.
    c = w.conversations
    c["C1"] = conversation(wa, agent, at(3, 2, 9), first_response_at=at(3, 2, 9, 2),
                           first_agent_reply_at=at(3, 2, 9, 2), resolved_at=at(3, 2, 10))
    c["C2"] = conversation(wa, None, at(3, 3, 10), first_response_at=at(3, 3, 10, 1), resolved_at=at(3, 3, 10, 30))
    c["C3"] = conversation(ig, agent2, at(3, 4, 15), first_response_at=at(3, 4, 15, 10),
                           first_agent_reply_at=at(3, 4, 15, 10), escalated_at=at(3, 4, 15, 5),
                           escalation_reason="complaint")
    c["C4"] = conversation(wa_north, other, at(3, 5, 11), first_response_at=at(3, 5, 11, 4),
                           first_agent_reply_at=at(3, 5, 11, 4), resolved_at=at(3, 5, 13),
                           escalated_at=at(3, 5, 11, 3), escalation_reason="human_request")
    c["C5"] = conversation(ig, None, at(3, 6, 20), escalated_at=at(3, 6, 20, 1), escalation_reason="complaint")
    c["C6"] = conversation(wa, agent, at(2, 27, 9), first_response_at=at(2, 27, 9, 1), resolved_at=at(3, 7, 9))
    # Messages. Customers' by weekday/hour: Mon 09h 2, Mon 08h 1 (today, read live), Tue 10h 1, Wed 15h 1,
    # Thu 11h 1, Fri 20h 1. By sender: customer 7, ai 1, agent 3, system 1 (supervisor: 5, 1, 2, 0).
    message(c["C1"], "customer", at(3, 2, 9))
    message(c["C1"], "agent", at(3, 2, 9, 2))
    message(c["C1"], "customer", at(3, 2, 9, 30))
    message(c["C2"], "customer", at(3, 3, 10))
    message(c["C2"], "ai", at(3, 3, 10, 1))
    message(c["C3"], "customer", at(3, 4, 15))
    message(c["C3"], "agent", at(3, 4, 15, 10))
    message(c["C3"], "customer", at(3, 16, 8))
    message(c["C4"], "customer", at(3, 5, 11))
    message(c["C4"], "agent", at(3, 5, 11, 4))
    message(c["C5"], "customer", at(3, 6, 20))
    message(c["C5"], "system", at(3, 6, 20, 1))
    message(c["C6"], "customer", at(2, 27, 9))  # before the range

    # Validated sales in range: S1 100.00 (portability, installed, on Instagram), S2 50.50 (prepaid to postpaid),
    # S3 200.00 (upgrade, scheduled; other team), S6 30.00 (retail). All: 4 sales, 380.50, commissions 35.05.
    # Supervisor: S1, S2, S6 → 3 sales, 180.50, commissions 15.05.
    sale(agent, total="100.00", sold=at(3, 4, 16), sale_type="portability", lines=[(w.chip, 2)], commission="10.00",
         lead_obj=l3, conversation=c["C3"], installation="installed")
    sale(agent2, total="50.50", sold=at(3, 8), sale_type="prepaid_to_postpaid", lines=[(w.plan, 1)],
         commission="5.05", conversation=c["C1"])
    sale(other, total="200.00", sold=at(3, 9), sale_type="upgrade", lines=[(w.chip, 1)], commission="20.00",
         lead_obj=l5, installation="scheduled")
    sale(agent, total="30.00", sold=at(3, 10), sale_type="retail", lines=[(w.plan, 3)])
    sale(agent, total="999.00", sold=at(3, 11), sale_type="new_line", lines=[(w.plan, 9)],
         status=Sale.Status.PENDING_VALIDATION)
    sale(agent, total="70.00", sold=at(2, 11), sale_type="new_line", lines=[(w.plan, 7)], commission="7.00")

    # Tickets opened in range (now 16 March 12:00). T1 met; T2 flagged late; T3 not due yet; T4 solved late
    # (other team); T5 unanswered past its due time. All: met 1, breached 3, running 1 → 25.0 %.
    # Supervisor (T1, T2, T3, T5): met 1, breached 2, running 1 → 33.3 %.
    ticket(team, agent, "high", at(3, 2, 9), first_response_due_at=at(3, 2, 10), first_responded_at=at(3, 2, 9, 30),
           resolution_due_at=at(3, 3, 9), resolved_at=at(3, 2, 12), state="resolved")
    ticket(team, agent2, "high", at(3, 3, 9), first_response_due_at=at(3, 3, 10), is_first_response_breached=True)
    ticket(team, None, "low", at(3, 16, 9), first_response_due_at=at(3, 20, 9), resolution_due_at=at(3, 25, 9))
    ticket(other_team, other, "critical", at(3, 5, 9), first_response_due_at=at(3, 5, 10),
           first_responded_at=at(3, 5, 9, 15), resolution_due_at=at(3, 5, 10), resolved_at=at(3, 5, 12),
           state="resolved")
    ticket(team, agent, "medium", at(3, 10, 9), first_response_due_at=at(3, 10, 10))

    # CSAT answered in range: 5 (agent), 4 (nobody held it; team Lima), 1 (other team). All: 3 answers, 3.33;
    # supervisor: 2 answers, 4.5.
    for conv, agent_obj, team_obj, rating, when in ((c["C1"], agent, team, 5, at(3, 2, 11)),
                                                     (c["C2"], None, team, 4, at(3, 3, 11)),
                                                     (c["C4"], other, other_team, 1, at(3, 5, 14))):
        CsatSurvey.objects.create(conversation=conv, resolved_at=conv.resolved_at, agent=agent_obj, team=team_obj,
                                  state="answered", asked_at=when, rating=rating, answered_at=when)
    CsatSurvey.objects.create(conversation=c["C3"], resolved_at=at(3, 4, 16), agent=agent2, team=team, state="asked",
                              asked_at=at(3, 4, 16))

    # AI spend: 0.50 + 1.25 in March (2.00 in February is out) → 1.75 USD.
    for cost, when in (("0.500000", at(3, 2)), ("1.250000", at(3, 10)), ("2.000000", at(2, 20))):
        obj = AIRequest.objects.create(provider="openai", purpose="reply", cost_usd=Decimal(cost))
        stamp(obj, created_at=when)

    # Collections: instalments due in range of agreements in force: 100 (paid 100; agent) and 50 (paid 20; other
    # team). A cancelled agreement's 70 and an instalment due in April are left out. All: 150 promised, 120 paid,
    # 80.0 %; supervisor: 100 / 100 → 100.0 %.
    def agreement(agent_obj: User, state: str, installments: list[tuple[date, str, str]]) -> None:
        debt = Debt.objects.create(contact=contact(), original_amount=Decimal("500"), due_since=date(2025, 12, 1),
                                   assignee=agent_obj, operator=w.claro)
        total = sum(Decimal(amount) for _d, amount, _p in installments)
        pa = PaymentAgreement.objects.create(debt=debt, agent=agent_obj, base_amount=total, agreed_total=total,
                                             number_of_installments=len(installments), state=state,
                                             paid_total=sum(Decimal(p) for _d, _a, p in installments))
        for number, (due, amount, paid) in enumerate(installments, start=1):
            Installment.objects.create(agreement=pa, number=number, due_date=due, amount=Decimal(amount),
                                       paid_amount=Decimal(paid))

    agreement(agent, "active", [(date(2026, 3, 5), "100", "100"), (date(2026, 4, 5), "100", "0")])
    agreement(other, "active", [(date(2026, 3, 10), "50", "20")])
    agreement(agent2, "cancelled", [(date(2026, 3, 7), "70", "0")])

    # Calls: agent 2, other agent 1 in range (one more of agent's in February).
    for agent_obj, when in ((agent, at(3, 2)), (agent, at(3, 9)), (other, at(3, 9)), (agent, at(2, 9))):
        Call.objects.create(agent=agent_obj, direction="outbound", started_at=when, status="completed")

    # Quality: agent's audits sent in range score 70 and 90 → 80.0 (a draft's 10 is left out).
    from tests.quality.factories import make_matrix  # the quality tests' matrix builder

    matrix = make_matrix()
    for score, status in (("70", "submitted"), ("90", "acknowledged"), ("10", "draft")):
        Audit.objects.create(matrix=matrix, conversation=c["C1"], agent=agent, team=team, analyst=supervisor,
                             status=status, score=Decimal(score),
                             submitted_at=None if status == "draft" else at(3, 12))
    return w
