"""Debts in collections campaigns and the payment agreements negotiated for them.

Money is ``Decimal`` with two places; an agreement's instalments always sum exactly to its agreed
total (the last one takes the rounding remainder, see ``services.split_amount``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from core.money import format_money

CENT = Decimal("0.01")
MONEY = {"max_digits": 12, "decimal_places": 2}


class ContactStatus(models.TextChoices):
    """Where the collector stands with the debtor: the result of the latest collection action."""

    NOT_CONTACTED = "not_contacted", _("Not contacted")
    CONTACTED = "contacted", _("Contacted")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    PROMISE_TO_PAY = "promise_to_pay", _("Promise to pay")
    REFUSED = "refused", _("Refused to pay")
    AGREEMENT = "agreement", _("Agreement")


class Debt(BaseModel):
    """What a customer owes a creditor, as handed to us for a collections campaign."""

    contact = models.ForeignKey(
        "leads.Contact", verbose_name=_("contact"), on_delete=models.PROTECT, related_name="debts"
    )
    operator = models.ForeignKey(
        "operators.Operator", verbose_name=_("creditor"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="debts",
    )
    reference = models.CharField(_("reference"), max_length=64, blank=True,
                                 help_text=_("The creditor's account or invoice number."))
    original_amount = models.DecimalField(_("original amount"), **MONEY, validators=[MinValueValidator(CENT)])
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    due_since = models.DateField(_("due since"))
    campaign = models.CharField(_("campaign"), max_length=100, blank=True, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned agent"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="debts",
    )
    contact_status = models.CharField(_("contact status"), max_length=15, choices=ContactStatus.choices,
                                      default=ContactStatus.NOT_CONTACTED, db_index=True)
    last_action_at = models.DateTimeField(_("last action at"), null=True, blank=True)
    next_action_at = models.DateTimeField(_("next follow-up"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("debt")
        verbose_name_plural = _("debts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(original_amount__gt=0), name="debt_amount_positive"),
            models.UniqueConstraint(
                fields=["operator", "reference"], condition=~Q(reference=""), name="debt_unique_reference"
            ),
        ]
        indexes = [models.Index(fields=["assignee", "created_at"], name="debt_assignee_idx")]

    def __str__(self) -> str:
        label = self.reference or f"#{self.pk}"
        return f"{label} · {format_money(self.original_amount, self.currency)}"


class PaymentAgreement(BaseModel):
    """A negotiated discount on a debt, paid in instalments."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        FULFILLED = "fulfilled", _("Fulfilled")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (State.DRAFT, State.ACTIVE)
    PAYABLE_STATES = (State.ACTIVE, State.BROKEN)

    debt = models.ForeignKey(Debt, verbose_name=_("debt"), on_delete=models.PROTECT, related_name="agreements")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="payment_agreements",
    )
    base_amount = models.DecimalField(_("amount owed"), **MONEY, help_text=_("What was owed when agreed."))
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    discount_amount = models.DecimalField(_("discount"), **MONEY, default=Decimal("0"))
    agreed_total = models.DecimalField(_("agreed total"), **MONEY)
    paid_total = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"))
    number_of_installments = models.PositiveSmallIntegerField(_("instalments"), validators=[MinValueValidator(1)])
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE, db_index=True)
    notes = models.TextField(_("notes"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason cancelled"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment agreement")
        verbose_name_plural = _("payment agreements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(agreed_total__gt=0), name="agreement_total_positive"),
            models.CheckConstraint(condition=Q(discount_amount__gte=0), name="agreement_discount_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100), name="agreement_discount_percent"
            ),
            models.CheckConstraint(
                condition=Q(paid_total__gte=0, paid_total__lte=F("agreed_total")), name="agreement_paid_within_total"
            ),
            models.CheckConstraint(condition=Q(number_of_installments__gte=1), name="agreement_installments_min"),
            # One live agreement per debt; broken or cancelled ones may be renegotiated.
            models.UniqueConstraint(
                fields=["debt"], condition=Q(state__in=["draft", "active"]), name="agreement_one_open_per_debt"
            ),
        ]
        indexes = [models.Index(fields=["agent", "state"], name="agreement_agent_state_idx")]

    def __str__(self) -> str:
        return str(_("Agreement #%(id)s") % {"id": self.pk})

    @property
    def currency(self) -> str:
        return self.debt.currency

    @property
    def outstanding(self) -> Decimal:
        return self.agreed_total - self.paid_total

    @property
    def paid_percent(self) -> int:
        if not self.agreed_total:
            return 0
        return int(100 * self.paid_total / self.agreed_total)


class Installment(BaseModel):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        PARTIAL = "partial", _("Partly paid")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")

    UNPAID_STATES = (State.PENDING, State.PARTIAL, State.OVERDUE)

    agreement = models.ForeignKey(
        PaymentAgreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="installments"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"), db_index=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="installment_unique_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, paid_amount__lte=F("amount")), name="installment_paid_within_amount"
            ),
        ]
        indexes = [models.Index(fields=["state", "due_date"], name="installment_state_due_idx")]

    def __str__(self) -> str:
        return str(_("Instalment %(number)s") % {"number": self.number})

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount


