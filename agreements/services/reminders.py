"""Daily (beat): overdue instalments, broken agreements, and reminders claimed once per instalment and kind."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from agreements.events import publish_agreement_event, publish_reminder_event
from agreements.models import Installment, InstallmentReminder, PaymentAgreement
from agreements.services.common import (
    State,
)
from conversations.models import Conversation, Message
from conversations.services.inbox import conversation_add_note
from conversations.services.outbound import WindowClosedError, message_send
from core.money import format_money


@dataclass(frozen=True)
class OverdueResult:
    marked: int
    broken: int

logger = logging.getLogger(__name__)


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
            "amount": format_money(installment.outstanding, agreement.debt.currency),
            "date": formats.date_format(installment.due_date, "SHORT_DATE_FORMAT"),
        }
        if kind == InstallmentReminder.Kind.OVERDUE:
            return _(
                "Hello %(name)s, instalment %(number)s of %(count)s of your payment agreement "
                "(%(amount)s) was due on %(date)s and is still unpaid. Reply to this message "
                "and we will help you settle it."
            ) % values
        return _(
            "Hello %(name)s, a reminder: instalment %(number)s of %(count)s of your payment agreement "
            "(%(amount)s) is due on %(date)s. If you have already paid, send us the voucher here."
        ) % values


def _remind_one(installment_id: int, kind: str, now: datetime) -> str | None:
    """Claim and deliver one reminder; ``None`` when it was already done."""
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
