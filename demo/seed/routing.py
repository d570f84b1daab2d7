"""Routing in the demo: a policy per team (Lima: round robin, 6 conversations each, unanswered ones returned after
15 minutes, every new conversation assigned; Norte: the least busy agent, 5 each), a few skills, and the demo's
HOT leads that nobody holds handed out now at high priority (a supervisor must not find one in "Sin asignar").

Keyed on natural keys (a policy per team, a skill per agent and what), so a second run adds nothing and leaves
what an admin changed alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Team
from conversations.models import Conversation
from demo.seed.context import SeedContext
from leads.models import Classification
from operators.models import Category, Operator
from routing.models import AgentSkill, RoutingPolicy, Strategy
from routing.services import Reason, conversation_route


@dataclass(frozen=True)
class DemoPolicy:
    team: str
    name: str
    strategy: str
    capacity: int
    return_after_minutes: int
    assign_new_conversations: bool


POLICIES = [
    DemoPolicy("Equipo Lima", "Lima: por turnos", Strategy.ROUND_ROBIN, 6, 15, True),
    DemoPolicy("Equipo Norte", "Norte: el menos ocupado", Strategy.LEAST_BUSY, 5, 0, False),
]
# (username, operator slug or "", category or "", level)
SKILLS = [
    ("agente1", "claro", "", 5),
    ("agente1", "", Category.INTERNET_HOME, 4),
    ("agente2", "movistar", "", 5),
    ("agente2", "", Category.DEVICE, 4),
    ("agente3", "entel", "", 4),
    ("agente3", "", Category.MOBILE, 3),
]


def routing_policies_ensure(ctx: SeedContext) -> dict[str, int]:
    """The teams' policies and the agents' skills; how many of each were added."""
    teams = {t.name: t for t in Team.objects.filter(name__in=[p.team for p in POLICIES])}
    added = {"policies": 0, "skills": 0}
    for spec in POLICIES:
        team = teams.get(spec.team)
        if team is None or RoutingPolicy.objects.filter(team=team, channel_account__isnull=True).exists():
            continue
        policy = RoutingPolicy(name=spec.name, team=team, strategy=spec.strategy, capacity=spec.capacity,
                               return_after_minutes=spec.return_after_minutes,
                               assign_new_conversations=spec.assign_new_conversations)
        policy.full_clean()
        policy.save()
        added["policies"] += 1
    operators = {o.slug: o for o in Operator.objects.all()}
    for username, slug, category, level in SKILLS:
        user = ctx.users.get(username)
        operator = operators.get(slug) if slug else None
        if user is None or (slug and operator is None):
            continue
        _skill, created = AgentSkill.objects.get_or_create(user=user, operator=operator, category=category,
                                                           skill="", defaults={"level": level})
        added["skills"] += created
    return added


def hot_leads_route() -> dict[str, int]:
    """The open conversations nobody holds whose lead is HOT: routed now at high priority (by their team's
    policy); those nobody can take stay in the queue at high priority and the supervisor is told."""
    waiting = (Conversation.objects.filter(assignee__isnull=True, lead__classification=Classification.HOT)
               .exclude(status=Conversation.Status.RESOLVED).order_by("pk").values_list("pk", flat=True))
    done = {"assigned": 0, "queued": 0}
    for conversation_id in list(waiting):
        assignee = conversation_route(conversation_id=conversation_id, reason=Reason.HOT,
                                      priority=Conversation.Priority.HIGH)
        done["assigned" if assignee is not None else "queued"] += 1
    return done
