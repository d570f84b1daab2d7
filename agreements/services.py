"""Writes for debts, payment agreements, payments and instalment reminders.

- ``agreement_create`` applies the discount and splits the agreed total into instalments that sum
  exactly to it (the last one takes the rounding remainder).
- ``payment_record`` locks the agreement and its instalments and pays the oldest ones first; it
  refuses anything above what is still owed.
- ``installments_mark_overdue`` and ``installments_remind`` run daily (beat). A reminder is claimed
  by a unique row per instalment and kind, so it goes out once whatever runs twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from agreements.events import publish_agreement_event, publish_reminder_event
from agreements.models import CENT, Debt, Installment, InstallmentReminder, Payment, PaymentAgreement
from core.errors import ApplicationError, PermissionDeniedError
from leads.models import Contact
from operators.models import Operator

logger = logging.getLogger(__name__)

State = PaymentAgreement.State
FIRST_DUE_MAX_DAYS = 90
INTERVAL_DAYS_RANGE = (7, 92)


class DiscountTooHighError(ApplicationError):
    code = "discount_too_high"


class InvalidInstallmentsError(ApplicationError):
    code = "invalid_installments"


class InvalidDateError(ApplicationError):
    code = "invalid_date"


class InvalidAmountError(ApplicationError):
    code = "invalid_amount"


class OverpaymentError(ApplicationError):
    code = "overpayment"


class DuplicatePaymentError(ApplicationError):
    code = "duplicate_payment"


class AgreementStateError(ApplicationError):
    code = "invalid_state"


class AgreementExistsError(ApplicationError):
    code = "agreement_exists"


# ---------------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------------
def money(value: Decimal | int | str) -> Decimal:
    """A positive-or-zero amount with exactly two places; more places than that is an input error."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidAmountError(_("Enter a valid amount.")) from exc
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise InvalidAmountError(_("Amounts have at most two decimal places."))
    return amount.quantize(CENT)


