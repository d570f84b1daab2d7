"""CPU and queries of each step of the inbound path, measured in one process on PostgreSQL and Redis.

Run it from the project root (PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 must be up)::

    .venv/bin/python bench/steps.py                  # 1,000 messages
    .venv/bin/python bench/steps.py --messages 300 --profile process

It uses ``postgres://postgres@127.0.0.1:5432/crm_bench_steps`` (env ``BENCH_DATABASE_URL``), DROPPED and
re-created at every start, and Redis ``redis://127.0.0.1:6379/11`` (env ``BENCH_REDIS_URL``), flushed.

The demo is seeded (its automation rules, business hours...), with the company's hours open all day every day
(``--out-of-hours``: closed, but one minute a day), so the figures do not depend on when the bench runs.
The load looks like ``bench/panel.py``'s: 200 customers whose conversations are assigned to 50 agents
(the AI keeps its reply as a suggestion), and 10% of the messages from new customers (the AI answers;
the reply goes to a fake Graph API in a thread of this process). For each message, in the order the
product runs them, each step is timed on its own:

- ``ingest``: the webhook view's work after the signature check: parse and store the event;
- ``process``: the inbound task (contact, conversation, message, lead, events);
- ``assist``: the AI task (local provider: analysis, lead scoring, reply or suggestion);
- ``send``: the outbound task for the AI's replies (the HTTP call to the fake Graph API).

Per step: CPU ms of this process (``time.process_time``), CPU ms of its PostgreSQL backend (from
``/proc``), wall ms, queries and real-time events published, as means per message that ran the step.
Events go to the Redis channel layer and tasks to the Redis broker, as in production; nobody consumes them.
``--profile STEP`` prints the top functions of that step by cumulative time (cProfile; env ``BENCH_TOP`` how
many, ``BENCH_SORT`` the order, ``BENCH_FILTER`` a regex of the files or functions to list,
``BENCH_CALLEES`` / ``BENCH_CALLERS`` a regex of functions to break down). Exits 0.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.webhooks import (  # noqa: E402
    PHONE_NUMBER_ID,
    check_redis_url,
    recreate_database,
    redacted,
    service_env,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_steps"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
STEPS = ("ingest", "process", "assist", "send")


class FakeGraph(BaseHTTPRequestHandler):
    """Meta's send endpoint: ``{"messages": [{"id": "wamid..."}]}``."""

    counter = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        FakeGraph.counter += 1
        body = json.dumps({"messaging_product": "whatsapp", "contacts": [{"input": "x", "wa_id": "x"}],
                           "messages": [{"id": f"wamid.OUT{FakeGraph.counter:012d}"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def meta_payload(customer: str, text: str, rng: random.Random) -> bytes:
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "51940111222", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": f"Cliente {customer[-4:]}"}, "wa_id": customer}],
            "messages": [{"from": customer, "id": f"wamid.STEPS{rng.getrandbits(128):032X}",
                          "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}],
        }}]}]}
    return json.dumps(payload, separators=(",", ":")).encode()


TEXTS = ["hola, precio del iphone 15 de 128", "tienen plan claro de 50 gb?",
         "quiero internet de 200 mbps en miraflores", "cuanto cuesta el samsung a55", "gracias",
         "buenas tardes, info del plan movistar", "lo quiero",
         "tienen stock del cargador?", "me llamo Ana Torres", "muy caro, algo mas barato?"]


