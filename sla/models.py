"""Service levels: each team's business hours (or the company's), holidays, the out-of-office answer and the
first-response targets of conversations per priority.

- :class:`ServiceHours` is a team's calendar and out-of-office answer; the row without a team is the company
  default. A team without weekly hours of its own keeps the company's hours (in its own time zone).
- :class:`BusinessHours` are its weekly intervals, several a day; an interval that closes at or before it opens
  ends the next day (22:00-02:00; 00:00-00:00 is the whole day).
- :class:`Holiday` closes a whole local day, for one team or for all.
- :class:`ResponseTarget` is the first-response promise per conversation priority.
- :class:`OutOfOfficeReply` is the one answer a conversation gets per local day (unique), and
  :class:`SlaNotice` the one warning and the one breach notice per wait.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from conversations.models import Conversation
from core.models import BaseModel

PRIORITIES = Conversation.Priority.choices


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def _default_timezone() -> str:
    return settings.TIME_ZONE


class ServiceHours(BaseModel):
    """A team's calendar (its time zone, weekly hours) and out-of-office answer; no team: the company's."""

    team = models.OneToOneField(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="service_hours",
        help_text=_("Empty: the company default, for teams without hours of their own."),
    )
    timezone = models.CharField(_("time zone"), max_length=64, default=_default_timezone, choices=timezone_choices)
    away_enabled = models.BooleanField(
        _("answer out of hours"), default=True,
        help_text=_("Outside business hours the customer gets the answer below, once per conversation per day."),
    )
    away_text = models.TextField(
        _("out-of-office answer"), blank=True,
        help_text=_("Sent inside WhatsApp's 24-hour window. {nombre} is the customer's first name, {apertura} "
                    "when we open again. Empty: the company default's."),
    )
    away_template_name = models.CharField(
        _("template outside the window"), max_length=100, blank=True,
        help_text=_("The name of an approved WhatsApp template (of the conversation's number) sent when the "
                    "24-hour window is shut; at most one variable, the customer's first name. Empty: the "
                    "company default's."),
    )
    ai_answers_out_of_hours = models.BooleanField(
        _("AI answers out of hours"), default=True,
        help_text=_("Off: out of hours the customer gets only the out-of-office answer, the AI stays quiet."),
    )

    class Meta:
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        ordering = ["team__name"]
        constraints = [
            # Every row without a team counts as team 0: one company default.
            models.UniqueConstraint(Coalesce("team", Value(0)), name="sla_one_row_per_team",
                                    violation_error_message=_("The company default already exists; choose a team.")),
        ]

    def __str__(self) -> str:
        return str(self.team) if self.team_id else str(_("Company default"))


class BusinessHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    service_hours = models.ForeignKey(ServiceHours, verbose_name=_("service hours"), on_delete=models.CASCADE,
                                      related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(
        _("closes"), help_text=_("At or before the opening time: closes the next day (22:00 to 02:00; 00:00 to "
                                 "00:00 is the whole day)."),
    )

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["service_hours", "weekday", "opens"]
        constraints = [
            models.UniqueConstraint(fields=["service_hours", "weekday", "opens"], name="sla_hours_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Holiday(BaseModel):
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, null=True,
                             blank=True, related_name="holidays", help_text=_("Empty: every team."))

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "team"], name="sla_holiday_unique_per_team"),
            models.UniqueConstraint(fields=["date"], condition=Q(team__isnull=True), name="sla_holiday_unique_all"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class ResponseTarget(BaseModel):
    """How soon a waiting customer gets a reply, per conversation priority (business minutes when hours exist)."""

    priority = models.CharField(_("priority"), max_length=10, choices=PRIORITIES, unique=True)
    minutes = models.PositiveIntegerField(_("first response (minutes)"), validators=[MinValueValidator(1)])
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The share of the time gone at which the conversation turns amber and its holder is told."),
    )

    class Meta:
        verbose_name = _("first-response target")
        verbose_name_plural = _("first-response targets")
        ordering = ["minutes"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=1), name="sla_target_minutes_positive"),
            models.CheckConstraint(condition=Q(warning_percent__gte=1, warning_percent__lte=100),
                                   name="sla_target_warning_percent_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.minutes} min"


class OutOfOfficeReply(BaseModel):
    """The out-of-office answer of one conversation on one local day: the unique row makes it once."""

    class Outcome(models.TextChoices):
        TEXT = "text", _("Text")
        TEMPLATE = "template", _("Template")
        NOTE = "note", _("Not sent (note for the agent)")

    conversation = models.ForeignKey("conversations.Conversation", verbose_name=_("conversation"),
                                     on_delete=models.CASCADE, related_name="out_of_office_replies")
    day = models.DateField(_("day"))
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    message = models.ForeignKey("conversations.Message", verbose_name=_("message"), on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+")
    reason = models.CharField(_("why it was not sent"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("out-of-office answer")
        verbose_name_plural = _("out-of-office answers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "day"], name="sla_out_of_office_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.day:%Y-%m-%d}"


class SlaNotice(BaseModel):
    """The warning or the breach notice of one wait (a conversation's ``waiting_since``): at most one each."""

    class Level(models.TextChoices):
        WARNING = "warning", _("Warning")
        BREACHED = "breached", _("Breached")

    conversation = models.ForeignKey("conversations.Conversation", verbose_name=_("conversation"),
                                     on_delete=models.CASCADE, related_name="sla_notices")
    waiting_since = models.DateTimeField(_("waiting since"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    due_at = models.DateTimeField(_("due at"))
    recipients = models.PositiveSmallIntegerField(_("people told"), default=0)

    class Meta:
        verbose_name = _("SLA notice")
        verbose_name_plural = _("SLA notices")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "waiting_since", "level"], name="sla_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.level}"
