"""Phone calls (Twilio Voice): the call, its recordings, the raw voice webhooks, call scripts and the watch list.

A call is one conversation by phone with a contact, in or out. Twilio's callbacks move its status; its
recordings are downloaded into private storage; a transcript and an AI reading follow as tasks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import BaseModel
from operators.models import Category


class CallScript(BaseModel):
    """What an agent says on a call about a category of product or a campaign, step by step."""

    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(
        _("product category"), max_length=20, choices=Category.choices, blank=True,
        help_text=_("The script shown on calls about this kind of product."),
    )
    campaign = models.CharField(
        _("campaign"), max_length=80, blank=True,
        help_text=_("Or the campaign it belongs to, e.g. 'Portabilidad diciembre'."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("call script")
        verbose_name_plural = _("call scripts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CallScriptStep(BaseModel):
    """One step of a script. ``cues`` are the phrases that show in a transcript that the step was covered."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening")
        DISCOVERY = "discovery", _("Discovery question")
        OBJECTION = "objection", _("Objection answer")
        CLOSING = "closing", _("Closing")

    script = models.ForeignKey(CallScript, verbose_name=_("script"), on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("what to say"))
    objection = models.CharField(
        _("objection"), max_length=200, blank=True, help_text=_("For objection answers: what the customer says."),
    )
    cues = models.TextField(
        _("cues"), blank=True,
        help_text=_("Words or phrases, one per line, that show in a transcript that this step was covered."),
    )
    required = models.BooleanField(_("counts for adherence"), default=True)

    class Meta:
        verbose_name = _("script step")
        verbose_name_plural = _("script steps")
        ordering = ["script", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def cue_list(self) -> list[str]:
        return [line.strip() for line in self.cues.splitlines() if line.strip()]


class WatchKeyword(BaseModel):
    """A word the business wants to hear about on calls: a competitor's name, a cancellation word."""

    class Kind(models.TextChoices):
        COMPETITOR = "competitor", _("Competitor")
        CANCELLATION = "cancellation", _("Cancellation")
        COMPLAINT = "complaint", _("Complaint")
        OTHER = "other", _("Other")

    phrase = models.CharField(_("word or phrase"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("watch-list word")
        verbose_name_plural = _("watch list")
        ordering = ["kind", "phrase"]

    def __str__(self) -> str:
        return self.phrase


class Call(BaseModel):
    """One phone call with a contact, inbound or outbound, and what we learnt from it."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    class Status(models.TextChoices):
        # Twilio's CallStatus values, as Twilio writes them.
        QUEUED = "queued", pgettext_lazy("call status", "Queued")
        RINGING = "ringing", pgettext_lazy("call status", "Ringing")
        IN_PROGRESS = "in-progress", pgettext_lazy("call status", "In progress")
        COMPLETED = "completed", pgettext_lazy("call status", "Completed")
        BUSY = "busy", pgettext_lazy("call status", "Busy")
        NO_ANSWER = "no-answer", pgettext_lazy("call status", "No answer")
        FAILED = "failed", pgettext_lazy("call status", "Failed")
        CANCELED = "canceled", pgettext_lazy("call status", "Canceled")

    FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})

    class TranscriptState(models.TextChoices):
        NONE = "none", _("No recording")
        PENDING = "pending", _("Transcript pending")
        DONE = "done", _("Transcribed")
        FAILED = "failed", _("Transcription failed")

    class Outcome(models.TextChoices):
        INTERESTED = "interested", _("Interested")
        SALE = "sale", _("Sale or contract")
        CALLBACK = "callback", _("Call back")
        NOT_INTERESTED = "not_interested", _("Not interested")
        NO_ANSWER = "no_answer", _("No answer")
        VOICEMAIL = "voicemail", _("Voicemail")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        SUPPORT = "support", _("Support or complaint")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        TWILIO = "twilio", _("Twilio")
        UPLOAD = "upload", _("Uploaded recording")

    class Sentiment(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEUTRAL = "neutral", _("Neutral")
        NEGATIVE = "negative", _("Negative")

    contact = models.ForeignKey(
        "leads.Contact", verbose_name=_("contact"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="calls",
    )
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), on_delete=models.SET_NULL, null=True, blank=True, related_name="calls",
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", verbose_name=_("conversation"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="calls",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="calls",
    )
    script = models.ForeignKey(
        CallScript, verbose_name=_("script"), on_delete=models.SET_NULL, null=True, blank=True, related_name="calls",
    )
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.TWILIO,
        help_text=_("Twilio's calls, or a recording of a call made outside the CRM uploaded for a quality audit."),
    )
    from_number = models.CharField(_("from"), max_length=40, blank=True)
    to_number = models.CharField(_("to"), max_length=40, blank=True)
    call_sid = models.CharField(_("Twilio CallSid"), max_length=64, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    status_sequence = models.IntegerField(
        _("last status sequence"), default=-1, editable=False,
        help_text=_("Twilio's SequenceNumber of the last status applied: an older callback arriving late is ignored."),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("duration (s)"), default=0, help_text=_("Talk time in seconds."))
    is_voicemail = models.BooleanField(_("voicemail"), default=False)
    error_code = models.CharField(_("error code"), max_length=20, blank=True)

    transcript_state = models.CharField(
        _("transcript"), max_length=8, choices=TranscriptState.choices, default=TranscriptState.NONE, db_index=True,
    )
    transcript = models.TextField(_("transcript"), blank=True)
    transcript_segments = models.JSONField(
        _("speaker turns"), default=list, blank=True,
        help_text=_("[{speaker, start, end, text}] when the transcription gives turns."),
    )
    transcript_error = models.CharField(_("transcription error"), max_length=255, blank=True)
    transcribed_at = models.DateTimeField(_("transcribed at"), null=True, blank=True)

    analysis = models.JSONField(
        _("AI reading"), default=dict, blank=True,
        help_text=_("Sentiment, intents, keywords found, outcome, next action, script steps covered."),
    )
    sentiment = models.CharField(_("sentiment"), max_length=8, choices=Sentiment.choices, blank=True)
    ai_outcome = models.CharField(_("outcome (AI)"), max_length=20, choices=Outcome.choices, blank=True)
    next_action = models.CharField(_("next action"), max_length=200, blank=True)
    script_adherence = models.PositiveSmallIntegerField(
        _("script adherence (%)"), null=True, blank=True, help_text=_("Share of the script's steps covered."),
    )
    analyzed_at = models.DateTimeField(_("analysed at"), null=True, blank=True)

    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["agent", "started_at"], name="call_agent_started_idx"),
            models.Index(fields=["contact", "started_at"], name="call_contact_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.from_number} → {self.to_number}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def counterpart_number(self) -> str:
        """The customer's number: who called us, or whom we called."""
        return self.from_number if self.direction == self.Direction.INBOUND else self.to_number


def recording_upload_to(instance: CallRecording, filename: str) -> str:
    now = timezone.now()
    return f"calls/recordings/{now:%Y/%m}/{instance.recording_sid or 'rec'}-{filename}"


class CallRecording(BaseModel):
    """A recording of a call, downloaded from Twilio into private storage (never served publicly)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for download")
        STORED = "stored", _("Stored")
        FAILED = "failed", _("Download failed")

    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="recordings")
    recording_sid = models.CharField(_("Twilio RecordingSid"), max_length=64, unique=True)
    source_url = models.URLField(_("Twilio URL"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to=recording_upload_to, blank=True, max_length=255)
    content_type = models.CharField(_("type"), max_length=40, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    duration = models.PositiveIntegerField(_("duration (s)"), default=0)
    channels = models.PositiveSmallIntegerField(_("channels"), default=1)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    stored_at = models.DateTimeField(_("stored at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")
        ordering = ["call", "created_at"]

    def __str__(self) -> str:
        return self.recording_sid


class VoiceWebhookEvent(models.Model):
    """A Twilio Voice callback, stored as it came before anything else is done with it (replayable)."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Call status")
        RECORDING = "recording", _("Recording")
        INBOUND = "inbound", _("Inbound call")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")
        IGNORED = "ignored", _("Ignored")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    external_id = models.CharField(
        _("external id"), max_length=200,
        help_text=_("What makes a delivery unique: CallSid with its status and sequence, or RecordingSid "
                    "with its status."),
    )
    call_sid = models.CharField(_("CallSid"), max_length=64, blank=True, db_index=True)
    payload = models.JSONField(_("raw payload"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # When the event was last given to the workers (set with the insert; for an inbound call, when its own
    # request took it; cleared when the broker refused it). A ``received`` event whose hand-over is older than
    # ``WEBHOOK_HANDOVER_STALE_SECONDS`` is given again, by the periodic sweep or by Twilio's redelivery
    # (calls/services/handover.py, core/handover.py).
    handed_over_at = models.DateTimeField(_("handed to the workers at"), null=True, blank=True)

    class Meta:
        verbose_name = _("voice webhook event")
        verbose_name_plural = _("voice webhook events")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="voice_event_unique_external_id"),
        ]
        indexes = [models.Index(fields=["state", "received_at"], name="voice_event_state_idx")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.external_id}"
