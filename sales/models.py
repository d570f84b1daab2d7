"""Quotes, sales, commissions and the per-role discount limits.

Money is ``Decimal`` (12,2) with a currency. Numbers are human readable (``COT-000123``,
``VTA-000123``) and unique. Totals are computed by the services, never by ``save()``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.models import BaseModel
from operators.models import Category

PERCENT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
MONEY = {"max_digits": 12, "decimal_places": 2}


class DiscountLimit(BaseModel):
    """The largest extra discount (on top of the catalog's) a role may give on a line."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, unique=True)
    max_percent = models.DecimalField(
        _("maximum discount (%)"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )

    class Meta:
        verbose_name = _("discount limit")
        verbose_name_plural = _("discount limits")
        ordering = ["max_percent"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_percent__gte=0) & Q(max_percent__lte=100), name="discount_limit_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.max_percent}%"


class SaleType(models.TextChoices):
    NEW_LINE = "new_line", _("New line")
    PORTABILITY = "portability", _("Portability")
    PREPAID_TO_POSTPAID = "prepaid_to_postpaid", _("Prepaid to postpaid")
    UPGRADE = "upgrade", _("Upgrade")
    RETAIL = "retail", _("Retail")


class CustomerDeal(BaseModel):
    """What a quote and a sale share: a numbered deal with a customer, by an agent, maybe from a chat.

    Reverse names follow the model: ``contact.quotes`` / ``contact.sales``, ``agent.quotes`` / ``agent.sales``.
    """

    number = models.CharField(_("number"), max_length=20, unique=True)
    contact = models.ForeignKey(
        "leads.Contact", verbose_name=_("contact"), on_delete=models.PROTECT, related_name="%(class)ss"
    )
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="%(class)ss",
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", verbose_name=_("conversation"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="%(class)ss",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="%(class)ss"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number


class Quote(CustomerDeal):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    sale_type = models.CharField(_("sale type"), max_length=20, choices=SaleType.choices, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=Decimal("0"))
    discount_total = models.DecimalField(_("discount"), **MONEY, default=Decimal("0"))
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"))
    valid_until = models.DateField(_("valid until"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="quotes/%Y/%m/", blank=True, max_length=255)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "valid_until"], name="quote_status_valid_idx"),
            models.Index(fields=["agent", "status"], name="quote_agent_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="quote_total_not_negative"),
        ]


class PricedLine(models.Model):
    """A product line of a quote or a sale: the price and discounts it was sold at, frozen."""

    product = models.ForeignKey(
        "operators.Product", verbose_name=_("product"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price"), **MONEY, help_text=_("List or wholesale price."))
    product_discount_percent = models.DecimalField(
        _("catalog discount (%)"), max_digits=5, decimal_places=2, default=Decimal("0"),
        validators=PERCENT_VALIDATORS,
    )
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT_VALIDATORS
    )
    line_total = models.DecimalField(_("line total"), **MONEY)

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class QuoteLine(PricedLine):
    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="lines")

    class Meta(PricedLine.Meta):
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")


class Sale(CustomerDeal):
    class Status(models.TextChoices):
        PENDING_VALIDATION = "pending_validation", _("Pending validation")
        VALIDATED = "validated", _("Validated")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class PaymentMethod(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")
        TRANSFER = "transfer", _("Bank transfer")
        YAPE_PLIN = "yape_plin", _("Yape / Plin")
        INSTALLMENTS = "installments", _("Installments")
        CASH_ON_DELIVERY = "cash_on_delivery", _("Cash on delivery")
        OTHER = "other", _("Other")

    class InstallationState(models.TextChoices):
        PENDING = "pending", _("Pending")
        SCHEDULED = "scheduled", _("Scheduled")
        INSTALLED = "installed", _("Installed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    quote = models.OneToOneField(
        Quote, verbose_name=_("quote"), on_delete=models.SET_NULL, null=True, blank=True, related_name="sale"
    )
    sale_type = models.CharField(_("sale type"), max_length=20, choices=SaleType.choices, default=SaleType.NEW_LINE)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING_VALIDATION, db_index=True
    )
    rejection_reason = models.CharField(_("reason rejected"), max_length=255, blank=True)
    cancellation_reason = models.CharField(_("reason cancelled"), max_length=255, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("validated by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="validated_sales",
    )
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=20, choices=PaymentMethod.choices, blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=255, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    installation_state = models.CharField(
        _("installation"), max_length=10, choices=InstallationState.choices, default=InstallationState.PENDING
    )
    installation_date = models.DateField(_("installation date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"))
    sold_at = models.DateTimeField(_("sold at"), default=timezone.now, db_index=True)
    notes = models.TextField(_("notes"), blank=True)
    receipt = models.FileField(_("receipt"), upload_to="receipts/%Y/%m/", blank=True, max_length=255)
    receipt_sent_at = models.DateTimeField(_("receipt sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-sold_at", "-pk"]
        indexes = [
            models.Index(fields=["agent", "sold_at"], name="sale_agent_sold_idx"),
            models.Index(fields=["status", "sold_at"], name="sale_status_sold_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="sale_total_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="sale_rejection_has_reason"
            ),
        ]


class SaleLine(PricedLine):
    sale = models.ForeignKey(Sale, verbose_name=_("sale"), on_delete=models.CASCADE, related_name="lines")

    class Meta(PricedLine.Meta):
        verbose_name = _("sale line")
        verbose_name_plural = _("sale lines")


class CommissionRule(BaseModel):
    """What an agent earns on a sale line. Empty criteria match anything; the most specific rule wins."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed amount per unit")
        PERCENT = "percent", _("Percent of the line total")

    name = models.CharField(_("name"), max_length=100, blank=True)
    operator = models.ForeignKey(
        "operators.Operator", verbose_name=_("operator"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="commission_rules",
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    sale_type = models.CharField(_("sale type"), max_length=20, choices=SaleType.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    value = models.DecimalField(_("value"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")
        ordering = ["operator__name", "category", "sale_type", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="commission_rule_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100), name="commission_rule_percent_max_100"
            ),
        ]

    def __str__(self) -> str:
        if self.name:
            return self.name
        parts = [str(self.operator) if self.operator_id else "*", self.category or "*", self.sale_type or "*"]
        amount = f"{self.value}%" if self.kind == self.Kind.PERCENT else f"{self.value}"
        return f"{' / '.join(parts)}: {amount}"

    @property
    def specificity(self) -> int:
        """Operator weighs most, then category, then sale type; ties go to the older rule."""
        return 4 * bool(self.operator_id) + 2 * bool(self.category) + bool(self.sale_type)


class Commission(BaseModel):
    """An agent's commission on one line of a validated sale, counted in the month of the sale."""

    sale = models.ForeignKey(Sale, verbose_name=_("sale"), on_delete=models.CASCADE, related_name="commissions")
    line = models.ForeignKey(
        SaleLine, verbose_name=_("sale line"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="commissions",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="commissions"
    )
    rule = models.ForeignKey(
        CommissionRule, verbose_name=_("rule"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="commissions",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    month = models.DateField(_("month"), db_index=True, help_text=_("First day of the month of the sale."))

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        ordering = ["-month", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["sale", "line"], name="commission_unique_sale_line"),
        ]
        indexes = [models.Index(fields=["agent", "month"], name="commission_agent_month_idx")]

    def __str__(self) -> str:
        return f"{self.agent} · {self.sale} · {self.amount}"
