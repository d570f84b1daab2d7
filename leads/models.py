from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from operators.models import Category


class CustomerType(models.TextChoices):
    RETAIL = "retail", _("Retail")
    WHOLESALE = "wholesale", _("Wholesale")


class Contact(BaseModel):
    """The person. One row per human, whatever channels they write from.

    Channel identities (WhatsApp id, Instagram id) and the primary phone are unique when present,
    so the same person can never appear twice for one channel.
    """

    name = models.CharField(_("name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +51987654321."))
    extra_phones = models.JSONField(_("other phones"), default=list, blank=True)
    whatsapp_id = models.CharField(_("WhatsApp id"), max_length=64, blank=True)
    instagram_id = models.CharField(_("Instagram id"), max_length=64, blank=True)
    instagram_username = models.CharField(_("Instagram user"), max_length=64, blank=True)
    email = models.EmailField(_("email"), blank=True)
    document_number = models.CharField(_("ID document"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    zone = models.CharField(_("zone"), max_length=80, blank=True, help_text=_("District or neighbourhood."))
    address = models.CharField(_("address"), max_length=255, blank=True)
    customer_type = models.CharField(
        _("customer type"), max_length=10, choices=CustomerType.choices, default=CustomerType.RETAIL
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    marketing_consent = models.BooleanField(_("marketing consent"), default=False)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True, db_index=True)

    IDENTITY_FIELDS = ("phone", "whatsapp_id", "instagram_id")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="contact_unique_phone"),
            models.UniqueConstraint(
                fields=["whatsapp_id"], condition=~Q(whatsapp_id=""), name="contact_unique_whatsapp_id"
            ),
            models.UniqueConstraint(
                fields=["instagram_id"], condition=~Q(instagram_id=""), name="contact_unique_instagram_id"
            ),
            models.CheckConstraint(
                condition=~Q(phone="", whatsapp_id="", instagram_id="", email=""),
                name="contact_has_an_identity",
                violation_error_message=_("A contact needs a phone, a WhatsApp id, an Instagram id or an email."),
            ),
        ]
        indexes = [models.Index(fields=["name"], name="contact_name_idx")]

    def __str__(self) -> str:
        return self.name or self.phone or self.instagram_username or self.email or f"#{self.pk}"

    def validate_constraints(self, exclude: set[str] | None = None) -> None:
        """Report a taken phone or channel id on its field, with a message people understand."""
        errors: dict[str, list[str]] = {}
        for field in self.IDENTITY_FIELDS:
            value = getattr(self, field)
            if not value or (exclude and field in exclude):
                continue
            if Contact.objects.exclude(pk=self.pk).filter(**{field: value}).exists():
                label = self._meta.get_field(field).verbose_name
                errors[field] = [str(_("Another contact already has this %(field)s.") % {"field": label})]
        try:
            super().validate_constraints(exclude={*(exclude or ()), *errors})
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    @property
    def channels(self) -> list[str]:
        found = []
        if self.whatsapp_id or self.phone:
            found.append("whatsapp")
        if self.instagram_id:
            found.append("instagram")
        return found


class SourceChannel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    INSTAGRAM = "instagram", _("Instagram")
    PHONE = "phone", _("Phone call")
    WEB = "web", _("Web")
    WALK_IN = "walk_in", _("Walk-in")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class Classification(models.TextChoices):
    HOT = "HOT", _("Hot")
    WARM = "WARM", _("Warm")
    COLD = "COLD", _("Cold")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    QUOTED = "quoted", _("Quoted")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


CLOSED_STATUSES = (LeadStatus.WON, LeadStatus.LOST)


class Lead(BaseModel):
    """A sales opportunity of a contact, scored 0-100 and classified HOT/WARM/COLD."""

    contact = models.ForeignKey(Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="leads")
    source = models.CharField(
        _("source channel"), max_length=20, choices=SourceChannel.choices, default=SourceChannel.WHATSAPP
    )
    operator = models.ForeignKey(
        "operators.Operator",
        verbose_name=_("operator of interest"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    product = models.ForeignKey(
        "operators.Product",
        verbose_name=_("product of interest"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    product_interest = models.CharField(
        _("product interest"), max_length=200, blank=True, help_text=_("What the customer asked for, in words.")
    )
    service_type = models.CharField(_("service type"), max_length=20, choices=Category.choices, blank=True)
    budget = models.DecimalField(
        _("budget"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    zone = models.CharField(_("zone"), max_length=80, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    intent = models.CharField(_("intent"), max_length=40, blank=True)
    conversation_count = models.PositiveIntegerField(_("conversations"), default=0)
    score = models.PositiveSmallIntegerField(
        _("score"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)], db_index=True
    )
    classification = models.CharField(
        _("classification"), max_length=4, choices=Classification.choices, default=Classification.COLD
    )
    score_breakdown = models.JSONField(_("score breakdown"), default=dict, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)
    lost_reason = models.CharField(_("reason lost"), max_length=200, blank=True)
    next_action = models.CharField(_("next action"), max_length=200, blank=True)
    next_action_at = models.DateTimeField(_("next action due"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    ai_analysis = models.JSONField(_("AI analysis"), default=dict, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="lead_score_0_100"),
        ]
        indexes = [
            models.Index(fields=["classification", "status"], name="lead_class_status_idx"),
            models.Index(fields=["assignee", "status"], name="lead_assignee_status_idx"),
            models.Index(fields=["next_action_at"], name="lead_next_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_classification_display()} ({self.score})"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class ScoringFactor(models.TextChoices):
    PRODUCT = "product", _("Specific product of interest")
    BUDGET = "budget", _("Budget stated")
    ZONE = "zone", _("Zone stated")
    ADDRESS = "address", _("Full address")
    CONVERSATION = "conversation", _("Each conversation")
    PURCHASE_KEYWORDS = "purchase_keywords", _("Purchase keywords")


class ScoringRule(BaseModel):
    """One row of the scoring table; supervisors edit the points and keywords in admin."""

    factor = models.CharField(_("factor"), max_length=20, choices=ScoringFactor.choices, unique=True)
    points = models.PositiveSmallIntegerField(_("points"), validators=[MaxValueValidator(100)])
    keywords = models.JSONField(
        _("keywords"),
        default=list,
        blank=True,
        help_text=_("Only for purchase keywords: words or phrases, accents and case do not matter."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["-points", "factor"]

    def __str__(self) -> str:
        return f"{self.get_factor_display()}: +{self.points}"

    def clean(self) -> None:
        if not isinstance(self.keywords, list) or not all(isinstance(k, str) for k in self.keywords):
            raise ValidationError({"keywords": _("Enter a list of words, e.g. [\"quiero contratar\"].")})


class ScoringSettings(BaseModel):
    """The thresholds of the classification: HOT from ``hot_from``, WARM from ``warm_from``."""

    hot_from = models.PositiveSmallIntegerField(_("HOT from"), default=80, validators=[MaxValueValidator(100)])
    warm_from = models.PositiveSmallIntegerField(_("WARM from"), default=50, validators=[MaxValueValidator(100)])

    class Meta:
        verbose_name = _("scoring thresholds")
        verbose_name_plural = _("scoring thresholds")
        constraints = [
            models.CheckConstraint(condition=Q(warm_from__lt=models.F("hot_from")), name="scoring_warm_below_hot"),
        ]

    def __str__(self) -> str:
        return _("Hot from %(hot)d, warm from %(warm)d") % {"hot": self.hot_from, "warm": self.warm_from}

    def clean(self) -> None:
        if self.warm_from >= self.hot_from:
            raise ValidationError(_("The WARM threshold must be below the HOT threshold."))
