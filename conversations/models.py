from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from encrypted_fields.fields import EncryptedTextField

from core.models import BaseModel
from integrations.base import DeliveryStatus, MessageType, Provider

WHATSAPP_WINDOW = timedelta(hours=24)
INSTAGRAM_HUMAN_AGENT_WINDOW = timedelta(days=7)


class ProviderChoices(models.TextChoices):
    TWILIO_WHATSAPP = Provider.TWILIO_WHATSAPP, _("WhatsApp (Twilio)")
    META_WHATSAPP = Provider.META_WHATSAPP, _("WhatsApp (Meta Cloud API)")
    INSTAGRAM = Provider.INSTAGRAM, _("Instagram")
    SANDBOX = Provider.SANDBOX, _("Sandbox (a pretend phone in the browser)")


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    INSTAGRAM = "instagram", _("Instagram")

    @classmethod
    def of_provider(cls, provider: str) -> Channel:
        """The channel a provider's account carries: Instagram's, else WhatsApp (Twilio, Cloud API, sandbox)."""
        return cls.INSTAGRAM if provider == Provider.INSTAGRAM else cls.WHATSAPP


class ChannelAccount(BaseModel):
    """One of our numbers or accounts on a provider. Secrets are encrypted at rest."""

    provider = models.CharField(_("provider"), max_length=20, choices=ProviderChoices.choices)
    name = models.CharField(_("display name"), max_length=100)
    account_ref = models.CharField(
        _("number or account id"),
        max_length=64,
        help_text=_("Twilio: the WhatsApp number in E.164. Meta: the phone number id. Instagram: the account id."),
    )
    phone_number = models.CharField(_("phone number"), max_length=20, blank=True)
    account_sid = models.CharField(_("Twilio account SID"), max_length=64, blank=True)
    access_token = EncryptedTextField(_("auth token / access token"), blank=True, null=True)
    app_secret = EncryptedTextField(_("app secret"), blank=True, null=True)
    verify_token = EncryptedTextField(_("verify token"), blank=True, null=True)
    is_active = models.BooleanField(_("active"), default=True)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="channel_accounts",
        help_text=_("The team that serves this number: its routing, business hours and service levels apply to "
                    "the conversations nobody has taken yet."),
    )

    class AIMode(models.TextChoices):
        AUTO = "auto", _("The AI answers")
        DRAFT = "draft", _("The AI drafts, an agent approves")
        OFF = "off", _("Off")

    ai_mode = models.CharField(_("AI mode"), max_length=5, choices=AIMode.choices, default=AIMode.AUTO)
    reminder_after_hours = models.PositiveSmallIntegerField(
        _("remind after (hours)"), default=0,
        help_text=_("Remind the assigned agent when the customer has not answered our last message for this "
                    "many hours. 0 turns reminders off."),
    )

    class Meta:
        verbose_name = _("channel account")
        verbose_name_plural = _("channel accounts")
        ordering = ["provider", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "account_ref"], name="channel_account_unique_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()})"

    @property
    def channel(self) -> str:
        return Channel.of_provider(self.provider)


