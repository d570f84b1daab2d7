from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class CsatSurvey(BaseModel):
    """One rating asked about one resolution of a conversation (a conversation resolved twice is asked twice).

    ``agent`` and ``team`` are who had the conversation when it was resolved: the rating counts for them even
    if the conversation moves on later.
    """

    class State(models.TextChoices):
        ASKED = "asked", _("Asked")
        ANSWERED = "answered", _("Answered")
        EXPIRED = "expired", _("No answer")
        SKIPPED = "skipped", _("Not asked")  # the window was shut and no template was set, or the channel failed

    conversation = models.ForeignKey(
        "conversations.Conversation", verbose_name=_("conversation"), on_delete=models.CASCADE,
        related_name="csat_surveys",
    )
    resolved_at = models.DateTimeField(_("resolution asked about"))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="csat_surveys",
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="csat_surveys",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ASKED)
    asked_at = models.DateTimeField(_("asked at"), null=True, blank=True)
    question = models.ForeignKey(
        "conversations.Message", verbose_name=_("question"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.ForeignKey(
        "conversations.Message", verbose_name=_("answer"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    skip_reason = models.CharField(_("why it was not asked"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-resolved_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "resolved_at"], name="csat_one_per_resolution"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="csat_rating_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["state", "asked_at"], name="csat_state_asked_idx"),
            models.Index(fields=["agent", "answered_at"], name="csat_agent_answered_idx"),
            models.Index(fields=["answered_at"], name="csat_answered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} · {self.rating or self.get_state_display()}"


DEFAULT_QUESTION = "¿Cómo calificarías la atención que recibiste? Elige de 1 a 5 ⭐ (5 es excelente)."
DEFAULT_THANKS = "¡Gracias por tu calificación! Nos ayuda a mejorar."
DEFAULT_LOW_THANKS = ("Gracias por contarnos. Lamentamos que la atención no haya sido buena: "
                      "un supervisor revisará tu caso.")


class CsatSettings(BaseModel):
    """How customers are asked (one row, edited in admin; missing, the defaults apply).

    The texts go to customers as written (Spanish, like every reply). ``templates``: outside the 24-hour
    window only an approved template may go out; the one of the conversation's number is sent, else the
    survey is skipped with the reason.
    """

    is_active = models.BooleanField(_("ask customers"), default=True)
    question = models.TextField(_("question"), max_length=900, default=DEFAULT_QUESTION)
    thanks = models.TextField(_("thanks"), max_length=900, default=DEFAULT_THANKS)
    low_thanks = models.TextField(_("thanks after a low rating"), max_length=900, default=DEFAULT_LOW_THANKS)
    answer_hours = models.PositiveSmallIntegerField(
        _("hours to answer"), default=24,
        help_text=_("After this, an unanswered survey expires and a typed number is no longer read as a rating."),
    )
    low_rating_max = models.PositiveSmallIntegerField(
        _("low rating up to"), default=2,
        help_text=_("Ratings up to this one notify the team's supervisors."),
    )
    templates = models.ManyToManyField(
        "conversations.MessageTemplate", verbose_name=_("templates when the window is shut"), blank=True,
        related_name="+",
        help_text=_("One per number: the template of the conversation's number is sent. With one variable, "
                    "it takes the customer's first name."),
    )

    class Meta:
        verbose_name = _("satisfaction settings")
        verbose_name_plural = _("satisfaction settings")
        constraints = [
            models.CheckConstraint(condition=Q(answer_hours__gte=1), name="csat_answer_hours_positive"),
            models.CheckConstraint(condition=Q(low_rating_max__lte=4), name="csat_low_rating_max_le_4"),
        ]

    def __str__(self) -> str:
        return str(_("Satisfaction settings"))
