"""What the AI costs and what it knows: the request log and the lexicon entries supervisors edit.

The rest of the ``ai`` package is a library and imports none of this.
"""

from __future__ import annotations

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
