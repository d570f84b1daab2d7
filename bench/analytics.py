"""Benchmark of the supervisors' dashboard and the analytics API at 100k conversations and 1M messages.

Run it from the project root (PostgreSQL on 127.0.0.1:5432)::

    .venv/bin/python bench/analytics.py                                  # 100k conversations, 1M messages
    .venv/bin/python bench/analytics.py --conversations 10000 --messages 100000 --runs 10

It uses ``postgres://postgres@127.0.0.1:5432/crm_analytics_bench`` (override with the env
``BENCH_DATABASE_URL``). That database is DROPPED and re-created at every start; for safety the script refuses a
database whose name does not contain ``bench``. With ``--reuse`` an existing bench database (made by an earlier
run) is kept: only new migrations are applied and the rollup is run again where days are missing, then the
measurements (minutes saved on each run; the data options are then ignored).

What it does: migrate; create an admin, 4 teams with a supervisor each and ``--agents`` agents; then, with
``INSERT ... SELECT ... generate_series`` (each table copied from one template row made by the ORM), contacts,
a lead for every other contact, ``--conversations`` conversations over the last ``--days`` days (service times,
escalations, resolutions), ``--messages`` messages spread over them, quotes, sales (80 % validated) with a line and
a commission each, tickets with SLA clocks, CSAT answers, AI requests, payment agreements with instalments and
calls. Then the daily rollup is run over every closed day (timed), and ``VACUUM ANALYZE``.

Measured, as an admin (everything) and as a supervisor (one team of four), for the last 30 days and for the whole
history: ``dashboard.analytics.dashboard_data`` (every chart, KPI and the leaderboard) called directly, and each
``/api/v1/analytics/<name>/`` endpoint through ``django.test.Client`` (HTTP, auth, JSON). The cache is cleared
before every run, so every figure is computed; one warm-up run, then ``--runs`` runs: p50, p95, the number of SQL
queries. The baseline of the same run is ``SELECT count(*)`` over the messages table (the cheapest question one
can ask 1M rows), timed the same way; every p95 is also printed as a ratio of it. As the speed of a shared host
changes from one second to the next (seen: the same loop 280 to 500 ms within a minute), every timed run is also
paired with a baseline run just before it: "paired p50/p95" are the percentiles of those per-pair ratios, and "at
reference" is the paired p95 times the baseline of a quiet machine of this kind (``REFERENCE_BASELINE_MS``, 29 ms):
the p95 that machine would show, which is what the 300 ms target is checked against. The dashboard over the whole
history is also timed once without the rollup (the heatmap read from the messages), to show what the rollup buys.

Everything is printed and written to ``bench/results/analytics.json``. The script exits 0 once the measurements
are done (a WARNING line names anything over the issue's 300 ms p95); it fails only when an endpoint does not
answer 200 or the database cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = ROOT / "bench" / "results" / "analytics.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_analytics_bench"
TARGET_MS = 300
# The baseline's p95 on a quiet machine of this kind (2 cores, PostgreSQL 15, 1M messages), measured when the issue's
# target was set: a paired ratio times this is the p95 that machine would show ("at reference"), whatever the speed
# of the machine, or of its neighbours, during this run. The target is checked there.
REFERENCE_BASELINE_MS = 29.0
ENDPOINTS = ("conversations", "leads", "agents", "sales")
REASONS = ("complaint", "human_request", "negative_sentiment", "low_confidence", "ai_failure", "support_issue")


# --------------------------------------------------------------------------------------------
# Environment and database
# --------------------------------------------------------------------------------------------
def configure_environment() -> str:
    """Set the env the settings read; must run before Django is imported. Returns the database URL."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["DATABASE_URL"] = url
    os.environ["SECRET_KEY"] = "bench-not-a-secret"  # noqa: S105 - a dummy key for a throw-away database
    os.environ["DEBUG"] = "0"
    os.environ["AI_MONTHLY_BUDGET_USD"] = "500"
    os.environ.pop("REDIS_URL", None)  # the in-process cache: cleared before every measured run anyway
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return url


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: its name must contain 'bench'.")
    maintenance_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres", query=""))
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django() -> None:
    import django
    from django.test.utils import override_settings

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        ALLOWED_HOSTS=["*"],
    ).enable()


