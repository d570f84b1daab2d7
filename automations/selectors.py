"""Reads for automations: rules and runs within role, with the figures the rule list shows."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.policy import Queue, scope_queryset, sees_everything
from automations.models import AutomationRule, AutomationRun


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