def split_amount(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` in ``parts`` equal instalments rounded down to the cent; the last takes the remainder."""
    if parts < 1:
        raise InvalidInstallmentsError(_("An agreement needs at least one instalment."))
    base = (total / parts).quantize(CENT, rounding=ROUND_DOWN)
    if base <= 0:
        raise InvalidInstallmentsError(_("The amount is too small for that many instalments."))
    return [base] * (parts - 1) + [total - base * (parts - 1)]


def _max_discount() -> Decimal:
    return Decimal(str(settings.AGREEMENTS_MAX_DISCOUNT_PERCENT))


# ---------------------------------------------------------------------------------------------
# Debts
# ---------------------------------------------------------------------------------------------
def debt_outstanding(*, debt: Debt) -> Decimal:
    """What is still owed on ``debt``: the original amount less every payment on any agreement."""
    paid = Payment.objects.filter(agreement__debt=debt).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return debt.original_amount - paid


@transaction.atomic
def debt_create(
    *,
    actor: User | None,
    contact: Contact,
    original_amount: Decimal,
    due_since: date,
    currency: str = "",
    operator: Operator | None = None,
    reference: str = "",
    campaign: str = "",
    assignee: User | None = None,
) -> Debt:
    from accounts.selectors import assignable_users_list

    if actor is not None and actor.is_agent:
        raise PermissionDeniedError(_("Only supervisors and back office load debts."))
    amount = money(original_amount)
    if amount <= 0:
        raise InvalidAmountError(_("The amount must be greater than zero."))
    if due_since > timezone.localdate():
        raise InvalidDateError(_("A debt cannot fall due in the future."))
    if assignee is not None and actor is not None and not assignable_users_list(user=actor).filter(
        pk=assignee.pk
    ).exists():
        raise PermissionDeniedError(_("You cannot assign work to that person."))
    reference = reference.strip()
    if reference and Debt.objects.filter(operator=operator, reference=reference).exists():
        raise ApplicationError(_("A debt with that reference already exists."), code="duplicate_debt")
    debt = Debt(
        contact=contact, original_amount=amount, due_since=due_since,
        currency=(currency or settings.DEFAULT_CURRENCY).upper(), operator=operator, reference=reference,
        campaign=campaign.strip(), assignee=assignee,
    )
    debt.full_clean()
    debt.save()
    return debt


# ---------------------------------------------------------------------------------------------
# Agreements
# ---------------------------------------------------------------------------------------------
def _ensure_may_negotiate(actor: User, debt: Debt) -> None:
    from agreements.selectors import debt_visible_queryset

    if actor.is_backoffice:
        raise PermissionDeniedError(_("Back office cannot negotiate agreements."))
    if actor.is_agent and debt.assignee_id != actor.pk:
        raise PermissionDeniedError(_("This debt is assigned to someone else."))
    if not debt_visible_queryset(user=actor).filter(pk=debt.pk).exists():
        raise PermissionDeniedError(_("This debt is assigned to someone else."))


@transaction.atomic
def agreement_create(
    *,
    actor: User,
    debt: Debt,
    discount_percent: Decimal | int | str,
    installments: int,
    first_due_date: date,
    interval_days: int = 30,
    notes: str = "",
    draft: bool = False,
) -> PaymentAgreement:
    """Agree a discount on what ``debt`` still owes, paid in ``installments`` every ``interval_days``."""
    _ensure_may_negotiate(actor, debt)
    debt = Debt.objects.select_for_update().get(pk=debt.pk)  # one agreement at a time per debt
    if debt.agreements.filter(state__in=PaymentAgreement.OPEN_STATES).exists():
        raise AgreementExistsError(_("This debt already has an agreement in force."))

    try:
        percent = Decimal(str(discount_percent))
    except InvalidOperation as exc:
        raise DiscountTooHighError(_("Enter a valid discount."), code="invalid_discount") from exc
    if not percent.is_finite():
        raise DiscountTooHighError(_("Enter a valid discount."), code="invalid_discount")
    if percent < 0:
        raise DiscountTooHighError(_("The discount cannot be negative."))
    if percent > _max_discount():
        raise DiscountTooHighError(
            _("The discount cannot exceed %(max)s%%.") % {"max": _max_discount()},
            extra={"max_discount_percent": str(_max_discount())},
        )
    if not 1 <= installments <= settings.AGREEMENTS_MAX_INSTALLMENTS:
        raise InvalidInstallmentsError(
            _("Choose between 1 and %(max)d instalments.") % {"max": settings.AGREEMENTS_MAX_INSTALLMENTS}
        )
    low, high = INTERVAL_DAYS_RANGE
    if not low <= interval_days <= high:
        raise InvalidInstallmentsError(
            _("Instalments must be between %(low)d and %(high)d days apart.") % {"low": low, "high": high}
        )
    today = timezone.localdate()
    if first_due_date < today:
        raise InvalidDateError(_("The first instalment cannot fall due in the past."))
    if first_due_date > today + timedelta(days=FIRST_DUE_MAX_DAYS):
        raise InvalidDateError(
            _("The first instalment must fall due within %(days)d days.") % {"days": FIRST_DUE_MAX_DAYS}
        )

    base = debt_outstanding(debt=debt)
    if base <= 0:
        raise AgreementStateError(_("Nothing is owed on this debt."))
    discount = (base * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    total = base - discount
    amounts = split_amount(total, installments)
    agreement = PaymentAgreement(
        debt=debt,
        agent=actor if actor.is_agent else (debt.assignee or actor),
        base_amount=base,
        discount_percent=percent.quantize(CENT),
        discount_amount=discount,
        agreed_total=total,
        number_of_installments=installments,
        state=State.DRAFT if draft else State.ACTIVE,
        notes=notes.strip(),
    )
    agreement.full_clean()
    agreement.save()
    Installment.objects.bulk_create([
        Installment(agreement=agreement, number=number, amount=amount,
                    due_date=first_due_date + timedelta(days=interval_days * (number - 1)))
        for number, amount in enumerate(amounts, start=1)
    ])
    publish_agreement_event(agreement, "agreement.created")
    return agreement


def _locked(agreement: PaymentAgreement) -> PaymentAgreement:
    return PaymentAgreement.objects.select_for_update().select_related("debt").get(pk=agreement.pk)


@transaction.atomic
def agreement_activate(*, actor: User, agreement: PaymentAgreement) -> PaymentAgreement:
    """The customer confirmed a draft: instalments start counting."""
    agreement = _locked(agreement)
    _ensure_may_negotiate(actor, agreement.debt)
    if agreement.state != State.DRAFT:
        raise AgreementStateError(_("Only a draft can be activated."))
    agreement.state = State.ACTIVE
    agreement.save(update_fields=["state", "updated_at"])
    publish_agreement_event(agreement)
    return agreement


@transaction.atomic
def agreement_cancel(*, actor: User, agreement: PaymentAgreement, reason: str = "") -> PaymentAgreement:
    """Supervisors end an agreement that will not go on (agents may drop their own drafts)."""
    agreement = _locked(agreement)
    may_cancel = actor.is_supervisor or actor.is_admin_role or (
        agreement.state == State.DRAFT and agreement.agent_id == actor.pk
    )
    if not may_cancel:
        raise PermissionDeniedError(_("Only a supervisor can cancel an agreement."))
    if agreement.state not in (State.DRAFT, State.ACTIVE, State.BROKEN):
        raise AgreementStateError(_("This agreement is already closed."))
    agreement.state = State.CANCELLED
    agreement.closed_at = timezone.now()
    agreement.cancel_reason = reason.strip()[:200]
    agreement.save(update_fields=["state", "closed_at", "cancel_reason", "updated_at"])
    publish_agreement_event(agreement)
    return agreement


# ---------------------------------------------------------------------------------------------
# Payments
# ---------------------------------------------------------------------------------------------
@transaction.atomic
def payment_record(
    *,
    actor: User | None,
    agreement: PaymentAgreement,
    amount: Decimal | int | str,
    paid_at: datetime | None = None,
    method: str = Payment.Method.TRANSFER,
    reference: str = "",
    notes: str = "",
) -> Payment:
    """Record money received and apply it to the oldest unpaid instalments."""
    amount = money(amount)
    if amount <= 0:
        raise InvalidAmountError(_("The amount must be greater than zero."))
    now = timezone.now()
    paid_at = paid_at or now
    if paid_at > now + timedelta(minutes=5):
        raise InvalidDateError(_("A payment cannot be dated in the future."))
    if method not in Payment.Method.values:
        raise ApplicationError(_("Unknown payment method."), code="invalid_method")

    agreement = _locked(agreement)
    if agreement.state not in PaymentAgreement.PAYABLE_STATES:
        raise AgreementStateError(
            _("Payments cannot be recorded on an agreement that is %(state)s.")
            % {"state": agreement.get_state_display().lower()}
        )
    reference = reference.strip()
    if reference and agreement.payments.filter(reference=reference).exists():
        raise DuplicatePaymentError(_("A payment with that reference was already recorded."))
    unpaid = list(
        agreement.installments.select_for_update()
        .filter(state__in=Installment.UNPAID_STATES)
        .order_by("due_date", "number")
    )
    outstanding = sum((i.outstanding for i in unpaid), Decimal("0"))
    if amount > outstanding:
        raise OverpaymentError(
            _("The payment exceeds what is owed (%(currency)s %(outstanding)s).")
            % {"currency": agreement.debt.currency, "outstanding": outstanding},
            extra={"outstanding": str(outstanding)},
        )

    today = timezone.localdate()
    remaining = amount
    applied: list[dict[str, object]] = []
    first: Installment | None = None
    for installment in unpaid:
        if remaining <= 0:
            break
        share = min(remaining, installment.outstanding)
        installment.paid_amount += share
        remaining -= share
        if installment.paid_amount == installment.amount:
            installment.state = Installment.State.PAID
            installment.paid_at = paid_at
        elif installment.state != Installment.State.OVERDUE and installment.due_date >= today:
            installment.state = Installment.State.PARTIAL
        installment.save(update_fields=["paid_amount", "state", "paid_at", "updated_at"])
        applied.append({"number": installment.number, "amount": str(share)})
        first = first or installment

    payment = Payment.objects.create(
        agreement=agreement, installment=first, amount=amount, paid_at=paid_at, method=method,
        reference=reference, applied_to=applied, notes=notes.strip()[:255], recorded_by=actor,
    )
    agreement.paid_total += amount  # the row is locked: no lost update
    update = ["paid_total", "updated_at"]
    if agreement.paid_total == agreement.agreed_total:
        agreement.state = State.FULFILLED
        agreement.closed_at = now
        update += ["state", "closed_at"]
    agreement.save(update_fields=update)
    publish_agreement_event(agreement, "agreement.payment_recorded")
    return payment


# ---------------------------------------------------------------------------------------------
# Daily: overdue instalments, broken agreements, reminders
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OverdueResult:
    marked: int
    broken: int


def installments_mark_overdue(*, today: date | None = None) -> OverdueResult:
    """Unpaid instalments past their due date become overdue; an agreement with one overdue longer
    than the grace period is broken. Conditional updates: running twice changes nothing more."""
    today = today or timezone.localdate()
    marked = Installment.objects.filter(
        state__in=[Installment.State.PENDING, Installment.State.PARTIAL],
        due_date__lt=today,
        agreement__state__in=PaymentAgreement.PAYABLE_STATES,
    ).update(state=Installment.State.OVERDUE, updated_at=timezone.now())

    limit = today - timedelta(days=settings.AGREEMENTS_GRACE_DAYS)
    candidates = PaymentAgreement.objects.filter(
        state=State.ACTIVE, installments__state=Installment.State.OVERDUE, installments__due_date__lt=limit
    ).values_list("pk", flat=True).distinct()
    broken = 0
    for agreement_id in list(candidates):
        with transaction.atomic():
            agreement = PaymentAgreement.objects.select_for_update().select_related("debt").get(pk=agreement_id)
            # Re-checked under the lock: a payment may have just settled the late instalment.
            late = agreement.installments.filter(state=Installment.State.OVERDUE, due_date__lt=limit).exists()
            if agreement.state != State.ACTIVE or not late:
                continue
            agreement.state = State.BROKEN
            agreement.closed_at = timezone.now()
            agreement.save(update_fields=["state", "closed_at", "updated_at"])
            publish_agreement_event(agreement)
            broken += 1
    return OverdueResult(marked=marked, broken=broken)


@dataclass(frozen=True)
class RemindResult:
    messages: int
    notes: int
    skipped: int


def _reminder_text(installment: Installment, kind: str) -> str:
    """The customer's message, in the site language (Spanish)."""
    agreement = installment.agreement
    contact = agreement.debt.contact
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "name": (contact.name or "").split(" ")[0] or _("customer"),
            "number": installment.number,
            "count": agreement.number_of_installments,
            "currency": agreement.debt.currency,
            "amount": installment.outstanding,
            "date": formats.date_format(installment.due_date, "SHORT_DATE_FORMAT"),
        }
        if kind == InstallmentReminder.Kind.OVERDUE:
            return _(
                "Hello %(name)s, instalment %(number)s of %(count)s of your payment agreement "
                "(%(currency)s %(amount)s) was due on %(date)s and is still unpaid. Reply to this message "
                "and we will help you settle it."
            ) % values
        return _(
            "Hello %(name)s, a reminder: instalment %(number)s of %(count)s of your payment agreement "
            "(%(currency)s %(amount)s) is due on %(date)s. If you have already paid, send us the voucher here."
        ) % values


def _remind_one(installment_id: int, kind: str, now: datetime) -> str | None:
    """Claim and deliver one reminder; ``None`` when it was already done."""
    from conversations.models import Conversation, Message
    from conversations.services.inbox import conversation_add_note
    from conversations.services.outbound import WindowClosedError, message_send

    with transaction.atomic():
        installment = Installment.objects.select_related(
            "agreement__debt__contact", "agreement__agent", "agreement__debt__assignee"
        ).get(pk=installment_id)
        try:
            with transaction.atomic():
                reminder = InstallmentReminder.objects.create(
                    installment=installment, kind=kind, channel=InstallmentReminder.Channel.MESSAGE
                )
        except IntegrityError:
            return None
        text = _reminder_text(installment, kind)
        agreement = installment.agreement
        conversation = (
            Conversation.objects.filter(contact_id=agreement.debt.contact_id)
            .select_related("channel_account")
            .order_by(F("last_message_at").desc(nulls_last=True), "-pk")
            .first()
        )
        message = None
        if conversation is not None and conversation.window_open(now):
            try:
                message = message_send(conversation=conversation, text=text, sender=Message.Sender.SYSTEM)
            except WindowClosedError:
                message = None
        if message is not None:
            reminder.message = message
        else:
            reminder.channel = InstallmentReminder.Channel.NOTE
            agent = agreement.agent or agreement.debt.assignee
            if conversation is not None:
                conversation_add_note(
                    actor=None,  # type: ignore[arg-type]  # written by the system
                    conversation=conversation,
                    text=_("Payment reminder to send (instalment %(number)s, the chat window is closed): %(text)s")
                    % {"number": installment.number, "text": text},
                )
            if agent is None:
                logger.warning("agreement %s has no agent to remind", agreement.pk)
            publish_reminder_event(installment, kind=kind, text=text)
        reminder.save(update_fields=["channel", "message", "updated_at"])
        Installment.objects.filter(pk=installment.pk).update(reminded_at=now, updated_at=now)
        return reminder.channel


def installments_remind(*, today: date | None = None, now: datetime | None = None) -> RemindResult:
    """One reminder per instalment and kind: due within N days, or overdue. A message to the customer
    when the chat window is open, else a note and a real-time event for the agent."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    soon = today + timedelta(days=settings.AGREEMENTS_REMIND_DAYS_BEFORE)
    unpaid = Installment.objects.filter(
        state__in=Installment.UNPAID_STATES, agreement__state=State.ACTIVE
    ).order_by("due_date", "pk")
    work = [
        *((pk, InstallmentReminder.Kind.UPCOMING) for pk in unpaid.filter(
            due_date__gte=today, due_date__lte=soon
        ).exclude(reminders__kind=InstallmentReminder.Kind.UPCOMING).values_list("pk", flat=True)),
        *((pk, InstallmentReminder.Kind.OVERDUE) for pk in unpaid.filter(
            due_date__lt=today
        ).exclude(reminders__kind=InstallmentReminder.Kind.OVERDUE).values_list("pk", flat=True)),
    ]
    messages = notes = skipped = 0
    for installment_id, kind in work:
        outcome = _remind_one(installment_id, kind, now)
        if outcome == InstallmentReminder.Channel.MESSAGE:
            messages += 1
        elif outcome == InstallmentReminder.Channel.NOTE:
            notes += 1
        else:
            skipped += 1
    return RemindResult(messages=messages, notes=notes, skipped=skipped)