def migrate() -> float:
    from django.core.management import call_command

    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("create_roles", verbosity=0)
    return time.perf_counter() - began


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------
def _execute(sql: str, params: list[Any] | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def _copy(model: Any, template_pk: int, source: str, overrides: dict[str, str], params: list[Any] | None = None,
          where: str = "") -> int:
    """``INSERT INTO <model> SELECT`` the template row's columns, some replaced by SQL over ``source``."""
    table = model._meta.db_table
    names = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    select = ", ".join(overrides.get(name, f"t.{name}") for name in names)
    return _execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT {select} "  # noqa: S608 - our own SQL
                    f"FROM {source} JOIN {table} t ON t.id = {int(template_pk)} {where}", params)


def _pick(tag: str, choices: int) -> str:
    """SQL: a number 0..choices-1 drawn from g by its own hash (``tag`` keeps the draws apart)."""
    return f"mod(abs(hashtext('{tag}' || g)), {int(choices)})"


def _array(ids: list[int]) -> str:
    return "ARRAY[" + ",".join(str(int(i)) for i in ids) + "]::bigint[]"


def create_people(agents: int) -> dict[str, Any]:
    from accounts.models import Role, Team
    from accounts.services import user_create

    password = "bench-pass-123"  # noqa: S105 - a throw-away database
    admin = user_create(username="bench_admin", password=password, role=Role.ADMIN)
    teams, supervisors, agent_ids = [], [], []
    for t in range(4):
        team = Team.objects.create(name=f"Equipo {t + 1}")
        supervisor = user_create(username=f"supervisor{t + 1}", password=password, role=Role.SUPERVISOR, team=team)
        team.supervisor = supervisor
        team.save(update_fields=["supervisor"])
        teams.append(team)
        supervisors.append(supervisor)
    for a in range(agents):
        agent_ids.append(user_create(username=f"agente{a + 1}", password=password, role=Role.AGENT,
                                     team=teams[a % 4], first_name=f"Agente {a + 1}").pk)
    return {"admin": admin, "supervisor": supervisors[0], "teams": [t.pk for t in teams], "agents": agent_ids}


