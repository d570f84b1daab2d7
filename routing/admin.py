"""Back office for routing.

- **Routing policies**: per team (or one number) how conversations are handed out, the capacity per agent and
  when an unanswered one is returned; the list shows how many agents could receive one right now.
  Supervisors see and edit their teams' policies (a number's policy: the number's team); administrators all.
- **Agent skills**: what each agent knows (operator, product category, a free skill), 1-5; supervisors their
  teams' agents.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.policy import overseen_team_ids, scope_queryset, sees_everything
from core.admin_tools import ScopedAdminMixin, badge
from routing.models import AgentSkill, RoutingPolicy, Strategy
from routing.selectors import agents_eligible_count

STRATEGY_COLOURS = {Strategy.ROUND_ROBIN: "primary", Strategy.LEAST_BUSY: "info", Strategy.SKILLS: "success"}


def _teams_q(request: HttpRequest) -> Q | None:
    """The policies a supervisor may see: their teams', or their teams' numbers'. None: every policy."""
    if sees_everything(request.user):
        return None
    teams = overseen_team_ids(user=request.user)  # type: ignore[arg-type]
    return Q(team_id__in=teams) | Q(team__isnull=True, channel_account__team_id__in=teams)


@admin.register(RoutingPolicy)
class RoutingPolicyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "team", "channel_account", "strategy_badge", "capacity_label", "return_label",
                    "assign_new_conversations", "is_active", "eligible_now")
    list_filter = ("strategy", "is_active", ("team", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("team", "channel_account__team")
    search_fields = ("name",)
    readonly_fields = ("last_assigned",)
    fieldsets = (
        (None, {"fields": ("name", "team", "channel_account", "is_active")}),
        (_("How"), {"fields": ("strategy", "capacity", "assign_new_conversations", "return_after_minutes")}),
        (_("Round robin"), {"fields": ("last_assigned",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoutingPolicy]:
        qs = super().get_queryset(request)
        q = _teams_q(request)
        return qs if q is None else qs.filter(q)

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if not sees_everything(request.user) and "team" in form.base_fields:
            form.base_fields["team"].required = True  # a supervisor writes for their teams
        return form

    @admin.display(description=_("strategy"), ordering="strategy")
    def strategy_badge(self, obj: RoutingPolicy) -> str:
        return badge(obj.get_strategy_display(), STRATEGY_COLOURS.get(obj.strategy, "secondary"))

    @admin.display(description=_("capacity"), ordering="capacity")
    def capacity_label(self, obj: RoutingPolicy) -> str:
        return str(obj.capacity) if obj.capacity else gettext("no limit")

    @admin.display(description=_("returned after"), ordering="return_after_minutes")
    def return_label(self, obj: RoutingPolicy) -> str:
        return f"{obj.return_after_minutes} min" if obj.return_after_minutes else gettext("never")

    @admin.display(description=_("agents who can receive now"))
    def eligible_now(self, obj: RoutingPolicy) -> str:
        count = agents_eligible_count(policy=obj)
        return badge(str(count), "success" if count else "danger")


@admin.register(AgentSkill)
class AgentSkillAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "operator", "category", "skill", "level")
    list_filter = ("category", ("operator", admin.RelatedOnlyFieldListFilter), "level")
    list_select_related = ("user", "operator")
    search_fields = ("user__username", "user__first_name", "user__last_name", "skill")
    autocomplete_fields = ("user", "operator")
    fields = ("user", "operator", "category", "skill", "level")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgentSkill]:
        return scope_queryset(super().get_queryset(request), user=request.user, agent_field="user")
