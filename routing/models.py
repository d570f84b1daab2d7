"""Who gets a conversation nobody holds: assignment policies per channel account or team, and agents' skills.

- :class:`RoutingPolicy` says how a team's (or one number's) conversations are handed out: round robin, the
  least busy agent, or by skill (the lead's operator or product category), under a capacity per agent, and
  when an unanswered assignment goes back to the queue. A policy of a channel account wins over its team's.
  Its ``last_assigned`` is the round-robin cursor, read and moved under a row lock (``select_for_update``)
  so two workers never give the same turn.
- :class:`AgentSkill` is what an agent knows: an operator, a product category or a free skill, 1-5.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from operators.models import Category


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_BUSY = "least_busy", _("Least busy")
    SKILLS = "skills", _("By skill (operator or product category)")


class RoutingPolicy(BaseModel):
    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="routing_policies",
        help_text=_("Its agents receive the conversations. Empty: the channel account's team."),
    )
    channel_account = models.ForeignKey(
        "conversations.ChannelAccount", verbose_name=_("channel account"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="routing_policies",
        help_text=_("Only this number's conversations; a number's policy wins over its team's."),
    )
    strategy = models.CharField(_("strategy"), max_length=20, choices=Strategy.choices,
                                default=Strategy.ROUND_ROBIN)
    capacity = models.PositiveSmallIntegerField(
        _("capacity per agent"), default=0,
        help_text=_("Open or pending conversations an agent may hold before routing skips them. 0: no limit."),
    )
    return_after_minutes = models.PositiveIntegerField(
        _("return unanswered after (minutes)"), default=0,
        help_text=_("A conversation its agent has not answered this long after receiving it goes to someone else "
                    "(or back to the queue). 0: never."),
    )
    assign_new_conversations = models.BooleanField(
        _("assign every new conversation"), default=False,
        help_text=_("Off: only HOT leads and conversations handed to a person are assigned automatically."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("last assigned to"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+", editable=False,
    )

    class Meta:
        verbose_name = _("routing policy")
        verbose_name_plural = _("routing policies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(team__isnull=False) | Q(channel_account__isnull=False),
                                   name="routing_policy_team_or_account"),
            models.UniqueConstraint(fields=["channel_account"], condition=Q(is_active=True),
                                    name="routing_policy_one_active_per_account"),
            models.UniqueConstraint(fields=["team"], condition=Q(is_active=True, channel_account__isnull=True),
                                    name="routing_policy_one_active_per_team"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.team_id is None and self.channel_account_id is None:
            raise ValidationError(_("Choose a team, a channel account or both."))

    @property
    def agents_team_id(self) -> int | None:
        """The team whose agents receive the conversations."""
        if self.team_id is not None:
            return self.team_id
        return self.channel_account.team_id if self.channel_account_id else None


class AgentSkill(BaseModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE,
                             related_name="skills")
    operator = models.ForeignKey("operators.Operator", verbose_name=_("operator"), on_delete=models.CASCADE,
                                 null=True, blank=True, related_name="agent_skills")
    category = models.CharField(_("product category"), max_length=20, choices=Category.choices, blank=True)
    skill = models.SlugField(_("other skill"), max_length=40, blank=True,
                             help_text=_("A free word (portabilidad, empresas…)."))
    level = models.PositiveSmallIntegerField(_("level"), default=3,
                                             validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        verbose_name = _("agent skill")
        verbose_name_plural = _("agent skills")
        ordering = ["user", "-level"]
        constraints = [
            # Two partial constraints rather than NULLS NOT DISTINCT, which SQLite (embedded mode) lacks.
            models.UniqueConstraint(fields=["user", "operator", "category", "skill"],
                                    condition=Q(operator__isnull=False), name="agent_skill_unique"),
            models.UniqueConstraint(fields=["user", "category", "skill"], condition=Q(operator__isnull=True),
                                    name="agent_skill_unique_no_operator"),
            models.CheckConstraint(condition=Q(operator__isnull=False) | ~Q(category="") | ~Q(skill=""),
                                   name="agent_skill_says_what"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="agent_skill_level_1_5"),
        ]

    def __str__(self) -> str:
        what = self.operator or self.get_category_display() or self.skill
        return f"{self.user} · {what} ({self.level})"

    def clean(self) -> None:
        if self.operator_id is None and not self.category and not self.skill:
            raise ValidationError(_("Say the operator, the product category or the skill."))


class RoutedAssignment(models.Model):
    """The routing's latest assignment of a conversation (to whom, when). Only these come back when they sit
    unanswered: a conversation a person gave or took stays where they put it."""

    conversation = models.OneToOneField("conversations.Conversation", verbose_name=_("conversation"),
                                        on_delete=models.CASCADE, primary_key=True, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE,
                                 related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"))

    class Meta:
        verbose_name = _("routed assignment")
        verbose_name_plural = _("routed assignments")

    def __str__(self) -> str:
        return f"{self.conversation_id} → {self.assignee_id}"
