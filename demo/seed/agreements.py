"""Collections: debts handed over by the operators, and a payment agreement two months into its plan —
two instalments paid, the third overdue, the last still to come — through agreements' services.

An agreement is created with its first instalment due today (the service allows nothing earlier), then
its calendar is moved back to when it was signed; the payments are recorded on their days and the
daily job marks what is late, as it would have.

The collectors' work on those debts (``collection_action_log``): calls, messages and a visit over the last
days with their results, so each debt shows a different contact status (one is still not contacted),
promises to pay due in the next days, an agreement made from the collector's screen
(``collection_agreement_create``) with its first instalment due today, and next steps due today — the
calendar (``/collections/calendar/``) has follow-ups, promises and instalments for Lucía and Diego. Each
action is logged now and dated back to its time; a debt that has actions already is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from agreements.models import CollectionAction, ContactStatus, Debt, Installment, Payment, PaymentAgreement
from agreements.services import (
    agreement_create,
    collection_action_log,
    collection_agreement_create,
    debt_create,
    installments_mark_overdue,
    payment_record,
)
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
    DemoDebt("+51946653319", "entel", "ENT-40988213", "145.50", 60, "agente1"),
    DemoDebt("+51963310287", "claro", "CLR-30417752", "890.00", 120, "agente2"),
    DemoDebt("+51978124635", "bitel", "BIT-77120938", "210.00", 75, "agente3"),
    DemoDebt("+51981447250", "movistar", "MOV-61822045", "320.00", 200, "agente1"),  # not contacted yet
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


# --- the collectors' work ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One action ``days_ago`` at ``hour:minute`` (local). ``promise_in``: a promise to pay due that many days
    from today (``"friday"``: the coming Friday); ``next_in``: the next step that many days from today at
    ``next_hour`` (today: later today if that hour has passed). ``agreement``: the collector makes a payment
    agreement from the screen right after (3 monthly instalments, the first due today)."""

    days_ago: int
    hour: int
    minute: int
    kind: str
    result: str
    notes: str = ""
    promise: str = ""
    promise_in: int | str | None = None
    next_step: str = ""
    next_in: int | None = None
    next_hour: int = 10
    agreement: bool = False


K, R = CollectionAction.Kind, ContactStatus
WORK: dict[str, tuple[Step, ...]] = {
    "CLR-20931877": (  # Héctor (Lucía): the voucher, then the third instalment promised for Friday
        Step(2, 10, 5, K.MESSAGE, R.CONTACTED, "Envió el voucher de la cuota 2 por WhatsApp: está pagada."),
        Step(1, 16, 30, K.CALL, R.PROMISE_TO_PAY, "Paga la cuota 3 el viernes; pide que se le condone la mora.",
             promise="250.00", promise_in="friday"),
    ),
    "MOV-55310942": (  # Pedro (Diego): no answer, then an agreement over the phone
        Step(5, 11, 0, K.CALL, R.NO_ANSWER, "Timbra y no contesta."),
        Step(3, 15, 20, K.CALL, R.CONTACTED, "Reconoce la deuda; no puede pagarla de una vez. Acepta un acuerdo.",
             agreement=True),
        Step(3, 15, 40, K.MESSAGE, R.AGREEMENT, "Se le envió el cronograma de cuotas por WhatsApp.",
             next_step="Recordarle la primera cuota", next_in=0, next_hour=10),
    ),
    "ENT-40988213": (  # Ana (Lucía): no answer, then a message; a call to close it today
        Step(3, 12, 10, K.CALL, R.NO_ANSWER, "Buzón de voz."),
        Step(1, 11, 45, K.MESSAGE, R.CONTACTED, "Responde por WhatsApp: quiere saber si hay descuento.",
             next_step="Llamar para ofrecer el descuento por pronto pago", next_in=0, next_hour=17),
    ),
    "CLR-30417752": (  # Sofía (Diego): a wrong number, then a visit with a promise for today
        Step(6, 10, 30, K.CALL, R.WRONG_NUMBER, "El número es de otra persona."),
        Step(1, 11, 30, K.VISIT, R.PROMISE_TO_PAY, "Visita domiciliaria en Surco: pagará S/ 300 por Yape hoy.",
             promise="300.00", promise_in=0, next_step="Confirmar el depósito", next_in=1, next_hour=9),
    ),
    "BIT-77120938": (  # Miguel (Valeria): refuses, says he paid
        Step(4, 17, 0, K.CALL, R.REFUSED, "Dice que ya pagó en la tienda de Bitel; pide constancia.",
             next_step="Enviarle el estado de cuenta por WhatsApp", next_in=2, next_hour=10),
    ),
}


def _local(ctx: SeedContext, days_ago: int, hour: int, minute: int) -> datetime:
    local = timezone.localtime(ctx.now) - timedelta(days=days_ago)
    return ctx.clamp(local.replace(hour=hour, minute=minute, second=0, microsecond=0))


def _ahead(days: int, hour: int) -> datetime:
    """``hour`` (local) ``days`` from today; today's when that hour has passed: later today, if it has room."""
    local_now = timezone.localtime(timezone.now())
    due = (local_now + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    if due <= local_now + timedelta(minutes=10):
        end_of_day = local_now.replace(hour=23, minute=50, second=0, microsecond=0)
        due = min(local_now + timedelta(hours=2), max(end_of_day, local_now + timedelta(minutes=15)))
    return due


def _promise_day(promise_in: int | str) -> date:
    today = timezone.localdate()
    if promise_in == "friday":
        return today + timedelta(days=(4 - today.weekday()) % 7)
    return today + timedelta(days=int(promise_in))


def collection_work_ensure(ctx: SeedContext) -> int:
    """The collectors' actions on the demo's debts that have none yet; how many actions were logged."""
    logged = 0
    for reference, steps in WORK.items():
        debt = Debt.objects.select_related("assignee").filter(reference=reference).first()
        if debt is None or debt.assignee is None or debt.actions.exists():
            continue
        agent = debt.assignee
        for step in steps:
            moment = _local(ctx, step.days_ago, step.hour, step.minute)
            action = collection_action_log(
                actor=agent, debt=debt, kind=step.kind, result=step.result, notes=step.notes,
                promised_amount=Decimal(step.promise) if step.promise else None,
                promised_date=_promise_day(step.promise_in) if step.promise_in is not None else None,
                next_step=step.next_step,
                next_step_at=_ahead(step.next_in, step.next_hour) if step.next_in is not None else None,
            )
            CollectionAction.objects.filter(pk=action.pk).update(created_at=moment, updated_at=moment)
            Debt.objects.filter(pk=debt.pk).update(last_action_at=moment)
            logged += 1
            if step.agreement and not debt.agreements.exists():
                signed = moment + timedelta(minutes=10)
                agreement = collection_agreement_create(
                    actor=agent, debt=debt, discount_percent=10, installments=3,
                    first_due_date=timezone.localdate(), interval_days=30,
                    notes="Acuerdo por teléfono: 10 % de descuento, 3 cuotas mensuales.")
                PaymentAgreement.objects.filter(pk=agreement.pk).update(created_at=signed, updated_at=signed)
                Debt.objects.filter(pk=debt.pk).update(last_action_at=signed)
    return logged
