"""Issue 17 in the demo (routing, service levels, satisfaction, automations, the dashboard's history), seeded
after the rest of the demo has committed.

Why after: the month's stories announce their events (a message received, a conversation resolved, a lead gone
HOT) when the demo's transaction commits, and their subscribers run then. Seeded before, the automation rules, the
business hours and the routing policies would act on a month-old story as if it happened now (tags, priorities,
assignments, out-of-office answers). Seeded after, they are there for what happens next (the sandbox, a real
message), and the history, written in bulk, announces nothing.

Idempotent like the rest: each part keys its rows (see each module) and a second run adds nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from demo.seed.channels import demo_channel_accounts_ensure
from demo.seed.context import SeedContext
from demo.seed.history import WEEKS, history_ensure
from demo.seed.people import DEMO_USERS
from demo.seed.routing import hot_leads_route, routing_policies_ensure
from demo.seed.service_levels import (
    automation_rules_ensure,
    business_hours_ensure,
    csat_settings_ensure,
    number_teams_ensure,
)


def demo_context(write: Callable[[str], None]) -> SeedContext:
    """The demo's users and channel accounts, as the first part of ``seed_demo`` left them."""
    users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
    accounts, _ = demo_channel_accounts_ensure()
    return SeedContext(now=timezone.now(), users=users, accounts=accounts, write=write)


def issue17_seed(*, write: Callable[[str], None], history: bool = True) -> list[str]:
    """Seed issue 17's part of the demo in its own transaction; the lines to print. ``history`` False leaves out
    the dashboard's weeks of history (``seed_demo --no-history``)."""
    started = time.monotonic()
    with transaction.atomic():
        ctx = demo_context(write)
        lines = issue17_ensure(ctx, history=history)
    lines.append(f"Issue 17 part seeded in {time.monotonic() - started:.1f} s.")
    return lines


def issue17_ensure(ctx: SeedContext, *, history: bool = True) -> list[str]:
    teams = number_teams_ensure(ctx)
    hours = business_hours_ensure(ctx)
    csat_settings_ensure()
    rules = automation_rules_ensure()
    routing = routing_policies_ensure(ctx)
    routed = hot_leads_route()  # after the policies: the HOT leads nobody holds get an agent now
    written = history_ensure(ctx) if history else None
    lines = [
        "Service: " + ", ".join(f"{a.name} → {a.team or '-'}" for a in ctx.accounts.values())
        + f" ({teams} set now); business hours Mon-Sat 9:00-19:00 Lima ({hours['intervals']} new intervals), "
        f"{hours['holidays']} new holidays, out-of-office answer on; automation rules: {rules} new.",
        f"Routing: {routing['policies']} new policies (Lima round robin, Norte least busy), {routing['skills']} new "
        f"skills; HOT leads nobody held: {routed['assigned']} assigned, {routed['queued']} left in the queue.",
    ]
    if written is None:
        lines.append("History: left out (--no-history).")
    elif written:
        lines.append(
            f"History ({WEEKS} weeks): {written['conversations']} conversations "
            f"({written['conversations_ai_only']} resolved by the AI alone, {written['escalations']} escalated), "
            f"{written['messages']} messages, {written['ai_requests']} AI requests, {written['sales']} sales, "
            f"{written['commissions']} commissions, {written['surveys']} satisfaction surveys "
            f"({written['surveys_answered']} answered).")
    else:
        lines.append("History: already there.")
    return lines
