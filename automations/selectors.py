"""Reads for automations: rules and runs within role, with the figures the rule list shows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.policy import Queue, scope_queryset, sees_everything
from automations.models import AutomationAction, AutomationRule, AutomationRun
from conversations.models import Tag
from core.config_cache import config_cached
from tickets.models import TicketCategory


def rule_visible_queryset(*, user: User) -> QuerySet[AutomationRule]:
    """Admins: every rule. Supervisors: their teams' rules and the company-wide ones (team empty)."""
    return scope_queryset(AutomationRule.objects.all(), user=user, agent_field=None, team_field="team",
                          queue=Queue.SUPERVISORS)


def rule_editable(*, user: User, rule: AutomationRule | None) -> bool:
    """A company-wide rule is the admins'; a team's rule, its supervisors' too (the visible ones)."""
    if sees_everything(user):
        return True
    return rule is None or (rule.team_id is not None and rule_visible_queryset(user=user).filter(pk=rule.pk).exists())


def rule_list_with_stats(*, user: User) -> QuerySet[AutomationRule]:
    """Rules within role, each with its run count, failed count, last run time and last result."""
    runs = AutomationRun.objects.filter(rule=OuterRef("pk"))
    last = runs.order_by("-created_at", "-pk")

    def count(qs: QuerySet[AutomationRun]) -> Coalesce:
        counted = qs.order_by().values("rule").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    return (
        rule_visible_queryset(user=user).select_related("team")
        .annotate(
            n_runs=count(runs),
            n_failed=count(runs.filter(status=AutomationRun.Status.FAILED)),
            last_run_at=Subquery(last.values("created_at")[:1]),
            last_status=Subquery(last.values("status")[:1]),
            n_actions=Count("actions"),
        )
    )


def run_visible_queryset(*, user: User) -> QuerySet[AutomationRun]:
    return scope_queryset(AutomationRun.objects.all(), user=user, agent_field=None, team_field="rule__team",
                          queue=Queue.SUPERVISORS)


# --- the active rules, kept per process -----------------------------------------------------------------------

RULES_KEY = "automations.active_rules"
#: Any change to these changes what a rule does.
RULES_MODELS = (AutomationRule, AutomationAction)
#: Rows the rules hold only by id, whose deletion changes the rules without a signal of theirs: a tag deleted
#: takes its rows of the rules' tags with it, a ticket category deleted empties its actions' category.
RULES_REFERENCED_MODELS = (Tag, TicketCategory)
_RULE_FIELDS = tuple(f.attname for f in AutomationRule._meta.concrete_fields)
_ACTION_FIELDS = tuple(f.attname for f in AutomationAction._meta.concrete_fields)


@dataclass(frozen=True)
class ActionRow:
    values: tuple[Any, ...]  # in ``_ACTION_FIELDS`` order


@dataclass(frozen=True)
class RuleRow:
    """An active rule as plain data: its columns, its tags' ids and its actions' columns, in order."""

    values: tuple[Any, ...]  # in ``_RULE_FIELDS`` order
    tag_ids: frozenset[int]
    actions: tuple[ActionRow, ...]

    def build(self) -> AutomationRule:
        """A fresh rule instance (each call its own: nothing a caller does reaches the cached data), with its
        actions as fresh instances in ``cached_actions`` and its tags' ids in ``cached_tag_ids``. Their foreign
        keys (an action's agent, template, ticket category) load when an action reads them."""
        rule = AutomationRule.from_db(None, list(_RULE_FIELDS), list(self.values))
        rule.cached_tag_ids = set(self.tag_ids)  # type: ignore[attr-defined]
        rule.cached_actions = [  # type: ignore[attr-defined]
            AutomationAction.from_db(None, list(_ACTION_FIELDS), list(action.values)) for action in self.actions]
        return rule


def _active_rules_load() -> MappingProxyType[str, tuple[RuleRow, ...]]:
    rules = list(AutomationRule.objects.filter(is_active=True).order_by("position", "pk")
                 .values_list(*_RULE_FIELDS))
    ids = [values[_RULE_FIELDS.index("id")] for values in rules]
    tags: dict[int, set[int]] = defaultdict(set)
    for rule_id, tag_id in AutomationRule.tags.through.objects.filter(automationrule_id__in=ids).values_list(
            "automationrule_id", "tag_id"):
        tags[rule_id].add(tag_id)
    actions: dict[int, list[ActionRow]] = defaultdict(list)
    rule_index = _ACTION_FIELDS.index("rule_id")
    for values in AutomationAction.objects.filter(rule_id__in=ids).order_by("position", "pk").values_list(
            *_ACTION_FIELDS):
        actions[values[rule_index]].append(ActionRow(tuple(values)))
    by_trigger: dict[str, list[RuleRow]] = defaultdict(list)
    id_index, trigger_index = _RULE_FIELDS.index("id"), _RULE_FIELDS.index("trigger")
    for values in rules:
        pk = values[id_index]
        by_trigger[values[trigger_index]].append(
            RuleRow(tuple(values), frozenset(tags.get(pk, ())), tuple(actions.get(pk, ()))))
    return MappingProxyType({trigger: tuple(rows) for trigger, rows in by_trigger.items()})


def active_rules(trigger: str) -> list[AutomationRule]:
    """The active rules of ``trigger`` in order, as fresh instances built from the per-process copy
    (``core.config_cache``; any change to ``RULES_MODELS``, and deleting a ``RULES_REFERENCED_MODELS`` row, drops
    it; registered in ``AutomationsConfig.ready``):
    no query while nothing changed."""
    return [row.build() for row in config_cached(RULES_KEY, _active_rules_load).get(trigger, ())]