def create_data(people: dict[str, Any], conversations: int, messages: int, days: int) -> dict[str, Any]:  # noqa: PLR0915
    """Every table the dashboard reads, by ``generate_series``; returns the row counts and the seconds taken."""
    from decimal import Decimal

    from django.utils import timezone

    from agreements.models import Debt, Installment, PaymentAgreement
    from ai.models import AIRequest
    from calls.models import Call
    from conversations.models import ChannelAccount, Conversation, Message
    from csat.models import CsatSurvey
    from leads.models import Contact, Lead
    from operators.models import Operator, Product
    from sales.models import Commission, Quote, Sale, SaleLine
    from tickets.models import Ticket

    began = time.perf_counter()
    n, days = conversations, max(days, 1)
    agents = _array(people["agents"])
    n_agents = len(people["agents"])
    operators = [Operator.objects.create(name=name, slug=name.lower())
                 for name in ("Claro", "Movistar", "Entel", "Bitel")]
    products = [Product.objects.create(operator=operators[i % 4], name=f"Plan {i + 1}", sku=f"BENCH-{i + 1}",
                                       category="mobile", price=Decimal("49.90")) for i in range(20)]
    accounts = [ChannelAccount.objects.create(provider="meta_whatsapp", name=f"WA {i + 1}", account_ref=f"5190{i}",
                                              team_id=team_id) for i, team_id in enumerate(people["teams"])]
    accounts.append(ChannelAccount.objects.create(provider="instagram", name="IG", account_ref="ig-bench"))
    account_ids = _array([a.pk for a in accounts])
    product_ids = _array([p.pk for p in products])
    operator_ids = _array([o.pk for o in operators])
    now = timezone.now()
    reasons = "ARRAY[" + ",".join(f"'{r}'" for r in REASONS) + "]"
    # Moments: conversation g starts (g mod days) days ago at a spread hour and minute.
    now_sql = f"'{now.isoformat()}'::timestamptz"
    # Each attribute drawn from its own hash of g, so days, hours, agents, numbers and operators are independent of
    # one another (as in life) and the rollup gets as many distinct rows as real traffic would give it.
    start = (f"({now_sql} - ({_pick('d', days)} * interval '1 day') - ({_pick('h', 24)} * interval '1 hour') "
             f"- ({_pick('m', 60)} * interval '1 minute'))")
    agent = f"({agents})[{_pick('a', n_agents)} + 1]"

    template_contact = Contact.objects.create(name="Plantilla", phone="+51800000000")
    _copy(Contact, template_contact.pk, f"generate_series(1, {n}) g",
          {"name": "'Cliente ' || g", "phone": "'+519' || lpad(g::text, 8, '0')", "created_at": "now()",
           "updated_at": "now()"})
    first_contact = template_contact.pk + 1

    template_lead = Lead.objects.create(contact=template_contact)
    _copy(Lead, template_lead.pk, f"generate_series(2, {n}, 2) g", {
        "contact_id": f"{first_contact} + g - 1",
        "source": "CASE WHEN mod(g, 5) = 0 THEN 'instagram' ELSE 'whatsapp' END",
        "operator_id": f"({operator_ids})[mod(g, 4) + 1]", "product_id": f"({product_ids})[mod(g, 20) + 1]",
        "classification": "(ARRAY['HOT','WARM','COLD','COLD'])[mod(g, 4) + 1]",
        "status": "(ARRAY['new','contacted','qualified','quoted','won','lost'])[mod(g, 6) + 1]",
        "score": "mod(g, 100)",
        "assignee_id": f"CASE WHEN mod(g, 10) = 0 THEN NULL ELSE {agent} END",
        "created_at": start, "updated_at": "now()",
    })

    template_conversation = Conversation.objects.create(contact=template_contact, channel_account=accounts[0])
    _copy(Conversation, template_conversation.pk,
          f"generate_series(1, {n}) g LEFT JOIN {Lead._meta.db_table} l ON l.contact_id = {first_contact} + g - 1", {
              "contact_id": f"{first_contact} + g - 1", "lead_id": "l.id",
              "channel_account_id": f"({account_ids})[{_pick('c', 5)} + 1]",
              "assignee_id": f"CASE WHEN mod(g, 10) = 0 THEN NULL ELSE {agent} END",
              "status": "CASE WHEN mod(g, 10) < 7 THEN 'resolved' ELSE 'open' END",
              "created_at": start, "updated_at": "now()",
              "assigned_at": f"CASE WHEN mod(g, 10) = 0 THEN NULL ELSE {start} END",
              "first_response_at": f"{start} + (1 + mod(g, 30)) * interval '1 minute'",
              "first_agent_reply_at": f"CASE WHEN mod(g, 5) < 3 THEN {start} + (2 + mod(g, 45)) * interval "
                                      f"'1 minute' END",
              "resolved_at": f"CASE WHEN mod(g, 10) < 7 THEN {start} + (5 + mod(g * 3, 600)) * interval "
                             f"'1 minute' END",
              "escalated_at": f"CASE WHEN mod(g, 10) = 9 THEN {start} + interval '3 minutes' END",
              "escalation_reason": f"CASE WHEN mod(g, 10) = 9 THEN ({reasons})[mod(g, 6) + 1] ELSE '' END",
              "last_message_at": start,
          })
    first_conversation = template_conversation.pk + 1

    template_message = Message.objects.create(conversation=template_conversation, channel_account=accounts[0],
                                              direction="in", sender="customer", status="received", text="hola")
    per = max(messages // n, 1)
    _copy(Message, template_message.pk,
          f"generate_series(0, {messages - 1}) g JOIN {Conversation._meta.db_table} c "
          f"ON c.id = {first_conversation} + mod(g, {n})", {
              "conversation_id": "c.id", "channel_account_id": "c.channel_account_id",
              "sender": f"(ARRAY['customer','ai','customer','agent','customer','system'])[mod(g / {n}, 6) + 1]",
              "direction": f"CASE WHEN mod(mod(g / {n}, 6), 2) = 0 THEN 'in' ELSE 'out' END",
              "status": "'read'", "text": "'Mensaje ' || g",
              "created_at": f"LEAST({now_sql}, c.created_at + (g / {n}) * interval '3 minutes')",
              "updated_at": "now()",
          })

    template_quote = Quote.objects.create(number="COT-T", contact=template_contact, agent_id=people["agents"][0],
                                          valid_until=now.date())
    _copy(Quote, template_quote.pk, f"{Lead._meta.db_table} l", {
        "number": "'COT-' || l.id", "contact_id": "l.contact_id", "lead_id": "l.id",
        "agent_id": f"COALESCE(l.assignee_id, ({agents})[1])", "created_at": "l.created_at", "updated_at": "now()",
    }, where=f"WHERE mod(l.id, 2) = 0 AND l.id <> {template_lead.pk}")

    sales = n // 5
    template_sale = Sale.objects.create(number="VTA-T", contact=template_contact, agent_id=people["agents"][0])
    _copy(Sale, template_sale.pk, f"generate_series(1, {sales}) g", {
        "number": "'VTA-' || g", "contact_id": f"{first_contact} + g - 1",
        "lead_id": f"(SELECT id FROM {Lead._meta.db_table} WHERE contact_id = {first_contact} + g - 1)",  # noqa: S608
        "conversation_id": f"{first_conversation} + g - 1",
        "agent_id": agent,
        "sale_type": "(ARRAY['new_line','portability','prepaid_to_postpaid','upgrade','retail'])[mod(g, 5) + 1]",
        "status": "CASE WHEN mod(g, 5) = 4 THEN 'pending_validation' ELSE 'validated' END",
        "installation_state": "(ARRAY['pending','scheduled','installed','failed','cancelled'])[mod(g, 5) + 1]",
        "total": "50 + mod(g, 200)", "sold_at": start, "created_at": start, "updated_at": "now()",
    })
    template_line = SaleLine.objects.create(sale=template_sale, product=products[0], description="x", quantity=1,
                                            unit_price=Decimal("1"), line_total=Decimal("1"))
    _copy(SaleLine, template_line.pk, f"{Sale._meta.db_table} s", {
        "sale_id": "s.id", "product_id": f"({product_ids})[mod(s.id, 20) + 1]", "quantity": "1 + mod(s.id, 3)",
        "line_total": "s.total",
    }, where=f"WHERE s.id <> {template_sale.pk}")
    template_commission = Commission.objects.create(sale=template_sale, agent_id=people["agents"][0],
                                                    amount=Decimal("1"), month=now.date().replace(day=1))
    _copy(Commission, template_commission.pk, f"{SaleLine._meta.db_table} sl JOIN {Sale._meta.db_table} s "
          f"ON s.id = sl.sale_id", {
              "sale_id": "s.id", "line_id": "sl.id", "agent_id": "s.agent_id", "amount": "round(s.total * 0.05, 2)",
              "month": "date_trunc('month', s.sold_at)::date", "created_at": "now()", "updated_at": "now()",
          }, where=f"WHERE s.status = 'validated' AND s.id <> {template_sale.pk}")

    tickets = max(n // 20, 1)
    template_ticket = Ticket.objects.create(subject="Plantilla")
    _copy(Ticket, template_ticket.pk, f"generate_series(1, {tickets}) g", {
        "subject": "'Reclamo ' || g", "team_id": f"({_array(people['teams'])})[mod(g, 4) + 1]",
        "assignee_id": f"CASE WHEN mod(g, 7) = 0 THEN NULL ELSE {agent} END",
        "priority": "(ARRAY['low','medium','high','critical'])[mod(g, 4) + 1]",
        "state": "CASE WHEN mod(g, 3) = 0 THEN 'open' ELSE 'resolved' END",
        "created_at": start, "updated_at": "now()",
        "first_response_due_at": f"{start} + interval '1 hour'",
        "first_responded_at": f"{start} + mod(g, 90) * interval '1 minute'",
        "resolution_due_at": f"{start} + interval '1 day'",
        "resolved_at": f"CASE WHEN mod(g, 3) = 0 THEN NULL ELSE {start} + mod(g, 2000) * interval '1 minute' END",
        "is_first_response_breached": "mod(g, 90) >= 60",
    })

    template_survey = CsatSurvey.objects.create(conversation=template_conversation, resolved_at=now)
    _copy(CsatSurvey, template_survey.pk, f"{Conversation._meta.db_table} c", {
        "conversation_id": "c.id", "resolved_at": "c.resolved_at", "agent_id": "c.assignee_id",
        "team_id": "(SELECT team_id FROM accounts_user u WHERE u.id = c.assignee_id)",
        "state": "'answered'", "asked_at": "c.resolved_at", "rating": "1 + mod(c.id, 5)",
        "answered_at": "c.resolved_at + interval '5 minutes'", "created_at": "now()", "updated_at": "now()",
    }, where=f"WHERE c.resolved_at IS NOT NULL AND mod(c.id, 3) = 0 AND c.id <> {template_conversation.pk}")

    template_request = AIRequest.objects.create(provider="openai", purpose="reply", cost_usd=Decimal("0.001"))
    _copy(AIRequest, template_request.pk, f"generate_series(1, {n}) g", {
        "cost_usd": "0.0005 + mod(g, 10) * 0.0001", "created_at": start, "tokens_in": "mod(g, 900)",
    })

    agreements = max(n // 50, 1)
    template_debt = Debt.objects.create(contact=template_contact, original_amount=Decimal("300"),
                                        due_since=now.date())
    _copy(Debt, template_debt.pk, f"generate_series(1, {agreements}) g", {
        "contact_id": f"{first_contact} + g - 1", "reference": "'DEU-' || g",
        "operator_id": f"({operator_ids})[mod(g, 4) + 1]",
        "assignee_id": agent, "created_at": "now()", "updated_at": "now()",
    })
    template_agreement = PaymentAgreement.objects.create(debt=template_debt, base_amount=Decimal("300"),
                                                         agreed_total=Decimal("300"), number_of_installments=3,
                                                         state="cancelled")
    _copy(PaymentAgreement, template_agreement.pk, f"{Debt._meta.db_table} d", {
        "debt_id": "d.id", "agent_id": "d.assignee_id", "state": "(ARRAY['active','broken','fulfilled'])"
        "[mod(d.id, 3) + 1]", "created_at": "now()", "updated_at": "now()",
    }, where=f"WHERE d.id <> {template_debt.pk}")
    template_installment = Installment.objects.create(agreement=template_agreement, number=1, due_date=now.date(),
                                                      amount=Decimal("100"))
    _copy(Installment, template_installment.pk,
          f"{PaymentAgreement._meta.db_table} a CROSS JOIN generate_series(1, 3) k", {
              "agreement_id": "a.id", "number": "k",
              "due_date": f"('{now.date().isoformat()}'::date - mod(a.id * k, {days})::int)", "amount": "100",
              "paid_amount": "CASE WHEN mod(a.id + k, 3) = 0 THEN 0 ELSE 100 END",
              "created_at": "now()", "updated_at": "now()",
          }, where=f"WHERE a.id <> {template_agreement.pk}")

    template_call = Call.objects.create(agent_id=people["agents"][0], direction="outbound", status="completed")
    _copy(Call, template_call.pk, f"generate_series(1, {max(n // 10, 1)}) g", {
        "agent_id": agent, "started_at": start, "created_at": "now()",
        "updated_at": "now()", "call_sid": "NULL",
    })

    # The templates were only patterns: out of the figures.
    for obj in (template_call, template_installment, template_agreement, template_survey, template_commission,
                template_line, template_sale, template_quote, template_ticket, template_message, template_request):
        type(obj).objects.filter(pk=obj.pk).delete()
    Conversation.objects.filter(pk=template_conversation.pk).delete()
    Debt.objects.filter(pk=template_debt.pk).delete()
    Lead.objects.filter(pk=template_lead.pk).delete()
    counts = {"conversations": Conversation.objects.count(), "messages": Message.objects.count(),
              "leads": Lead.objects.count(), "sales": Sale.objects.count(), "tickets": Ticket.objects.count(),
              "csat_answers": CsatSurvey.objects.count(), "ai_requests": AIRequest.objects.count(),
              "instalments": Installment.objects.count(), "calls": Call.objects.count(),
              "messages_per_conversation": per}
    counts["seconds"] = round(time.perf_counter() - began, 1)
    return counts


def existing_people() -> dict[str, Any]:
    """The people an earlier run made (``--reuse``)."""
    from accounts.models import Role, Team, User

    teams = list(Team.objects.filter(name__startswith="Equipo ").order_by("pk").values_list("pk", flat=True))
    return {"admin": User.objects.get(username="bench_admin"), "supervisor": User.objects.get(username="supervisor1"),
            "teams": teams, "agents": list(User.objects.filter(role=Role.AGENT, username__startswith="agente")
                                           .order_by("pk").values_list("pk", flat=True))}


def existing_counts() -> dict[str, Any]:
    from conversations.models import Conversation, Message

    return {"conversations": Conversation.objects.count(), "messages": Message.objects.count(), "reused": True}


def rollup_everything() -> dict[str, Any]:
    from django.db.models import Min
    from django.utils import timezone

    from conversations.models import Message
    from dashboard.services import analytics_rollup

    began = time.perf_counter()
    first = timezone.localtime(Message.objects.aggregate(first=Min("created_at"))["first"]).date()
    today = timezone.localdate()
    result = analytics_rollup(days=[first + timedelta(days=i) for i in range((today - first).days)])
    seconds = time.perf_counter() - began
    again = time.perf_counter()
    analytics_rollup()  # what the beat job does every 10 minutes: the last closed days again
    return {"days": len(result.days), "rows": result.rows, "messages": result.messages,
            "seconds": round(seconds, 1), "beat_run_seconds": round(time.perf_counter() - again, 2)}


def rollup_missing() -> dict[str, Any]:
    """``--reuse``: what the beat job does (the last closed days, and days never rolled up) until nothing is left."""
    from dashboard.services import analytics_rollup

    began = time.perf_counter()
    days = rows = 0
    while True:
        result = analytics_rollup()
        days += len(result.days)
        rows += result.rows
        if len(result.days) <= 2:  # noqa: PLR2004 - only the days it always does again
            break
    return {"days": days, "rows": rows, "seconds": round(time.perf_counter() - began, 1)}


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def measure(job: Callable[[], Any], runs: int, baseline: Callable[[], Any] | None = None) -> dict[str, Any]:
    """One warm-up, then ``runs`` timed runs with the cache cleared before each: p50, p95 (ms), queries.

    With ``baseline``, each run is paired with a run of it just before: the ratio of each pair is kept, and the
    median and 95th percentile of those ratios are returned too. Paired, a machine whose speed changes from one
    second to the next (a shared host) reads the same: both sides of a pair ran at the same speed."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    job()
    times: list[float] = []
    ratios: list[float] = []
    queries = 0
    for _ in range(runs):
        base_ms = None
        if baseline is not None:
            began = time.perf_counter()
            baseline()
            base_ms = (time.perf_counter() - began) * 1000
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            job()
            times.append((time.perf_counter() - began) * 1000)
        queries = len(captured)
        if base_ms:
            ratios.append(times[-1] / base_ms)
    found: dict[str, Any] = {"p50_ms": round(statistics.median(times), 1),
                             "p95_ms": round(percentile(times, 0.95), 1), "queries": queries}
    if ratios:
        found |= {"paired_ratio_p50": round(statistics.median(ratios), 2),
                  "paired_ratio_p95": round(percentile(ratios, 0.95), 2)}
    return found


def scenarios(people: dict[str, Any], days: int) -> list[tuple[str, Any, dict[str, str]]]:
    from django.utils import timezone

    today = timezone.localdate()
    last_30 = {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}
    history = {"from": (today - timedelta(days=days)).isoformat(), "to": today.isoformat()}
    return [("admin, last 30 days", people["admin"], last_30),
            ("supervisor, last 30 days", people["supervisor"], last_30),
            (f"admin, all {days + 1} days", people["admin"], history),
            (f"supervisor, all {days + 1} days", people["supervisor"], history)]


def run_measurements(people: dict[str, Any], days: int, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from accounts.two_factor.testing import client_session_verify
    from dashboard.analytics import dashboard_data, filters_from_params

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM conversations_message")
            cursor.fetchone()

    results: dict[str, Any] = {"baseline": measure(baseline, runs), "scenarios": {}}
    for name, user, params in scenarios(people, days):
        filters = filters_from_params(params, user=user)
        client = Client(HTTP_HOST="testserver")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        client_session_verify(client, user)  # as if they had typed their two-step code
        found: dict[str, Any] = {
            "dashboard_data": measure(lambda u=user, f=filters: dashboard_data(user=u, filters=f), runs, baseline)}
        for endpoint in ENDPOINTS:
            def call(c: Client = client, e: str = endpoint, p: dict[str, str] = params) -> None:
                response = c.get(f"/api/v1/analytics/{e}/", p)
                if response.status_code != 200:
                    raise SystemExit(f"/api/v1/analytics/{e}/ answered {response.status_code}: "
                                     f"{response.content[:300]!r}")
            found[f"api {endpoint}"] = measure(call, runs, baseline)
        if name.startswith("admin, all"):
            found["dashboard_data without rollup"] = measure(
                lambda u=user, f=filters: dashboard_data(user=u, filters=f, use_rollup=False), max(3, runs // 4))
        results["scenarios"][name] = found
    return results


def print_results(results: dict[str, Any]) -> list[str]:
    base = results["baseline"]["p95_ms"] or 0.001
    print(f"\nBaseline, SELECT count(*) over the messages: p50 {results['baseline']['p50_ms']} ms, "
          f"p95 {results['baseline']['p95_ms']} ms")
    warnings_: list[str] = []
    for scenario, found in results["scenarios"].items():
        print(f"\n{scenario}")
        print(f"  {'what':<34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'p95 / baseline':>15}"
              f" {'paired p50':>11} {'paired p95':>11} {'at reference':>13}")
        for what, row in found.items():
            ratio = row["p95_ms"] / base
            row["ratio_to_baseline"] = round(ratio, 2)
            paired = row.get("paired_ratio_p95")
            at_reference = round(paired * REFERENCE_BASELINE_MS, 1) if paired else None
            row["p95_at_reference_ms"] = at_reference
            print(f"  {what:<34} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['queries']:>8} {ratio:>15.2f}"
                  f" {row.get('paired_ratio_p50', ''):>11} {paired or '':>11} {at_reference or '':>13}")
            over = at_reference if at_reference is not None else row["p95_ms"]
            if over > TARGET_MS and "without rollup" not in what:
                warnings_.append(f"WARNING: {scenario} / {what}: p95 {over} ms over {TARGET_MS} ms"
                                 + (" (at the reference baseline)" if at_reference is not None else ""))
    flat = {scenario: {what: row["queries"] for what, row in found.items()}
            for scenario, found in results["scenarios"].items()}
    counts = {what: {flat[s][what] for s in flat if what in flat[s]} for what in next(iter(flat.values()))}
    for what, seen in counts.items():
        if len(seen) > 1:
            print(f"note: {what} ran {sorted(seen)} queries across scenarios (the scope adds or removes a lookup)")
    for line in warnings_:
        print(line)
    return warnings_


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=180, help="days of history the data is spread over")
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--runs", type=int, default=20, help="timed runs per measurement (after one warm-up)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the bench database of an earlier run (new migrations applied, no new data)")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    url = configure_environment()
    if not args.reuse:
        recreate_database(url)
    setup_django()
    began = time.perf_counter()
    print(f"Database {urlsplit(url)._replace(netloc=urlsplit(url).hostname or '').geturl()}: "
          f"{args.conversations} conversations, {args.messages} messages over {args.days} days")
    migrated = migrate()
    print(f"migrated in {migrated:.1f} s")
    if args.reuse:
        people, data = existing_people(), existing_counts()
    else:
        people = create_people(args.agents)
        data = create_data(people, args.conversations, args.messages, args.days)
    print(f"data: {data}")
    _execute("VACUUM (ANALYZE)")
    rollup = rollup_missing() if args.reuse else rollup_everything()
    print(f"rollup: {rollup}")
    _execute("VACUUM (ANALYZE)")
    results = run_measurements(people, args.days, args.runs)
    warnings_ = print_results(results)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps({
        "args": vars(args), "data": data, "rollup": rollup, **results, "warnings": warnings_,
        "python": platform.python_version(), "seconds": round(time.perf_counter() - began, 1),
    }, indent=2, default=str))
    print(f"\nwritten to {RESULTS_FILE.relative_to(ROOT)}; total {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