class Meter:
    """Counts queries (execute wrapper) and the backend's CPU (``/proc/<pid>/stat``)."""

    def __init__(self) -> None:
        from django.db import connection

        self.queries = 0
        self.recording: list[str] | None = None
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = int(cursor.fetchone()[0])
        connection.execute_wrappers.append(self._count)
        self.hz = os.sysconf("SC_CLK_TCK")

    def _count(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries += 1
        if self.recording is not None:
            self.recording.append(sql)
        return execute(sql, params, many, context)

    def backend_seconds(self) -> float:
        fields = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.hz


def hours_fix(*, out_of_hours: bool) -> None:
    """The demo's company hours (Monday-Saturday 9-19 in Lima) made the same at any time of the run: open all
    day every day (the common case, a message inside business hours), or open one minute a day at 03:00."""
    from datetime import time as clock

    from core.config_cache import config_invalidate
    from sla.models import BusinessHours, Holiday, ServiceHours
    from sla.selectors import SLA_CONFIG_KEY

    hours = ServiceHours.objects.get(team=None)
    BusinessHours.objects.filter(service_hours=hours).delete()
    Holiday.objects.all().delete()
    opens, closes = (clock(3), clock(3, 1)) if out_of_hours else (clock(0), clock(0))
    BusinessHours.objects.bulk_create(BusinessHours(service_hours=hours, weekday=day, opens=opens, closes=closes)
                                      for day in range(7))
    config_invalidate(SLA_CONFIG_KEY)


def main() -> int:  # noqa: PLR0915 - a linear script
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--profile", choices=STEPS, help="print the top functions of one step")
    parser.add_argument("--out-of-hours", action="store_true",
                        help="every message outside business hours (default: inside, whatever the time of day)")
    parser.add_argument("--sql", choices=STEPS, help="print the queries of the run of one step that made the most")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    check_redis_url(redis_url)
    graph = ThreadingHTTPServer(("127.0.0.1", 0), FakeGraph)
    threading.Thread(target=graph.serve_forever, daemon=True).start()
    env = {**os.environ, **service_env(database_url, redis_url, 8000), "CONN_MAX_AGE": "600",
           "META_GRAPH_BASE_URL": f"http://127.0.0.1:{graph.server_address[1]}/v21.0", "CRM_PROCESS": "worker"}
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    recreate_database(database_url)
    subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "-v0"],  # noqa: S603 - our own command
                   cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from conversations.models import ChannelAccount, Conversation, Message, WebhookEvent
    from conversations.services.accounts import channel_accounts_sync_from_env
    from conversations.services.assistant import message_assist
    from conversations.services.inbound import webhook_event_process
    from conversations.services.ingest import webhook_ingest
    from conversations.services.outbound import message_deliver
    from core.config_cache import config_cache_clear
    from integrations.meta import webhooks as meta

    call_command("seed_demo", contacts=20, stdout=io.StringIO())
    channel_accounts_sync_from_env()
    hours_fix(out_of_hours=args.out_of_hours)
    ChannelAccount.objects.update(ai_mode=ChannelAccount.AIMode.AUTO)
    config_cache_clear()  # an update() is not heard by the per-process copies
    agents = [User.objects.create_user(username=f"agent{k}", password="x", role="agent") for k in range(50)]
    rng = random.Random(7)  # noqa: S311 - load shape
    customers = [f"5197{k:07d}" for k in range(200)]
    meter = Meter()

    def ingest(customer: str, text: str) -> list[int]:
        body = meta_payload(customer, text, rng)
        payload = json.loads(body)
        parsed = meta.parse_whatsapp(payload)
        webhook_ingest(provider="meta_whatsapp", parsed=parsed, body=body, payload=payload, headers={})
        return list(WebhookEvent.objects.order_by("-pk").values_list("pk", flat=True)[:1])

    # The 200 customers' conversations, assigned round-robin.
    for k, customer in enumerate(customers):
        for event_id in ingest(customer, "hola"):
            webhook_event_process(event_id=event_id)
        Conversation.objects.filter(contact__whatsapp_id=customer).update(assignee=agents[k % len(agents)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    figures: dict[str, dict[str, list[float]]] = {s: defaultdict(list) for s in STEPS}
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU time, not waits
    published = {"n": 0}
    last_sql: dict[str, list[str]] = {}
    import core.realtime as realtime

    original_publish = realtime.publish_many

    def counting_publish(groups: list[str], events: list[Any]) -> None:
        published["n"] += len(events)
        original_publish(groups, events)

    realtime.publish_many = counting_publish
    import core.events as core_events

    original_run = core_events.run_subscriber
    by_subscriber: dict[str, list[tuple[float, int]]] = defaultdict(list)

    def timed_run(subscriber: Any, event: Any, **kwargs: Any) -> Any:
        q0, c0 = meter.queries, time.process_time()
        try:
            return original_run(subscriber, event, **kwargs)
        finally:
            name = f"{event.name} {subscriber.name.rsplit('.', 1)[-1]}"
            by_subscriber[name].append(((time.process_time() - c0) * 1000, meter.queries - q0))

    core_events.run_subscriber = timed_run

    def measure(step: str, call: Any) -> Any:
        q0, b0, e0 = meter.queries, meter.backend_seconds(), published["n"]
        c0, w0 = time.process_time(), time.perf_counter()
        if step == args.sql:
            meter.recording = []
        if profiler and step == args.profile:
            profiler.enable()
        try:
            return call()
        finally:
            if profiler and step == args.profile:
                profiler.disable()
            figures[step]["cpu"].append((time.process_time() - c0) * 1000)
            figures[step]["wall"].append((time.perf_counter() - w0) * 1000)
            figures[step]["db"].append((meter.backend_seconds() - b0) * 1000)
            figures[step]["queries"].append(meter.queries - q0)
            figures[step]["events"].append(published["n"] - e0)
            if meter.recording is not None:
                if len(meter.recording) >= len(last_sql.get(step, [])):
                    last_sql[step] = meter.recording
                meter.recording = None

    print(f"database {redacted(database_url)}, redis {redis_url}; {args.messages} messages")
    for k in range(args.messages):
        customer = f"5196{k:07d}" if rng.random() < 0.1 else rng.choice(customers)
        text = f"{rng.choice(TEXTS)} #{k}"
        event_ids = measure("ingest", lambda c=customer, t=text: ingest(c, t))
        for event_id in event_ids:
            result = measure("process", lambda e=event_id: webhook_event_process(event_id=e))
            outcome = measure("assist", lambda m=result.message_id: message_assist(message_id=m))
            if outcome.reply is not None:
                measure("send", lambda m=outcome.reply.pk: message_deliver(message_id=m))
    print(f"\n{'step':<8} {'runs':>5} {'cpu ms':>7} {'db ms':>6} {'wall ms':>8} {'queries':>8} {'events':>7}")
    for step in STEPS:
        f = figures[step]
        if not f["cpu"]:
            continue
        print(f"{step:<8} {len(f['cpu']):>5} {statistics.mean(f['cpu']):>7.2f} {statistics.mean(f['db']):>6.2f} "
              f"{statistics.mean(f['wall']):>8.2f} {statistics.mean(f['queries']):>8.1f} "
              f"{statistics.mean(f['events']):>7.2f}")
    total_cpu = sum(statistics.mean(figures[s]["cpu"]) * len(figures[s]["cpu"]) for s in STEPS if figures[s]["cpu"])
    total_db = sum(statistics.mean(figures[s]["db"]) * len(figures[s]["db"]) for s in STEPS if figures[s]["db"])
    print(f"per inbound message: {total_cpu / args.messages:.2f} ms CPU here + {total_db / args.messages:.2f} ms "
          f"PostgreSQL; messages sent by the AI: {Message.objects.filter(sender='ai').count()}")
    print(f"\n{'event subscriber (CPU here, inside the steps)':<62} {'runs':>5} {'cpu ms':>7} {'queries':>8}")
    for name, runs in sorted(by_subscriber.items(), key=lambda kv: -sum(c for c, _q in kv[1])):
        print(f"{name:<62} {len(runs):>5} {statistics.mean(c for c, _q in runs):>7.2f} "
              f"{statistics.mean(q for _c, q in runs):>8.1f}")
    for step, queries in last_sql.items():
        print(f"\nqueries of the {step} that made the most:")
        for sql in queries:
            print("  " + sql[:300])
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("BENCH_SORT", "cumulative"))
        restrictions: list[Any] = [os.environ["BENCH_FILTER"]] if os.environ.get("BENCH_FILTER") else []
        stats.print_stats(*restrictions, int(os.environ.get("BENCH_TOP", "45")))
        if os.environ.get("BENCH_CALLEES"):
            stats.print_callees(os.environ["BENCH_CALLEES"])
        if os.environ.get("BENCH_CALLERS"):
            stats.print_callers(os.environ["BENCH_CALLERS"])
        print(out.getvalue())
    graph.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
