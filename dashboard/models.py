"""The dashboard's daily rollup: message counts per local day and hour, kept by
``dashboard.tasks.analytics_rollup_task``.

The peak-hours heatmap and the message counts read closed days (before today) from here and the rest from the
messages table, so a range of months reads a few thousand rows instead of a million messages. A row counts the
messages of one (day, hour, channel, team, agent, operator, sender); team, agent and operator are the
conversation's when the day was rolled up (its assignee's team, else its number's), so a conversation moved to
another agent later keeps its old days where they were counted. The service rolls up the last days again at
every run, and a day is only read from here once its :class:`RollupDay` says it was rolled up.

:class:`MessageTeamHourStat` holds the same counts summed per team only (a few hundred rows a day however many
agents, numbers and operators there are): the heatmap reads it when no agent, channel or operator is asked for,
which is what the dashboard shows by default.

:class:`MessageDayHourStat` holds them summed over every team (96 rows a day at most): what an admin's dashboard
reads when no team either.

:class:`AISpendDay` holds the cost of the AI requests of each rolled-up day (company-wide, as the dashboard shows
it), written with the message counts: the AI spend chart reads its closed days from there.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageHourStat(models.Model):
    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    #: ISO weekday of ``day``: 1 Monday … 7 Sunday (kept so the heatmap groups without date functions).
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    channel = models.CharField(_("channel"), max_length=10)
    # Plain ids, not foreign keys: an aggregate outlives the team or person it counted.
    team_id = models.IntegerField(_("team"), null=True, blank=True)
    agent_id = models.IntegerField(_("agent"), null=True, blank=True)
    operator_id = models.IntegerField(_("operator"), null=True, blank=True)
    sender = models.CharField(_("sender"), max_length=10)
    messages = models.PositiveIntegerField(_("messages"))

    class Meta:
        verbose_name = _("messages per hour (rollup)")
        verbose_name_plural = _("messages per hour (rollup)")
        ordering = ["day", "hour"]
        indexes = [models.Index(fields=["day", "sender"], name="dashboard_msgstat_day_idx"),
                   # A supervisor's own conversations outside their teams (read beside the per-team counts).
                   models.Index(fields=["agent_id", "day"], name="dashboard_msgstat_agent_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.hour:02d}h {self.sender}: {self.messages}"


class MessageTeamHourStat(models.Model):
    """:class:`MessageHourStat`'s counts summed per (day, hour, team, sender), written with them."""

    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    team_id = models.IntegerField(_("team"), null=True, blank=True)
    sender = models.CharField(_("sender"), max_length=10)
    messages = models.PositiveIntegerField(_("messages"))

    class Meta:
        verbose_name = _("messages per hour and team (rollup)")
        verbose_name_plural = _("messages per hour and team (rollup)")
        ordering = ["day", "hour"]
        indexes = [models.Index(fields=["day"], name="dashboard_teamstat_day_idx"),
                   models.Index(fields=["team_id", "day"], name="dashboard_teamstat_team_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.hour:02d}h {self.sender}: {self.messages}"


class MessageDayHourStat(models.Model):
    """:class:`MessageHourStat`'s counts summed per (day, hour, sender), written with them."""

    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    sender = models.CharField(_("sender"), max_length=10)
    messages = models.PositiveIntegerField(_("messages"))

    class Meta:
        verbose_name = _("messages per hour (rollup, every team)")
        verbose_name_plural = _("messages per hour (rollup, every team)")
        ordering = ["day", "hour"]
        indexes = [models.Index(fields=["day"], name="dashboard_daystat_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.hour:02d}h {self.sender}: {self.messages}"


class AISpendDay(models.Model):
    """The AI requests of one local day and their cost; a day with a row (even at zero) is read from here."""

    day = models.DateField(_("day"), unique=True)
    requests = models.PositiveIntegerField(_("requests"), default=0)
    cost_usd = models.DecimalField(_("cost (USD)"), max_digits=16, decimal_places=6, default=0)

    class Meta:
        verbose_name = _("AI spend per day (rollup)")
        verbose_name_plural = _("AI spend per day (rollup)")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.cost_usd} USD"


class RollupDay(models.Model):
    """A local day whose messages are in :class:`MessageHourStat` (and when that was computed)."""

    day = models.DateField(_("day"), unique=True)
    computed_at = models.DateTimeField(_("computed at"))
    messages = models.PositiveIntegerField(_("messages"), default=0)

    class Meta:
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.messages}"
