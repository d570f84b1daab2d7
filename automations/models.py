"""Automation rules: WHEN an event happens, IF its conditions hold, THEN run its actions; every run logged.

A supervisor writes a rule in admin: one trigger (a domain event of ``core.events``), the conditions as fields
of the rule (all that are filled must hold), and the actions in order. The engine (``automations.engine``)
runs the active rules of an event by ``position``, each in its own savepoint, and logs an ``AutomationRun``
with one result per action.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ai.types import Intent
from conversations.models import Channel, Conversation
from core.models import BaseModel
from leads.models import Classification
from tickets.models import Priority as TicketPriority


class Trigger(models.TextChoices):
    """The events a rule can wait for: the names of ``core.events.EVENTS``."""

    MESSAGE_RECEIVED = "message.received", _("A customer's message arrives")
    CONVERSATION_CREATED = "conversation.created", _("A conversation starts")
    CONVERSATION_ESCALATED = "conversation.escalated", _("A conversation is handed to a person")
    CONVERSATION_RESOLVED = "conversation.resolved", _("A conversation is resolved")
    LEAD_HOT = "lead.hot", _("A lead becomes HOT")
    QUOTE_EXPIRED = "quote.expired", _("A quote expires")
    SALE_VALIDATED = "sale.validated", _("A sale is validated")


class HoursCondition(models.TextChoices):
    ANY = "", _("At any time")
    INSIDE = "inside", _("Inside business hours")
    OUTSIDE = "outside", _("Outside business hours")


INTENT_CHOICES = [
    (Intent.GREETING.value, _("Greeting")),
    (Intent.PRODUCT_QUERY.value, _("Asks about a product")),
    (Intent.PRICE_QUERY.value, _("Asks a price")),
    (Intent.STOCK_QUERY.value, _("Asks about stock")),
    (Intent.COVERAGE_QUERY.value, _("Asks about coverage")),
    (Intent.PURCHASE_INTENT.value, _("Wants to buy")),
    (Intent.COMPARISON.value, _("Compares options")),
    (Intent.PRICE_OBJECTION.value, _("Finds it expensive")),
    (Intent.WARRANTY_QUERY.value, _("Asks about warranty")),
    (Intent.COMPLAINT.value, _("Complaint")),
    (Intent.SUPPORT_ISSUE.value, _("Support issue")),
    (Intent.HUMAN_REQUEST.value, _("Asks for a person")),
    (Intent.THANKS_GOODBYE.value, _("Thanks or goodbye")),
    (Intent.OTHER.value, _("Other")),
]


class AutomationRule(BaseModel):
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    trigger = models.CharField(_("when"), max_length=40, choices=Trigger.choices)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="automation_rules",
        help_text=_("Only for the conversations of this team (their assignee's team, else the number's team). "
                    "Empty: every team."),
    )
    position = models.PositiveIntegerField(
        _("order"), default=100, help_text=_("Rules of the same event run from the lowest number up."))
    stop_processing = models.BooleanField(
        _("stop here"), default=False,
        help_text=_("When this rule runs, the later rules of the same event do not."))
    # Conditions: every one that is filled in must hold.
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True,
                               help_text=_("Empty: any channel."))
    tags = models.ManyToManyField(
        "conversations.Tag", verbose_name=_("conversation tags"), blank=True, related_name="automation_rules",
        help_text=_("The conversation has any of these tags. Empty: no tag needed."))
    intent = models.CharField(
        _("intent"), max_length=40, choices=INTENT_CHOICES, blank=True,
        help_text=_("What the customer's message asks, as the AI reads it. Empty: any."))
    lead_temperature = models.CharField(
        _("lead temperature"), max_length=4, choices=Classification.choices, blank=True,
        help_text=_("The lead's classification. Empty: any (also no lead)."))
    text_contains = models.CharField(
        _("text contains"), max_length=255, blank=True,
        help_text=_("Words or phrases separated by commas; any of them matches the customer's message, "
                    "ignoring accents and capitals (\"reclamo, libro de reclamaciones\")."))
    business_hours = models.CharField(_("business hours"), max_length=10, choices=HoursCondition.choices,
                                      blank=True, default=HoursCondition.ANY)

    class Meta:
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        ordering = ["trigger", "position", "pk"]
        indexes = [models.Index(fields=["trigger", "is_active", "position"], name="automation_rule_trigger_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def text_terms(self) -> list[str]:
        return [term.strip() for term in self.text_contains.split(",") if term.strip()]


class ActionKind(models.TextChoices):
    ASSIGN_AGENT = "assign_agent", _("Assign to an agent")
    ROUTE = "route", _("Route with the team's policy")
    ADD_TAG = "add_tag", _("Add a tag")
    SET_PRIORITY = "set_priority", _("Set the priority")
    SEND_MESSAGE = "send_message", _("Send a message")
    SEND_TEMPLATE = "send_template", _("Send a template")
    CREATE_TICKET = "create_ticket", _("Create a ticket")
    CREATE_FOLLOWUP = "create_followup", _("Schedule a follow-up")
    NOTIFY = "notify", _("Notify people")


class AutomationAction(BaseModel):
    """One step of a rule. Which fields it reads depends on its kind (``clean`` says what is missing)."""

    rule = models.ForeignKey(AutomationRule, verbose_name=_("rule"), on_delete=models.CASCADE,
                             related_name="actions")
    position = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("do"), max_length=20, choices=ActionKind.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", help_text=_("Assign to an agent: who receives the conversation."))
    tag_name = models.CharField(_("tag"), max_length=40, blank=True, help_text=_("Add a tag: its name."))
    priority = models.CharField(
        _("conversation priority"), max_length=10, choices=Conversation.Priority.choices, blank=True,
        help_text=_("Set the priority: the new one. Route: the priority to give it (empty: the policy's)."))
    text = models.TextField(
        _("text"), blank=True,
        help_text=_("Send a message: the text. Ticket: its subject. Follow-up: the message. Notify: the notice. "
                    "{nombre} is the customer's first name."))
    template = models.ForeignKey(
        "conversations.MessageTemplate", verbose_name=_("template"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="+",
        help_text=_("Send a template (and a follow-up once the 24-hour window has closed)."))
    template_variables = models.CharField(
        _("template values"), max_length=255, blank=True,
        help_text=_("The values of {{1}}, {{2}}… separated by |; {nombre} is the customer's first name."))
    ticket_category = models.ForeignKey(
        "tickets.TicketCategory", verbose_name=_("ticket category"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+")
    ticket_priority = models.CharField(_("ticket priority"), max_length=10, choices=TicketPriority.choices,
                                       blank=True, help_text=_("Empty: the category's."))
    delay_minutes = models.PositiveIntegerField(
        _("after (minutes)"), default=60, help_text=_("Follow-up: how long after the event it goes out."))
    notify_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("people to notify"), blank=True, related_name="+")
    notify_assignee = models.BooleanField(_("notify the assignee"), default=False)
    notify_supervisors = models.BooleanField(_("notify the team's supervisor"), default=False)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def clean(self) -> None:
        super().clean()
        required = {
            ActionKind.ASSIGN_AGENT: ("agent", _("Choose the agent.")),
            ActionKind.ADD_TAG: ("tag_name", _("Write the tag.")),
            ActionKind.SET_PRIORITY: ("priority", _("Choose the priority.")),
            ActionKind.SEND_MESSAGE: ("text", _("Write the message.")),
            ActionKind.SEND_TEMPLATE: ("template", _("Choose the template.")),
            ActionKind.CREATE_TICKET: ("text", _("Write the ticket's subject.")),
        }
        if self.kind in required:
            field, message = required[self.kind]
            if not getattr(self, field if field not in ("agent", "template") else f"{field}_id"):
                raise ValidationError({field: message})
        if self.kind == ActionKind.CREATE_FOLLOWUP and not self.text.strip() and not self.template_id:
            raise ValidationError({"text": _("Write the follow-up's message or choose a template.")})
        if self.kind == ActionKind.CREATE_FOLLOWUP and self.delay_minutes < 1:
            raise ValidationError({"delay_minutes": _("A follow-up goes out at least a minute later.")})

    @property
    def variables(self) -> list[str]:
        return [value.strip() for value in self.template_variables.split("|")] if self.template_variables else []


class AutomationRun(models.Model):
    """One rule that ran (or was held back) for one event: what it was about and what each action did."""

    class Status(models.TextChoices):
        OK = "ok", _("Done")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Held back")

    rule = models.ForeignKey(AutomationRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="runs")
    event = models.CharField(_("event"), max_length=40, choices=Trigger.choices)
    status = models.CharField(_("result"), max_length=10, choices=Status.choices)
    conversation = models.ForeignKey(
        "conversations.Conversation", verbose_name=_("conversation"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+")
    message = models.ForeignKey(
        "conversations.Message", verbose_name=_("message"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+")
    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    quote = models.ForeignKey("sales.Quote", verbose_name=_("quote"), on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    sale = models.ForeignKey("sales.Sale", verbose_name=_("sale"), on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    payload = models.JSONField(_("event data"), default=dict, blank=True)
    # [{"action": id, "kind": "add_tag", "ok": true, "detail": "…"}] in the order the actions ran.
    results = models.JSONField(_("action results"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    depth = models.PositiveSmallIntegerField(
        _("depth"), default=0, help_text=_("How many automation rules led to this event (0: a person or a "
                                           "customer did)."))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    created_at = models.DateTimeField(_("ran at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("automation run")
        verbose_name_plural = _("automation runs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["rule", "-created_at"], name="automation_run_rule_idx"),
            models.Index(fields=["status", "-created_at"], name="automation_run_status_idx"),
            models.Index(fields=["rule", "conversation", "-created_at"], name="automation_run_guard_idx"),
        ]
        constraints = [
            # A customer's message runs a rule once (a voice note is announced again once its file is stored).
            models.UniqueConstraint(fields=["rule", "message"], name="automation_run_once_per_message",
                                    condition=Q(message__isnull=False) & ~Q(status="skipped")),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.get_status_display()}"