class InstallmentReminder(BaseModel):
    """One reminder of one kind per instalment: the unique row is the claim, so none goes out twice."""

    class Kind(models.TextChoices):
        UPCOMING = "upcoming", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

    class Channel(models.TextChoices):
        MESSAGE = "message", _("Message to the customer")
        NOTE = "note", _("Note for the agent")

    installment = models.ForeignKey(
        Installment, verbose_name=_("instalment"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    message = models.ForeignKey(
        "conversations.Message", verbose_name=_("message"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("instalment reminder")
        verbose_name_plural = _("instalment reminders")
        constraints = [
            models.UniqueConstraint(fields=["installment", "kind"], name="installment_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.installment} · {self.get_kind_display()}"


class Payment(BaseModel):
    class Method(models.TextChoices):
        TRANSFER = "transfer", _("Bank transfer")
        DEPOSIT = "deposit", _("Bank deposit")
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")
        WALLET = "wallet", _("Mobile wallet")
        OTHER = "other", _("Other")

    agreement = models.ForeignKey(
        PaymentAgreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="payments"
    )
    installment = models.ForeignKey(
        Installment, verbose_name=_("instalment"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="payments", help_text=_("The oldest instalment the payment went to."),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_at = models.DateTimeField(_("paid at"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.TRANSFER)
    reference = models.CharField(_("reference"), max_length=64, blank=True,
                                 help_text=_("Operation number on the voucher."))
    applied_to = models.JSONField(_("applied to"), default=list, blank=True,
                                  help_text=_("Instalment numbers and the amount each received."))
    notes = models.CharField(_("notes"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["agreement", "reference"], condition=~Q(reference=""), name="payment_unique_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} · {self.paid_at:%Y-%m-%d}"


class CollectionAction(BaseModel):
    """One thing a collector did about a debt ("gestión"): how, what came of it, and what comes next."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MESSAGE = "message", _("Message")
        VISIT = "visit", _("Visit")
        OTHER = "other", _("Other")

    debt = models.ForeignKey(Debt, verbose_name=_("debt"), on_delete=models.CASCADE, related_name="actions")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("collector"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="collection_actions",
    )
    kind = models.CharField(_("action"), max_length=10, choices=Kind.choices)
    result = models.CharField(_("result"), max_length=15, choices=ContactStatus.choices)
    notes = models.TextField(_("notes"), blank=True)
    promised_amount = models.DecimalField(_("promised amount"), **MONEY, null=True, blank=True)
    promised_date = models.DateField(_("promised payment date"), null=True, blank=True, db_index=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_at = models.DateTimeField(_("next step at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("collection action")
        verbose_name_plural = _("collection actions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_amount__isnull=True) | Q(promised_amount__gt=0),
                name="collection_promise_positive",
            ),
            models.CheckConstraint(
                condition=~Q(result="promise_to_pay") | Q(promised_date__isnull=False),
                name="collection_promise_has_date",
            ),
        ]
        indexes = [models.Index(fields=["agent", "next_step_at"], name="collection_agent_next_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_result_display()}"
