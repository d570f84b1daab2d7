"""What the AI costs and what it knows: the request log and the lexicon entries supervisors edit.

The rest of the ``ai`` package is a library and imports none of this.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class AIRequest(models.Model):
    class Purpose(models.TextChoices):
        ANALYSIS = "analysis", _("Analysis")
        REPLY = "reply", _("Reply")
        SUMMARY = "summary", _("Summary")
        TRANSCRIPTION = "transcription", _("Transcription")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    provider = models.CharField(_("provider"), max_length=20)
    model = models.CharField(_("model"), max_length=60, blank=True)
    purpose = models.CharField(_("purpose"), max_length=15, choices=Purpose.choices)
    tokens_in = models.PositiveIntegerField(_("tokens in"), default=0)
    tokens_out = models.PositiveIntegerField(_("tokens out"), default=0)
    cost_usd = models.DecimalField(_("cost (USD)"), max_digits=12, decimal_places=6, default=0)
    latency_ms = models.FloatField(_("latency (ms)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=12, default="ok", db_index=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    subject = models.CharField(_("about"), max_length=60, blank=True, help_text=_("e.g. message:123"))

    class Meta:
        verbose_name = _("AI request")
        verbose_name_plural = _("AI requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider}/{self.purpose} {self.outcome}"


class LexiconEntry(BaseModel):
    """A phrase, synonym or place that tunes the local analyzer; applied on top of the built-in lexicon."""

    class Kind(models.TextChoices):
        INTENT_PHRASE = "intent_phrase", _("Intent phrase")
        SENTIMENT_WORD = "sentiment_word", _("Sentiment word")
        SYNONYM = "synonym", _("Synonym")
        ZONE = "zone", _("Zone or city")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(
        _("meaning"), max_length=60, blank=True,
        help_text=_("Intent phrase: the intent (price_query…). Sentiment: positive/negative. "
                    "Synonym: service_type/operator/color followed by ':' and the value, e.g. service_type:tv."),
    )
    phrase = models.CharField(_("phrase"), max_length=120)
    weight = models.FloatField(_("weight"), default=1.0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lexicon entry")
        verbose_name_plural = _("lexicon entries")
        ordering = ["kind", "key", "phrase"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "phrase"], name="lexicon_entry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.phrase}"


class IntentCorrection(models.Model):
    """An agent's or supervisor's reading of a customer message's intent; ``train_intents`` learns from it.

    The text is copied (the model is trained on it even if the message is later deleted); ``message_id``
    is a plain number, not a foreign key: ``ai`` sits below ``conversations`` and imports no app.
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    message_id = models.PositiveBigIntegerField(_("message"), null=True, blank=True)
    text = models.TextField(_("message text"))
    intent = models.CharField(_("intent"), max_length=32)
    predicted_intent = models.CharField(_("intent the AI read"), max_length=32, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("corrected by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("intent correction")
        verbose_name_plural = _("intent corrections")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["message_id"], name="intent_correction_one_per_message",
                                    condition=models.Q(message_id__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.predicted_intent or '?'} → {self.intent}"


class KnowledgeEntry(BaseModel):
    """An answer the business keeps (warranty, delivery, hours and address, payment, returns, installation).

    The assistant answers from these and never invents policy: the local provider retrieves the best entry
    by keywords and similarity, an LLM gets the matching entries as context.
    """

    class Topic(models.TextChoices):
        WARRANTY = "warranty", _("Warranty")
        DELIVERY = "delivery", _("Delivery")
        HOURS = "hours", _("Store hours and address")
        PAYMENT = "payment", _("Payment methods")
        RETURNS = "returns", _("Returns and exchanges")
        INSTALLATION = "installation", _("Installation times")
        OTHER = "other", _("Other")

    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, default=Topic.OTHER)
    question = models.CharField(
        _("question"), max_length=200,
        help_text=_("How a customer would ask it, e.g. \"¿Hacen delivery a provincias?\""),
    )
    answer = models.TextField(_("answer"), help_text=_("What the assistant says, word for word."))
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True,
        help_text=_("Comma-separated words or phrases that point to this answer, e.g. delivery, envío, despacho."),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   help_text=_("For the store's address: sent as a location pin on WhatsApp."))
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("knowledge base answer")
        verbose_name_plural = _("knowledge base")
        ordering = ["topic", "question"]

    def __str__(self) -> str:
        return self.question
