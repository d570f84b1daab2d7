"""Collections: debts handed over by the operators, and a payment agreement two months into its plan —
two instalments paid, the third overdue, the last still to come — through agreements' services.

An agreement is created with its first instalment due today (the service allows nothing earlier), then
its calendar is moved back to when it was signed; the payments are recorded on their days and the
daily job marks what is late, as it would have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from agreements.models import Debt, Installment, Payment, PaymentAgreement
from agreements.services import agreement_create, debt_create, installments_mark_overdue, payment_record
from demo.seed.context import SeedContext
from leads.models import Contact
from operators.models import Operator


@dataclass(frozen=True)
class DemoDebt:
    phone: str  # the story's customer
    operator: str
    reference: str
    amount: str
    due_days_ago: int
    assignee: str
    signed_days_ago: int | None = None  # an agreement signed then: 20 % off in 4 monthly instalments
    paid: int = 0  # instalments paid on time


DEBTS = [
    DemoDebt("+51991042276", "claro", "CLR-20931877", "1250.00", 150, "agente1", signed_days_ago=66, paid=2),
    DemoDebt("+51957731906", "movistar", "MOV-55310942", "480.00", 95, "agente2"),
]
CAMPAIGN = "Cobranza de cartera vencida"


def collections_ensure(ctx: SeedContext) -> int:
    """The debts not loaded yet (by reference), with their agreement; how many were added."""
    added = 0
    today = timezone.localdate(ctx.now)
    for spec in DEBTS:
        contact = Contact.objects.filter(phone=spec.phone).first()
        operator = Operator.objects.get(slug=spec.operator)
        if contact is None or Debt.objects.filter(operator=operator, reference=spec.reference).exists():
            continue
        debt = debt_create(actor=ctx.users["supervisor"], contact=contact, original_amount=Decimal(spec.amount),
                           due_since=today - timedelta(days=spec.due_days_ago), operator=operator,
                           reference=spec.reference, campaign=CAMPAIGN, assignee=ctx.users[spec.assignee])
        loaded = ctx.clamp(ctx.now - timedelta(days=min(spec.due_days_ago, 80)))
        Debt.objects.filter(pk=debt.pk).update(created_at=loaded, updated_at=loaded)
        if spec.signed_days_ago is not None:
            _agreement(ctx, debt, spec)
        added += 1
    installments_mark_overdue()  # the daily job: what fell due unpaid is overdue now
    return added


def _agreement(ctx: SeedContext, debt: Debt, spec: DemoDebt) -> None:
    agent = ctx.users[spec.assignee]
    agreement = agreement_create(actor=agent, debt=debt, discount_percent=20, installments=4,
                                 first_due_date=timezone.localdate(ctx.now), interval_days=30,
                                 notes="Acuerdo por WhatsApp: 20 % de descuento, 4 cuotas mensuales.")
    shift = timedelta(days=spec.signed_days_ago - 1)  # the first instalment fell due a day after signing
    Installment.objects.filter(agreement=agreement).update(due_date=F("due_date") - shift)
    signed = ctx.clamp(ctx.now - timedelta(days=spec.signed_days_ago))
    PaymentAgreement.objects.filter(pk=agreement.pk).update(created_at=signed, updated_at=signed)
    for installment in agreement.installments.order_by("number")[:spec.paid]:
        local = timezone.localtime(ctx.now).replace(hour=18, minute=30, second=0, microsecond=0)
        paid_at = local - timedelta(days=(timezone.localdate(ctx.now) - installment.due_date).days + 1)
        payment = payment_record(actor=agent, agreement=agreement, amount=installment.amount, paid_at=paid_at,
                                 method=Payment.Method.WALLET,
                                 reference=f"YAPE-{spec.reference[-6:]}{installment.number}")
        Payment.objects.filter(pk=payment.pk).update(created_at=paid_at, updated_at=paid_at)
