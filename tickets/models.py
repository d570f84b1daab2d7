"""Tickets: a customer's problem tracked to its end, with SLA clocks, history, comments and attachments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import BaseModel


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class TicketCategory(BaseModel):
    """What a ticket is about; it may route its tickets to a team, or to named agents in turn."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="ticket_categories", help_text=_("New tickets of this category go to this team."),
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("agents"), blank=True, related_name="ticket_categories",
        help_text=_("When set, new tickets of this category go to these people in turn instead of the whole team."),
    )
    default_priority = models.CharField(_("default priority"), max_length=10, choices=Priority.choices,
                                        default=Priority.MEDIUM)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(BaseModel):
    """How fast a ticket of one priority must get a first answer and be resolved."""

    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField(_("first response (minutes)"),
                                                         validators=[MinValueValidator(1)])
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"), validators=[MinValueValidator(1)])
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at (% of the time)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("The assignee is warned when this share of the allowed time has passed."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["priority"]

    def __str__(self) -> str:
        return str(self.get_priority_display())


class Ticket(BaseModel):
    class State(models.TextChoices):
        # A ticket is masculine in Spanish ("abierto"), a conversation feminine: these labels have their own context.
        OPEN = "open", pgettext_lazy("ticket state", "Open")
        IN_PROGRESS = "in_progress", pgettext_lazy("ticket state", "In progress")
        REOPENED = "reopened", pgettext_lazy("ticket state", "Reopened")
        RESOLVED = "resolved", pgettext_lazy("ticket state", "Resolved")
        CLOSED = "closed", pgettext_lazy("ticket state", "Closed")

    class Source(models.TextChoices):
        PANEL = "panel", _("Panel")
        AI_ESCALATION = "ai_escalation", _("AI escalation")
        API = "api", _("API")
        ADMIN = "admin", _("Back office")

    ACTIVE_STATES = (State.OPEN, State.IN_PROGRESS, State.REOPENED)

    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN, db_index=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM,
                                db_index=True)
    category = models.ForeignKey(TicketCategory, verbose_name=_("category"), on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="tickets")
    source = models.CharField(_("source"), max_length=15, choices=Source.choices, default=Source.PANEL)
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="tickets")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="tickets")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # What the ticket is about (any may be empty).
    contact = models.ForeignKey("leads.Contact", verbose_name=_("contact"), on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="tickets")
    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="tickets")
    conversation = models.ForeignKey("conversations.Conversation", verbose_name=_("conversation"),
                                     on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    call = models.ForeignKey("calls.Call", verbose_name=_("call"), on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="tickets")
    sale = models.ForeignKey("sales.Sale", verbose_name=_("sale"), on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="tickets")
    escalation_reason = models.CharField(_("escalation reason"), max_length=40, blank=True)
    # The SLA clocks: set from the priority's policy when the ticket opens (and again when the priority changes).
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True, db_index=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True, db_index=True)
    first_responded_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    sla_warned_at = models.DateTimeField(_("SLA warning sent"), null=True, blank=True)
    is_first_response_breached = models.BooleanField(_("first response late"), default=False)
    is_resolution_breached = models.BooleanField(_("resolution late"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open complaint ticket per conversation: a redelivered escalation finds it instead of a second.
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(source="ai_escalation", state__in=["open", "in_progress", "reopened"]),
                name="ticket_one_open_escalation_per_conversation",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "state"], name="ticket_assignee_state_idx"),
            models.Index(fields=["team", "state"], name="ticket_team_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.subject}"

    @property
    def number(self) -> str:
        return f"TK-{self.pk:06d}" if self.pk else "TK-?"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES


class TicketEvent(models.Model):
    """One line of a ticket's history: who changed what, from what, to what, and when. Never edited."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        COMMENTED = "commented", _("Commented")
        CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
        ATTACHED = "attached", _("File attached")
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACHED = "sla_breached", _("SLA breached")

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    field = models.CharField(_("field"), max_length=40, blank=True)
    old_value = models.CharField(_("before"), max_length=255, blank=True)
    new_value = models.CharField(_("after"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ticket history")
        verbose_name_plural = _("ticket history")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.get_kind_display()} {self.field}"


class TicketComment(BaseModel):
    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal note")
        CUSTOMER = "customer", _("To the customer")
        FROM_CUSTOMER = "from_customer", _("From the customer")

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="+")
    visibility = models.CharField(_("visibility"), max_length=15, choices=Visibility.choices,
                                  default=Visibility.INTERNAL)
    body = models.TextField(_("text"))
    # A comment to the customer goes out as a message of the linked conversation; a customer's reply comes in as one.
    message = models.OneToOneField("conversations.Message", verbose_name=_("message"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="ticket_comment")

    class Meta:
        verbose_name = _("ticket comment")
        verbose_name_plural = _("ticket comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.get_visibility_display()}"


class TicketAttachment(BaseModel):
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               related_name="attachments")
    comment = models.ForeignKey(TicketComment, verbose_name=_("comment"), on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="attachments")
    file = models.FileField(_("file"), upload_to="tickets/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class AssignmentCursor(models.Model):
    """Where round-robin assignment stands for one pool (a team or a category): the last person given a ticket."""

    pool = models.CharField(_("pool"), max_length=40, unique=True)
    last_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("last assigned"),
                                  on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("assignment turn")
        verbose_name_plural = _("assignment turns")

    def __str__(self) -> str:
        return self.pool