class WebhookEvent(models.Model):
    """A provider's delivery, stored before we answer 200. One row per message or status in it."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")
        IGNORED = "ignored", _("Ignored")
        WAITING = "waiting", _("Waiting for our message")

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        STATUS = "status", _("Status")
        OTHER = "other", _("Other")

    provider = models.CharField(_("provider"), max_length=20, choices=ProviderChoices.choices)
    external_id = models.CharField(_("external id"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    ref_id = models.CharField(
        _("message it refers to"), max_length=200, blank=True, db_index=True,
        help_text=_("For statuses: the provider id of our message."),
    )
    payload = models.JSONField(_("raw payload"))
    normalized = models.JSONField(_("normalized event"), default=dict, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # When the event was last given to the inbound workers (set with the insert; cleared when the broker
    # refused it). A ``received`` event whose hand-over is older than ``WEBHOOK_HANDOVER_STALE_SECONDS``
    # is given again, by the periodic sweep or by the provider's redelivery (conversations/services/handover.py).
    handed_over_at = models.DateTimeField(_("handed to the workers at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_id"], name="webhook_event_unique_external_id"),
        ]
        indexes = [models.Index(fields=["state", "received_at"], name="webhook_state_idx")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.external_id}"


class Tag(BaseModel):
    name = models.CharField(_("name"), max_length=40, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#6C757D")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Conversation(BaseModel):
    """A thread between a contact and one of our channel accounts."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("conversation status", "Open")
        PENDING = "pending", pgettext_lazy("conversation status", "Pending")
        SNOOZED = "snoozed", pgettext_lazy("conversation status", "Snoozed")
        RESOLVED = "resolved", pgettext_lazy("conversation status", "Resolved")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    contact = models.ForeignKey(
        "leads.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="conversations"
    )
    channel_account = models.ForeignKey(
        ChannelAccount, verbose_name=_("channel account"), on_delete=models.PROTECT, related_name="conversations"
    )
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="conversations",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="conversations",
    )
    needs_human = models.BooleanField(_("needs a person"), default=False)
    last_inbound_at = models.DateTimeField(_("last message from the customer"), null=True, blank=True)
    last_outbound_at = models.DateTimeField(_("last message to the customer"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True, db_index=True)
    last_message_preview = models.CharField(_("last message"), max_length=140, blank=True)
    unread_count = models.PositiveIntegerField(_("unread"), default=0)
    ai_draft = models.TextField(_("AI suggested reply"), blank=True)
    ai_low_confidence_streak = models.PositiveSmallIntegerField(default=0, editable=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="conversations")
    event_seq = models.PositiveBigIntegerField(_("last event number"), default=0, editable=False)
    silence_reminded_at = models.DateTimeField(_("silence reminder sent at"), null=True, blank=True, editable=False)
    # Service levels: when the current assignee got it, the first reply (a person's or the AI's, never a
    # system message), the last resolution, and the customer's oldest message still waiting for a reply.
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True, editable=False)
    first_response_at = models.DateTimeField(_("first reply at"), null=True, blank=True, editable=False)
    first_agent_reply_at = models.DateTimeField(_("first reply by a person at"), null=True, blank=True,
                                                editable=False)
    escalated_at = models.DateTimeField(_("handed to a person at"), null=True, blank=True, editable=False)
    escalation_reason = models.CharField(_("why it was handed to a person"), max_length=40, blank=True,
                                         editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    waiting_since = models.DateTimeField(_("waiting for a reply since"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "assignee", "last_message_at"], name="conversation_inbox_idx"),
            models.Index(fields=["contact", "channel_account", "status"], name="conversation_contact_idx"),
            # Unanswered assignments that go back to the queue (routing), oldest first.
            models.Index(fields=["status", "assigned_at"], name="conversation_assigned_idx",
                         condition=Q(assignee__isnull=False)),
            # The dashboard's conversations resolved or handed over in a range (most rows have neither).
            models.Index(fields=["resolved_at"], name="conversation_resolved_idx",
                         condition=Q(resolved_at__isnull=False)),
            models.Index(fields=["escalated_at"], name="conversation_escalated_idx",
                         condition=Q(escalated_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.channel_account.get_provider_display()}"

    @property
    def channel(self) -> str:
        return self.channel_account.channel

    def window_open(self, now: timezone.datetime | None = None) -> bool:
        """WhatsApp and Instagram accept free text only within 24 hours of the customer's last message."""
        if self.last_inbound_at is None:
            return False
        return (now or timezone.now()) - self.last_inbound_at < WHATSAPP_WINDOW

    @property
    def window_closes_at(self) -> timezone.datetime | None:
        return self.last_inbound_at + WHATSAPP_WINDOW if self.last_inbound_at else None

    def window_seconds_left(self, now: timezone.datetime | None = None) -> int:
        """Seconds until the 24-hour window closes (0 when closed): for the countdown on cards."""
        if self.last_inbound_at is None:
            return 0
        left = self.last_inbound_at + WHATSAPP_WINDOW - (now or timezone.now())
        return max(0, int(left.total_seconds()))


class MessageTemplate(BaseModel):
    """An approved WhatsApp template, usable outside the 24-hour window."""

    channel_account = models.ForeignKey(
        ChannelAccount, verbose_name=_("channel account"), on_delete=models.CASCADE, related_name="templates"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Meta template name, or Twilio Content SID."))
    language = models.CharField(_("language"), max_length=10, default="es")
    category = models.CharField(_("category"), max_length=20, default="utility")
    body = models.TextField(_("text"), help_text=_("With variables {{1}}, {{2}}… as approved."))
    variable_count = models.PositiveSmallIntegerField(_("variables"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["channel_account", "name"]
        constraints = [
            models.UniqueConstraint(fields=["channel_account", "name", "language"], name="template_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


def options_offered(payload: dict[str, Any] | None) -> list[dict[str, str]]:
    """The options an outbound message's rich content offers (reply buttons, or a list's rows), in order."""
    payload = payload or {}
    if payload.get("buttons"):
        return list(payload["buttons"])
    return list((payload.get("list") or {}).get("rows") or [])


class Message(BaseModel):
    class Direction(models.TextChoices):
        IN = "in", _("Incoming")
        OUT = "out", _("Outgoing")

    class Sender(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        AI = "ai", _("AI")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    class Type(models.TextChoices):
        TEXT = MessageType.TEXT, _("Text")
        IMAGE = MessageType.IMAGE, _("Image")
        AUDIO = MessageType.AUDIO, _("Audio")
        VIDEO = MessageType.VIDEO, _("Video")
        DOCUMENT = MessageType.DOCUMENT, _("Document")
        STICKER = MessageType.STICKER, _("Sticker")
        LOCATION = MessageType.LOCATION, _("Location")
        CONTACTS = MessageType.CONTACTS, _("Contacts")
        INTERACTIVE = MessageType.INTERACTIVE, _("Interactive")
        REACTION = MessageType.REACTION, _("Reaction")
        TEMPLATE = MessageType.TEMPLATE, _("Template")
        UNSUPPORTED = MessageType.UNSUPPORTED, _("Unsupported")

    class Status(models.TextChoices):
        QUEUED = DeliveryStatus.QUEUED, _("Queued")
        SENT = DeliveryStatus.SENT, _("Sent")
        DELIVERED = DeliveryStatus.DELIVERED, _("Delivered")
        READ = DeliveryStatus.READ, _("Read")
        FAILED = DeliveryStatus.FAILED, _("Failed")
        RECEIVED = "received", _("Received")

    class SendState(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        IN_FLIGHT = "in_flight", _("Being sent")
        DONE = "done", _("Handed to the provider")
        UNKNOWN = "unknown", _("Unknown: check before resending")

    class MediaState(models.TextChoices):
        NONE = "", _("No media")
        PENDING = "pending", _("Downloading")
        STORED = "stored", _("Stored")
        TOO_LARGE = "too_large", _("Too large")
        FAILED = "failed", _("Download failed")
        UNSUPPORTED = "unsupported", _("File type not accepted")

    conversation = models.ForeignKey(
        Conversation, verbose_name=_("conversation"), on_delete=models.CASCADE, related_name="messages"
    )
    channel_account = models.ForeignKey(
        ChannelAccount, verbose_name=_("channel account"), on_delete=models.PROTECT, related_name="messages"
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    sender = models.CharField(_("sender"), max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="messages",
    )
    type = models.CharField(_("type"), max_length=12, choices=Type.choices, default=Type.TEXT)
    text = models.TextField(_("text"), blank=True)
    media = models.FileField(_("media"), upload_to="messages/%Y/%m/", blank=True, max_length=255)
    media_mime = models.CharField(_("media type"), max_length=100, blank=True)
    media_size = models.PositiveBigIntegerField(_("media size"), null=True, blank=True)
    media_state = models.CharField(_("media state"), max_length=12, choices=MediaState.choices, blank=True)
    media_ref = models.JSONField(_("media reference"), default=dict, blank=True)
    location = models.JSONField(_("location"), default=dict, blank=True)
    interactive_id = models.CharField(_("button or option id"), max_length=200, blank=True)
    # Rich content: what we offered ({"buttons": [{id, title}]} or {"list": {"button", "rows": [...]}}), or, on a
    # customer's answer to it, {"reply": {"id", "title", "typed"?}}. A location pin we send lives in ``location``.
    payload = models.JSONField(_("rich content"), default=dict, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    reply_to = models.ForeignKey(
        "self", verbose_name=_("reply to"), on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    reply_to_external_id = models.CharField(_("reply to (provider id)"), max_length=200, blank=True)
    template = models.ForeignKey(
        MessageTemplate, verbose_name=_("template"), on_delete=models.SET_NULL, null=True, blank=True
    )
    template_variables = models.JSONField(_("template variables"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    send_state = models.CharField(_("send state"), max_length=10, choices=SendState.choices, blank=True)
    send_attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    error_code = models.CharField(_("error code"), max_length=20, blank=True)
    error_message = models.TextField(_("error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    provider_timestamp = models.DateTimeField(_("provider time"), null=True, blank=True)
    status_timestamp = models.DateTimeField(_("time of the last status"), null=True, blank=True)
    is_echo = models.BooleanField(_("sent from outside the CRM"), default=False)
    intent = models.CharField(_("intent"), max_length=40, blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=20, blank=True)
    ai_flags = models.JSONField(_("AI flags"), default=dict, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel_account", "provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="message_unique_provider_id",
            ),
        ]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_conversation_idx")]

    @property
    def offered_options(self) -> list[dict[str, str]]:
        """The options this message offered (its reply buttons, or its list's rows), in order; [] for none."""
        return options_offered(self.payload)

    @property
    def chosen_typed(self) -> str:
        """What the customer wrote when their choice of an option was read from words ("1"); "" for a tap."""
        return str(((self.payload or {}).get("reply") or {}).get("typed") or "")

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_type_display()}: {self.text[:40]}"


class Note(BaseModel):
    """An internal note on a conversation; customers never see it."""

    conversation = models.ForeignKey(
        Conversation, verbose_name=_("conversation"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True,
        related_name="notes",
    )
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class QuickReply(BaseModel):
    """A canned reply agents insert with ``/shortcut``; global or for one team. ``{nombre}`` is the
    customer's first name."""

    shortcut = models.SlugField(_("shortcut"), max_length=40, help_text=_("Typed after a slash: /horario"))
    title = models.CharField(_("title"), max_length=80)
    text = models.TextField(_("text"))
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="quick_replies", help_text=_("Empty: every team."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")
        ordering = ["shortcut"]
        constraints = [
            models.UniqueConstraint(fields=["shortcut", "team"], name="quick_reply_unique_per_team"),
            models.UniqueConstraint(fields=["shortcut"], condition=Q(team__isnull=True),
                                    name="quick_reply_unique_global"),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"

    def render(self, *, first_name: str = "") -> str:
        return self.text.replace("{nombre}", first_name).replace(" ,", ",").strip()


class ConversationEvent(models.Model):
    """The log of the real-time events of a conversation, so a socket that missed some can catch up.

    ``seq`` grows by one per event of a conversation (``Conversation.event_seq``, allocated in the
    transaction of the change); ``audience`` lists the groups the event went to (`` user.5 team.2 ``),
    ``former_audience`` those who lost the conversation with it (a transfer). Pruned after a few days.
    """

    conversation = models.ForeignKey(
        Conversation, verbose_name=_("conversation"), on_delete=models.CASCADE, related_name="events"
    )
    seq = models.PositiveBigIntegerField(_("number"))
    type = models.CharField(_("type"), max_length=40)
    data = models.JSONField(_("data"), encoder=DjangoJSONEncoder)
    audience = models.CharField(_("audience"), max_length=200)
    former_audience = models.CharField(_("former audience"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("conversation event")
        verbose_name_plural = _("conversation events")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="conversation_event_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq} {self.type}"


class FollowUpTask(BaseModel):
    """A message an agent schedules for later: free text inside the 24-hour window, else the template."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Done")

    conversation = models.ForeignKey(
        Conversation, verbose_name=_("conversation"), on_delete=models.CASCADE, related_name="followups"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True,
        related_name="followups",
    )
    due_at = models.DateTimeField(_("due at"))
    text = models.TextField(_("message"), blank=True)
    template = models.ForeignKey(
        MessageTemplate, verbose_name=_("template"), on_delete=models.SET_NULL, null=True, blank=True,
        help_text=_("Sent instead of the text when the 24-hour window has closed."),
    )
    template_variables = models.JSONField(_("template variables"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SCHEDULED)
    sent_message = models.ForeignKey(
        Message, verbose_name=_("message sent"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text="") | Q(template__isnull=False), name="followup_has_content"),
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="followup_due_idx")]

    def __str__(self) -> str:
        return f"{self.conversation_id} @ {self.due_at:%Y-%m-%d %H:%M}"
