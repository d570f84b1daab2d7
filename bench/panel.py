"""Benchmark of the agents' chat panel: page times and query counts at size, and webhook-to-socket latency.

Run it from the project root (PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 must be up)::

    .venv/bin/python bench/panel.py                 # 10k and 100k conversations, 1M messages, 50 agents at 80/s
    .venv/bin/python bench/panel.py --quick         # small sizes, 10 agents at 20/s: under a minute
    .venv/bin/python bench/panel.py --messages 200000 --skip-live
    .venv/bin/python bench/panel.py --sizes 10000 --messages 100000 --skip-pages   # live, bare, ratios, search

It uses ``postgres://postgres@127.0.0.1:5432/crm_bench_panel`` (env ``BENCH_DATABASE_URL``), DROPPED and
re-created at every start (a name without ``bench`` is refused), and Redis ``redis://127.0.0.1:6379/10``
(env ``BENCH_REDIS_URL``; databases 0 and 15 are refused), flushed at the start. One run at a time (a lock
file in ``bench/results/``).

Pages. Users: an admin, a supervisor and ``--agents`` agents of one team. For each size N (``--sizes``,
default 10,000 and 100,000) the conversations are topped up to N (one contact each; 5 in 6 assigned
round-robin to the agents, the rest in the unassigned queue), and the messages to ``--messages * N /
largest size`` (1M at 100k), spread over the conversations, plus 2,000 in one "big" conversation. Rows are
copied server-side from one template row with ``INSERT ... SELECT generate_series`` (every column the
models have, whatever migrations add), then ``VACUUM (ANALYZE)``. Then, in this process with ``django.test.Client``
(the server's work without the network: middleware, view, templates, SQL), as an agent and as the admin:
``/panel/`` (the inbox), ``/panel/c/<big>/`` (the conversation page: its latest page of messages, the earlier
ones come as the agent scrolls up) and ``/panel/c/<big>/earlier/?before=<cursor>`` (the page an agent gets on
scrolling up, from 1,000 messages back) are requested once to warm up, then ``--runs`` times: median and p95 time
and the query count are printed.

Bare baseline (before the live part; ``--skip-bare`` leaves it out). The webhook bench's bare view (``POST
/bare/``: the product's settings, server and middleware, a view that inserts one row) on the same number of
uvicorn processes, no worker: its CPU per request and ack p99 at ``--rate``, and its throughput, the highest
of 25, 50, 75, 100, 150, 200, 300... req/s it answers with p99 under 200 ms and no error, then the bracket
between the last rate that passed and the first that failed halved twice. A shared host's speed drifts within a
run, so it is measured again right after the live load (the product's services idle, the sockets open) and
once more after the rate search (``--bare-once`` leaves both out): each figure is compared with the mean of the
two measurements around it, all three printed. Every live figure is then also printed as a ratio of it (the
machine's speed cancels out): the pipeline's CPU per message (server, workers, PostgreSQL, Redis) in bare
requests (the issue's goal: at most 8), the webhooks' ack p99 over the bare view's at the same rate (goal: at
most 1.5), and the rate search's result over the bare throughput (goal: at least 0.2).

Live. Uvicorn (the server of the Dockerfile; ``--web-workers`` processes for pages and sockets, and
``--webhook-workers`` of their own for the webhooks, as docker-compose's ``web`` and ``webhooks`` services) and
three Celery workers as docker-compose runs them (``-Q inbound``, ``-Q outbound,default,bulk`` and ``-Q ai``;
each takes idle CPU priority itself, core/priority.py) start with the distributed-mode env; ``--agents``
agents log in and open a real WebSocket each (the ``websockets`` library, cookie + Origin as a browser sends
them) to ``/ws/panel/``.
First one signed Meta webhook per bench customer creates their conversations, which are then assigned
round-robin to the agents. Then, open loop, ``--rate`` webhooks per second for ``--seconds`` s: 90% from
those customers (the event reaches one agent: the assignee), 10% from new customers (the unassigned
queue: every agent). For each (message, agent that should see it) the time from the moment the POST
started to the ``message.created`` frame carrying that message's text at that socket is recorded:
p50/p95/p99/max, plus how many expected frames never came (within 15 s of the last POST), the POST
answers that were not 200 and the ack latency. The CPU of every part is read over the load and the drain of
its queues (all the load's work). The websocket clients and the sender share this process's event loop.

Rate search (``--skip-search`` leaves it out): short loads (``--search-seconds``) at 0.05, 0.1, 0.15, 0.2...
times the bare throughput measured right before it, on the same sockets, each after the queues emptied, up to
the first that fails, then the bracket halved twice: the highest rate whose webhook -> screen p95 stays within
1 s with every frame delivered.

Everything also goes to ``bench/results/panel.json``; logs of the server (uvicorn, as in the Dockerfile)
and the worker to ``bench/results/panel_logs/``. Exits 0 once the figures are printed; 2 when it cannot run.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import hashlib
import hmac
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._webhook_load import Connection, encode  # noqa: E402 - the webhook bench's minimal client
from bench.webhooks import (  # noqa: E402 - the webhook bench's process and environment helpers
    META_PATH,
    META_SECRET,
    PHONE_NUMBER_ID,
    CpuProbe,
    Processes,
    check_redis_url,
    free_port,
    recreate_database,
    redacted,
    service_env,
)

RESULTS_FILE = ROOT / "bench" / "results" / "panel.json"
LOG_DIR = ROOT / "bench" / "results" / "panel_logs"
LOCK_FILE = ROOT / "bench" / "results" / ".panel.lock"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_panel"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
BIG_CONVERSATION_MESSAGES = 2_000
UNASSIGNED_EVERY = 6  # one conversation in six waits in the queue
NEW_CUSTOMER_SHARE = 0.10
SENDER_CONNECTIONS = 16
QUICK = {"sizes": "1000,5000", "messages": 20_000, "agents": 10, "rate": 20.0, "seconds": 5.0, "runs": 5,
         "search_seconds": 4.0, "capacity_seconds": 3.0}
FULL = {"sizes": "10000,100000", "messages": 1_000_000, "agents": 50, "rate": 80.0, "seconds": 20.0, "runs": 15,
        "search_seconds": 10.0, "capacity_seconds": 8.0}
# The bare view's throughput: the highest of these rates it answers with p99 under BARE_P99_MS and no error.
CAPACITY_RATES = (25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1000)
BARE_P99_MS = 200.0
BARE_BISECTIONS = 2
# The rate search: loads at these fractions of the bare view's throughput, the highest whose webhook -> screen
# p95 stays within SEARCH_P95_MS (the goal: at least 0.2).
SEARCH_FRACTIONS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
SEARCH_P95_MS = 1000.0
PIPELINE_GOAL = 8.0  # CPU per message of the whole pipeline, in bare requests
SEARCH_GOAL = 0.2


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------
def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()
    from django.test.utils import override_settings

    override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()


def migrate(env: dict[str, str]) -> None:
    done = subprocess.run(  # noqa: S603 - our own venv's python, fixed arguments
        [str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{done.stderr[-2000:]}")


def create_people(agents: int, ai_mode: str) -> dict[str, Any]:
    from accounts.models import Role, Team
    from accounts.services import roles_create, user_create
    from conversations.models import ChannelAccount
    from conversations.services.accounts import channel_accounts_sync_from_env

    roles_create()
    team = Team.objects.create(name="Equipo bench")
    password = "bench-password-123"  # noqa: S105 - a throw-away database
    admin = user_create(username="bench_admin", password=password, role=Role.ADMIN)
    boss = user_create(username="bench_boss", password=password, role=Role.SUPERVISOR, team=team)
    team.supervisor = boss
    team.save()
    people = [user_create(username=f"bench_agent_{k:02d}", password=password, role=Role.AGENT, team=team)
              for k in range(agents)]
    channel_accounts_sync_from_env()
    ChannelAccount.objects.update(ai_mode=ai_mode)
    return {"admin": admin, "supervisor": boss, "agents": people}


def _columns(model: Any, overrides: dict[str, str]) -> tuple[str, str]:
    """Column list and SELECT list copying template row ``t`` with some columns replaced by SQL."""
    names = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    select = [overrides.get(name, f"t.{name}") for name in names]
    return ", ".join(names), ", ".join(select)


def _execute(sql: str, params: list[Any] | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def seed_templates(account_id: int) -> tuple[int, int, int]:
    from conversations.models import Conversation, Message
    from leads.models import Contact

    contact = Contact.objects.create(name="Plantilla", phone="+51800000000", whatsapp_id="51800000000")
    conversation = Conversation.objects.create(contact=contact, channel_account_id=account_id)
    message = Message.objects.create(conversation=conversation, channel_account_id=account_id, direction="in",
                                     sender="customer", status="received", text="plantilla")
    return contact.pk, conversation.pk, message.pk


def top_up(size: int, messages: int, agent_ids: list[int], templates: tuple[int, int, int]) -> dict[str, Any]:
    """Conversations up to ``size`` (one contact each), messages up to ``messages``; returns counts and time."""
    from conversations.models import Conversation, Message
    from leads.models import Contact

    began = time.perf_counter()
    contact_t, conversation_t, message_t = templates
    have = Conversation.objects.filter(contact__name__startswith="Cliente ").count()
    if size > have:
        first, last = have + 1, size
        cols, select = _columns(Contact, {
            "name": "'Cliente ' || g", "phone": "'+519' || lpad(g::text, 8, '0')",
            "whatsapp_id": "'519' || lpad(g::text, 8, '0')", "created_at": "now()", "updated_at": "now()",
        })
        _execute(f"INSERT INTO {Contact._meta.db_table} ({cols}) SELECT {select} "  # noqa: S608
                 f"FROM {Contact._meta.db_table} t, generate_series(%s, %s) g WHERE t.id = %s",
                 [first, last, contact_t])
        agents_sql = "ARRAY[" + ",".join(str(a) for a in agent_ids) + "]::bigint[]"
        cols, select = _columns(Conversation, {
            "contact_id": "c.id",
            "assignee_id": f"CASE WHEN mod(c.id, {UNASSIGNED_EVERY}) = 0 THEN NULL "
                           f"ELSE ({agents_sql})[mod(c.id, {len(agent_ids)}) + 1] END",
            "last_message_at": "now() - mod(c.id, 50000) * interval '1 minute'",
            "last_inbound_at": "now() - mod(c.id, 50000) * interval '1 minute'",
            "last_message_preview": "'Hola, ¿tienen fibra en mi zona? ' || c.id",
            "unread_count": "mod(c.id, 3)", "created_at": "now()", "updated_at": "now()",
        })
        _execute(f"INSERT INTO {Conversation._meta.db_table} ({cols}) SELECT {select} "  # noqa: S608
                 f"FROM {Contact._meta.db_table} c, {Conversation._meta.db_table} t "
                 f"WHERE t.id = %s AND c.name LIKE 'Cliente %%' AND NOT EXISTS "
                 f"(SELECT 1 FROM {Conversation._meta.db_table} x WHERE x.contact_id = c.id)",
                 [conversation_t])
    have_messages = Message.objects.count() - 1
    wanted = max(messages, 0)
    if wanted > have_messages:
        cols, select = _columns(Message, {
            "conversation_id": "c.id", "text": "'Mensaje de prueba número ' || g",
            "direction": "CASE WHEN mod(g, 2) = 0 THEN 'in' ELSE 'out' END",
            "sender": "CASE WHEN mod(g, 2) = 0 THEN 'customer' ELSE 'agent' END",
            "status": "CASE WHEN mod(g, 2) = 0 THEN 'received' ELSE 'read' END",
            "created_at": "now() - (%s - g) * interval '1 second'", "updated_at": "now()",
        })
        _execute(f"INSERT INTO {Message._meta.db_table} ({cols}) SELECT {select} "  # noqa: S608
                 f"FROM generate_series(%s, %s) g "
                 f"JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM {Conversation._meta.db_table}"
                 f" WHERE id <> %s) c ON c.rn = mod(g, %s) "
                 f"JOIN {Message._meta.db_table} t ON t.id = %s",
                 [wanted, have_messages + 1, wanted, conversation_t, size, message_t])
    _execute("VACUUM (ANALYZE)")  # as a settled database is: no autovacuum during the timings
    return {"conversations": Conversation.objects.count() - 1, "messages": Message.objects.count(),
            "seconds": round(time.perf_counter() - began, 1)}


def big_conversation(agent_id: int, templates: tuple[int, int, int]) -> int:
    """The template conversation, given to the measuring agent, with ``BIG_CONVERSATION_MESSAGES`` messages."""
    from conversations.models import Conversation, Message

    _, conversation_t, message_t = templates
    Conversation.objects.filter(pk=conversation_t).update(assignee_id=agent_id, last_message_at=datetime.now(UTC))
    cols, select = _columns(Message, {"text": "'Mensaje largo ' || g",
                                      "created_at": "now() - g * interval '1 second'"})
    _execute(f"INSERT INTO {Message._meta.db_table} ({cols}) SELECT {select} "  # noqa: S608
             f"FROM {Message._meta.db_table} t, generate_series(1, %s) g WHERE t.id = %s",
             [BIG_CONVERSATION_MESSAGES, message_t])
    return conversation_t


def earlier_cursor(conversation_id: int, depth: int = BIG_CONVERSATION_MESSAGES // 2) -> str:
    """The cursor of the message ``depth`` places from the newest: where scrolling up has got to by then."""
    from conversations.models import Message
    from panel.selectors import MessageCursor

    message = Message.objects.filter(conversation_id=conversation_id).order_by("-created_at", "-pk")[depth]
    return str(MessageCursor.of(message))


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def measure_page(user: Any, path: str, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.two_factor.testing import client_session_verify

    client = Client(HTTP_HOST="127.0.0.1")  # the host the distributed-mode env allows
    client.force_login(user)
    client_session_verify(client, user)  # a supervisor's session as if they had typed their two-step code
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code} to {user}")
    times: list[float] = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            began = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - began) * 1000)
        queries = len(ctx.captured_queries)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return {"path": path, "median_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1),
            "queries": queries}


# --------------------------------------------------------------------------------------------
# Live: webhook POST -> WebSocket frame
# --------------------------------------------------------------------------------------------
def meta_body(customer: str, text: str, rng: random.Random) -> tuple[bytes, dict[str, str]]:
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "51940111222", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": f"Cliente {customer[-4:]}"}, "wa_id": customer}],
            "messages": [{"from": customer, "id": f"wamid.PANEL{rng.getrandbits(128):032X}",
                          "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}],
        }}]}]}
    body = json.dumps(payload, separators=(",", ":")).encode()
    signature = "sha256=" + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": signature}


class Listener:
    """One agent's socket: records when each ``message.created`` frame arrives, by message text."""

    def __init__(self, user_id: int, cookie: str) -> None:
        self.user_id = user_id
        self.cookie = cookie
        self.arrivals: dict[str, float] = {}
        self.frames = 0
        self.kinds: dict[str, int] = {}

    async def run(self, url: str, origin: str, ready: asyncio.Event, stop: asyncio.Event) -> None:
        import websockets

        async with websockets.connect(url, origin=origin, additional_headers={"Cookie": self.cookie},
                                      max_queue=None, ping_interval=None) as socket:
            ready.set()

            async def close_when_stopped() -> None:
                await stop.wait()
                await socket.close()

            closer = asyncio.create_task(close_when_stopped())
            try:
                # No timeout per frame: a timer per receive costs the bench, which shares the CPU it measures.
                async for raw in socket:
                    now = time.perf_counter()
                    self.frames += 1
                    event = json.loads(raw)
                    kind = event.get("type", "?")
                    self.kinds[kind] = self.kinds.get(kind, 0) + 1
                    if kind == "message.created":
                        self.arrivals.setdefault(event["data"].get("text", ""), now)
            except websockets.ConnectionClosed:
                pass
            finally:
                closer.cancel()


class FakeGraph:
    """Meta's send endpoint on this process's loop, for the AI's replies: ``{"messages": [{"id": ...}]}``."""

    def __init__(self) -> None:
        self.sent = 0
        self.port = 0
        self._server: asyncio.AbstractServer | None = None

    async def start(self, port: int) -> None:
        self.port = port
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                self.sent += 1
                body = json.dumps({"messaging_product": "whatsapp", "contacts": [{"input": "x", "wa_id": "x"}],
                                   "messages": [{"id": f"wamid.BENCHOUT{self.sent:012d}"}]}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()


def queue_lengths(redis_url: str) -> dict[str, int]:
    """Tasks waiting in each Celery queue (a Redis list per queue and priority)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    lengths: dict[str, int] = {}
    for queue in ("inbound", "ai", "outbound", "default"):
        keys = [k for k in client.keys(f"{queue}*") if client.type(k) == b"list"]
        lengths[queue] = sum(client.llen(k) for k in keys)
    return lengths


class LiveRig:
    """Agents connected on their sockets and the bench customers' conversations handed out, ready for loads.

    ``load(rate, seconds)`` sends one open-loop load of signed Meta webhooks and measures, for each (message,
    agent that should see it), the time from the POST to that agent's ``message.created`` frame; the ack (the
    POST's answer) latency; and the CPU of every part while the work of the load lasts. Loads can follow one
    another (the rate search): each one's texts and new customers are its own.
    """

    def __init__(self, base_url: str, people: dict[str, Any], args: argparse.Namespace, procs: Processes,
                 redis_url: str, hook_url: str | None = None) -> None:
        self.base_url, self.people, self.args, self.procs, self.redis_url = base_url, people, args, procs, redis_url
        self.hook_url = hook_url or base_url  # the webhooks: to the web processes, or their own (--webhook-workers)
        self.listeners: list[Listener] = []
        self.customers: list[str] = []
        self.owner: dict[str, int] = {}
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.loads = 0

    async def wait_idle(self, limit: float) -> float | None:
        """Wait until every Celery queue is empty (at most ``limit`` s); the seconds it took, None if it did not."""
        started = time.perf_counter()
        while time.perf_counter() - started < limit:
            if not any((await asyncio.to_thread(queue_lengths, self.redis_url)).values()):
                return round(time.perf_counter() - started, 1)
            await asyncio.sleep(0.5)
        return None

    async def start(self) -> None:
        import httpx
        from asgiref.sync import sync_to_async
        from django.test import Client

        from conversations.models import Conversation

        rng = random.Random(7)  # noqa: S311 - load shape, not crypto
        agents = self.people["agents"]
        for agent in agents:
            client = Client()
            await sync_to_async(client.force_login)(agent)
            self.listeners.append(Listener(agent.pk, f"sessionid={client.cookies['sessionid'].value}"))
        ws_url = self.base_url.replace("http://", "ws://") + "/ws/panel/"
        readies = [asyncio.Event() for _ in self.listeners]
        self.tasks = [asyncio.create_task(lis.run(ws_url, self.base_url, ready, self.stop))
                      for lis, ready in zip(self.listeners, readies, strict=True)]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=30)
        self.customers = [f"5197{k:07d}" for k in range(len(agents) * 4)]
        async with httpx.AsyncClient(base_url=self.hook_url, timeout=10) as http:
            # warm-up: one message per bench customer creates their conversations; then hand them out
            for customer in self.customers:
                body, headers = meta_body(customer, f"hola {customer}", rng)
                await http.post(META_PATH, content=body, headers=headers)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            n = await sync_to_async(Conversation.objects.filter(contact__whatsapp_id__in=self.customers).count)()
            if n == len(self.customers):
                break
            await asyncio.sleep(0.3)

        def assign() -> None:
            for k, customer in enumerate(self.customers):
                agent = agents[k % len(agents)]
                Conversation.objects.filter(contact__whatsapp_id=customer).update(assignee=agent)
                self.owner[customer] = agent.pk

        await sync_to_async(assign)()
        # Let the warm-up's work finish (the AI answers those first messages) before the measured load.
        await self.wait_idle(180)
        await asyncio.sleep(1.0)  # let the warm-up frames drain

    async def close(self) -> None:
        self.stop.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def load(self, rate: float, seconds: float, *, drain_seconds: float) -> dict[str, Any]:  # noqa: PLR0915
        from asgiref.sync import sync_to_async
        from django.db.models import OuterRef, Subquery

        from conversations.models import Message

        self.loads += 1
        tag = self.loads
        rng = random.Random(1000 + tag)  # noqa: S311 - load shape, not crypto
        listeners = self.listeners
        total = max(1, int(rate * seconds))
        sent: dict[str, tuple[float, str | None]] = {}  # text -> (POST start, assignee or None = everyone)
        wall_sent: dict[str, float] = {}  # text -> POST start, wall clock (to compare with the rows' times)
        statuses: list[int] = []
        acks: list[float] = []  # POST start -> answer, ms (what the provider waits)
        # The measured POSTs go through minimal keep-alive connections (the webhook bench's client):
        # httpx costs the bench, which shares the CPU it measures, about a millisecond per request.
        host, port = self.hook_url.removeprefix("http://").split(":")
        free: asyncio.Queue[Connection] = asyncio.Queue()
        for _ in range(SENDER_CONNECTIONS):
            free.put_nowait(Connection(host, int(port)))

        async def post(k: int, due: float) -> None:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if rng.random() < NEW_CUSTOMER_SHARE:
                customer, who = f"5196{tag:02d}{k:05d}", None
            else:
                customer = rng.choice(self.customers)
                who = self.owner[customer]
            text = f"bench-{tag}-{k}-{rng.getrandbits(32):08x}"
            body, headers = meta_body(customer, text, rng)
            started = time.perf_counter()
            sent[text] = (started, who)
            wall_sent[text] = time.time()
            raw = encode([0, META_PATH, body.decode(), headers, ""], host)
            connection = await free.get()
            try:
                status, _answer = await connection.request(raw, 10.0)
                statuses.append(status)
            except (OSError, TimeoutError, asyncio.IncompleteReadError):
                connection.close()
                statuses.append(0)
            finally:
                acks.append((time.perf_counter() - started) * 1000)
                free.put_nowait(connection)

        probe = CpuProbe()
        probe.begin()
        bench_cpu = time.process_time()
        t0 = time.perf_counter() + 0.2
        load_wall = time.time() + 0.2
        await asyncio.gather(*(post(k, t0 + k / rate) for k in range(total)))
        send_seconds = time.perf_counter() - t0
        # wait until every expected frame came, or 15 s of silence after the last POST
        deadline = time.perf_counter() + 15
        while time.perf_counter() < deadline:
            expected = sum(len(listeners) if who is None else 1 for _, who in sent.values())
            got = sum(1 for lis in listeners for text in sent if text in lis.arrivals)
            if got >= expected:
                break
            await asyncio.sleep(0.25)
        # The AI step runs on its own queue and waits while inbound is behind: how far behind it is, and how
        # long it takes to catch up. The CPU window covers the load and this drain: all the load's work.
        backlog_at_end = await asyncio.to_thread(queue_lengths, self.redis_url)
        drained_after = await self.wait_idle(drain_seconds)
        window = time.perf_counter() - t0
        sessions = {name: {proc.pid} for name, proc in self.procs.running.items()}
        cpu = probe.end(sessions)
        cpu["bench process (sender, sockets, fake Graph API)"] = round(
            100 * (time.process_time() - bench_cpu) / window, 1)

        ai_replies = await sync_to_async(Message.objects.filter(
            sender="ai", created_at__gte=datetime.fromtimestamp(load_wall, UTC)).count)()
        # How long customers waited for the AI's answers sent during the run: from their last line before it.
        asked = Message.objects.filter(conversation=OuterRef("conversation"), direction="in",
                                       created_at__lte=OuterRef("created_at")).order_by("-created_at").values(
            "created_at")
        waits = sorted(await sync_to_async(lambda: [
            (answered - question).total_seconds() * 1000 for answered, question in
            Message.objects.filter(sender="ai", created_at__gte=datetime.fromtimestamp(load_wall, UTC))
            .annotate(asked=Subquery(asked[:1])).values_list("created_at", "asked") if question])())
        # Where the time goes: POST -> message row committed (ack, queue, inbound processing) and the rest
        # (publish, channel layer, server, socket) up to the first agent's frame.
        stored = dict(await sync_to_async(lambda: list(
            Message.objects.filter(text__in=list(wall_sent)).values_list("text", "created_at")))())
        to_row = sorted((stored[t].timestamp() - wall_sent[t]) * 1000 for t in wall_sent if t in stored)
        first_frame = {t: min((lis.arrivals[t] for lis in listeners if t in lis.arrivals), default=None)
                       for t in sent}
        row_to_frame = sorted(
            (first_frame[t] - sent[t][0]) * 1000 - (stored[t].timestamp() - wall_sent[t]) * 1000
            for t in sent if t in stored and first_frame[t] is not None)

        latencies: list[float] = []
        missing = 0
        for text, (started, who) in sent.items():
            targets = listeners if who is None else [lis for lis in listeners if lis.user_id == who]
            for lis in targets:
                if text in lis.arrivals:
                    latencies.append((lis.arrivals[text] - started) * 1000)
                else:
                    missing += 1
        acks.sort()
        return {
            "rate": rate, "seconds": seconds,
            "agents": len(listeners), "posts": total, "achieved_rate": round(total / send_seconds, 1),
            "non_200": sum(1 for s in statuses if s != 200),
            "ack_p50_ms": round(percentile(acks, 0.5), 1), "ack_p99_ms": round(percentile(acks, 0.99), 1),
            "frames_received": sum(lis.frames for lis in listeners),
            "deliveries_measured": len(latencies), "missing": missing,
            "p50_ms": round(percentile(latencies, 0.50), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies, default=0.0), 1),
            "post_to_row_p50_ms": round(percentile(to_row, 0.5), 1),
            "post_to_row_p95_ms": round(percentile(to_row, 0.95), 1),
            "row_to_first_frame_p50_ms": round(percentile(row_to_frame, 0.5), 1),
            "row_to_first_frame_p95_ms": round(percentile(row_to_frame, 0.95), 1),
            "queues_at_end_of_load": backlog_at_end, "queues_drained_after_s": drained_after,
            "ai_replies": ai_replies, "cpu_window_s": round(window, 1),
            "ai_reply_wait_p50_ms": round(percentile(waits, 0.5), 1),
            "ai_reply_wait_p95_ms": round(percentile(waits, 0.95), 1),
            "cpu_percent_of_one_core": cpu,
            "cpu_ms_per_message": {k: round(v * window * 10 / total, 2) for k, v in cpu.items()},
        }


def pipeline_cpu_ms(live: dict[str, Any]) -> float:
    """CPU per message of the product's own parts (server, workers, PostgreSQL, Redis): not the bench's sender
    and sockets, not other processes, not the machine total."""
    skip = ("bench process", "other processes", "machine")
    return round(sum(ms for part, ms in live["cpu_ms_per_message"].items() if not part.startswith(skip)), 2)


async def rate_search(rig: LiveRig, bare_max: float, args: argparse.Namespace) -> dict[str, Any]:
    """The highest rate whose webhook -> screen p95 stays within ``SEARCH_P95_MS`` with every frame delivered:
    short loads at rising fractions of the bare view's throughput up to the first that fails, then the bracket
    between the last that passed and it halved ``BARE_BISECTIONS`` times, as for the bare view (a step of 0.05
    of the bare throughput is a quarter of the goal)."""
    steps: list[dict[str, Any]] = []

    async def step_at(fraction: float) -> bool:
        rate = round(bare_max * fraction, 1)
        load = await rig.load(rate, args.search_seconds, drain_seconds=args.drain_seconds)
        ok = load["p95_ms"] <= SEARCH_P95_MS and not load["missing"] and not load["non_200"]
        steps.append({"fraction_of_bare": fraction, "rate": rate, "p95_ms": load["p95_ms"],
                      "missing": load["missing"], "non_200": load["non_200"], "ack_p99_ms": load["ack_p99_ms"],
                      "ok": ok})
        print(f"  {rate:>7.1f}/s ({fraction:.3f} x bare): webhook -> screen p95 {load['p95_ms']} ms, "
              f"missing {load['missing']}, non-200 {load['non_200']}, ack p99 {load['ack_p99_ms']} ms "
              f"{'ok' if ok else 'FAILS'}", flush=True)
        return ok

    low = high = 0.0
    for fraction in SEARCH_FRACTIONS:
        if bare_max * fraction < 1:
            continue
        if not await step_at(fraction):
            high = fraction
            break
        low = fraction
    for _ in range(BARE_BISECTIONS if low and high else 0):
        middle = round((low + high) / 2, 4)
        low, high = (middle, high) if await step_at(middle) else (low, middle)
    passed = [s["rate"] for s in steps if s["ok"] and s["fraction_of_bare"] <= low]
    return {"steps": steps, "max_rate": max(passed, default=0.0)}  # its ratio to the bare view: print_ratios


async def live_with_graph(base_url: str, people: dict[str, Any], args: argparse.Namespace, procs: Processes,
                          redis_url: str, graph_port: int, bare: dict[str, Any] | None,
                          hook_url: str | None = None,
                          bare_between: Callable[[], dict[str, Any]] | None = None) -> dict[str, Any]:
    """The live load, then (``bare_between``) the bare view measured again with the product's services idle, then
    the rate search: the live load and the search each have a bare measurement right before and right after."""
    graph = FakeGraph()
    await graph.start(graph_port)
    rig = LiveRig(base_url, people, args, procs, redis_url, hook_url)
    try:
        await rig.start()
        result = await rig.load(args.rate, args.seconds, drain_seconds=args.drain_seconds)
        result["sent_to_fake_graph_api"] = graph.sent
        if bare_between is not None:
            print("\nbare view again, right after the live load (the product's services idle; the sockets open):",
                  flush=True)
            try:
                # In a thread: it runs its own event loop, while this one keeps the agents' sockets answered.
                result["bare_between"] = bare = await asyncio.to_thread(bare_between)
            except Exception as exc:  # noqa: BLE001 - report and go on with the first measurement
                print(f"  FAILED: {type(exc).__name__}: {exc}")
        if bare and bare.get("max_rate") and not args.skip_search:
            print(f"\nrate search: the highest rate with webhook -> screen p95 <= {SEARCH_P95_MS:g} ms "
                  f"({args.search_seconds:g} s each)", flush=True)
            result["search"] = await rate_search(rig, bare["max_rate"], args)
    finally:
        await rig.close()
        await graph.stop()
    return result


# --------------------------------------------------------------------------------------------
# The bare view: the same run's baseline
# --------------------------------------------------------------------------------------------
async def open_loop(base_url: str, path: str, rate: float, seconds: float) -> dict[str, Any]:
    """POST small JSON bodies to ``path`` at ``rate`` per second for ``seconds`` (open loop, keep-alive
    connections as the live load): answer latencies from each request's due time, and the statuses."""
    host, port = base_url.removeprefix("http://").split(":")
    free: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(SENDER_CONNECTIONS):
        free.put_nowait(Connection(host, int(port)))
    latencies: list[float] = []
    statuses: list[int] = []
    total = max(1, int(rate * seconds))

    async def post(k: int, due: float) -> None:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        body = json.dumps({"entry": [{"id": k, "text": f"bare-{k}"}]})
        raw = encode([0, path, body, {"Content-Type": "application/json"}, ""], host)
        connection = await free.get()
        try:
            status, _answer = await connection.request(raw, 10.0)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            connection.close()
            status = 0
        finally:
            free.put_nowait(connection)
        statuses.append(status)
        latencies.append((time.perf_counter() - due) * 1000)

    t0 = time.perf_counter() + 0.1
    await asyncio.gather(*(post(k, t0 + k / rate) for k in range(total)))
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {"rate": rate, "achieved_rps": round(sum(1 for s in statuses if s == 200) / elapsed, 1),
            "p50_ms": round(percentile(latencies, 0.5), 1), "p99_ms": round(percentile(latencies, 0.99), 1),
            "non_200": sum(1 for s in statuses if s != 200)}


def bare_baseline(env: dict[str, str], port: int, args: argparse.Namespace) -> dict[str, Any]:
    """``POST /bare/`` (the webhook bench's baseline: the product's settings, server and middleware, a view that
    inserts one row) on the same number of uvicorn processes as the product: its throughput (the highest of
    ``CAPACITY_RATES`` it answers with p99 under ``BARE_P99_MS`` and no error), its ack latency and CPU per
    request at the live load's rate. Nothing else runs meanwhile (no worker)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_bare_row "
                       "(id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), body text NOT NULL)")
    procs = Processes()
    log = LOG_DIR / "bare-server.log"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    procs.start("server", [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                           "--workers", str(args.web_workers), "config.asgi:application"],
                {**env, "DJANGO_SETTINGS_MODULE": "bench._webhook_site.bare_settings"}, log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(procs, base_url, log, args.web_workers)
        asyncio.run(open_loop(base_url, "/bare/", 20, 1))  # warm-up: connections, code paths
        probe = CpuProbe()
        probe.begin()
        at_rate = asyncio.run(open_loop(base_url, "/bare/", args.rate, args.seconds))
        cpu = probe.end({"server": {procs.running["server"].pid}})
        per_request = {part: round(pct * 10 / at_rate["achieved_rps"], 2) for part, pct in cpu.items()
                       if part in ("server", "postgres (all backends)") and at_rate["achieved_rps"]}
        steps: list[dict[str, Any]] = []

        def step_at(rate: float) -> bool:
            step = asyncio.run(open_loop(base_url, "/bare/", rate, args.capacity_seconds))
            step["ok"] = (step["p99_ms"] < BARE_P99_MS and not step["non_200"]
                          and step["achieved_rps"] >= 0.95 * rate)
            steps.append(step)
            print(f"  bare at {rate:>6g}/s: {step['achieved_rps']:>6.1f} answered/s, p50 {step['p50_ms']} ms, "
                  f"p99 {step['p99_ms']} ms, non-200 {step['non_200']} {'ok' if step['ok'] else 'FAILS'}",
                  flush=True)
            return bool(step["ok"])

        low, high = 0.0, 0.0
        for rate in CAPACITY_RATES:
            if not step_at(rate):
                high = rate
                break
            low = rate
        # The grid doubles near the top (400, 600, 800): halve the bracket twice, so the ratios do not jump by a
        # third with the step a run happened to stop at.
        for _ in range(BARE_BISECTIONS if low and high else 0):
            middle = round((low + high) / 2)
            low, high = (middle, high) if step_at(middle) else (low, middle)
    finally:
        procs.stop_all()
    passed = [s["rate"] for s in steps if s["ok"]]
    return {"at_live_rate": at_rate, "cpu_ms_per_request": per_request,
            "cpu_ms_per_request_total": round(sum(per_request.values()), 2),
            "capacity_steps": steps, "max_rate": max(passed) if passed else 0}


def wait_for_server(procs: Processes, base_url: str, log: Path, workers: int, name: str = "server") -> None:
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if procs.running[name].poll() is not None:
            raise RuntimeError(f"{name} exited with {procs.running[name].returncode}; see {log}")
        if log.read_bytes().count(b"Application startup complete") >= workers:
            try:
                httpx.get(f"{base_url}/healthz", timeout=2)
                return
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not start within 90 s; see {log}")


def start_services(procs: Processes, env: dict[str, str], port: int, web_workers: int, ai_concurrency: int,
                   inbound_concurrency: int = 4, log_dir: Path = LOG_DIR) -> None:
    import httpx

    log_dir.mkdir(parents=True, exist_ok=True)
    server_log, worker_log = log_dir / "server.log", log_dir / "worker.log"
    procs.start("server", [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                           "--workers", str(web_workers), "config.asgi:application"], env, server_log)
    # As docker-compose runs them (the commands of its worker-inbound, worker and worker-ai services); each
    # worker takes its CPU priority itself (WORKER_CPU_PRIORITY, idle by default: core/priority.py).
    ai_log, send_log = log_dir / "worker-ai.log", log_dir / "worker-send.log"
    for name, log, queues, concurrency in (
            ("worker", worker_log, "inbound", inbound_concurrency),
            ("worker-send", send_log, "outbound,default,bulk", 2),
            ("worker-ai", ai_log, "ai", ai_concurrency)):
        procs.start(name, [str(BIN / "celery"), "-A", "config", "worker", "-Q", queues,
                           "--loglevel", "INFO", "--concurrency", str(concurrency), "-Ofair", "--without-mingle",
                           "--without-gossip", "-n", f"bench-{name}@%h"], env, log)
    deadline = time.monotonic() + 90
    server_up = worker_up = False
    while time.monotonic() < deadline and not (server_up and worker_up):
        for name, log in (("server", server_log), ("worker", worker_log), ("worker-ai", ai_log),
                          ("worker-send", send_log)):
            if procs.running[name].poll() is not None:
                raise RuntimeError(f"{name} exited with {procs.running[name].returncode}; see {log}")
        worker_up = worker_up or all(b" ready." in log.read_bytes() for log in (worker_log, ai_log, send_log))
        if not server_up and server_log.read_bytes().count(b"Application startup complete") >= web_workers:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                server_up = True
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    if not (server_up and worker_up):
        raise RuntimeError(f"the server or the worker did not start within 90 s; see {log_dir}")


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def print_live(live: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"\nwebhook POST -> WebSocket frame, {args.agents} agents connected, {args.rate:g}/s for "
          f"{args.seconds:g} s")
    if "error" in live:
        print(f"  FAILED: {live['error']} (logs in {LOG_DIR})")
        return
    print(f"  posts {live['posts']} at {live['achieved_rate']}/s, non-200 {live['non_200']}, "
          f"frames {live['frames_received']}, deliveries measured {live['deliveries_measured']}, "
          f"missing {live['missing']}")
    print(f"  latency p50 {live['p50_ms']} ms, p95 {live['p95_ms']} ms, p99 {live['p99_ms']} ms, "
          f"max {live['max_ms']} ms; ack p50 {live['ack_p50_ms']} ms, p99 {live['ack_p99_ms']} ms")
    print(f"  of which POST -> message row: p50 {live['post_to_row_p50_ms']} ms, p95 "
          f"{live['post_to_row_p95_ms']} ms; row -> first frame: p50 {live['row_to_first_frame_p50_ms']} ms, p95 "
          f"{live['row_to_first_frame_p95_ms']} ms")
    print(f"  queues when the load ended {live['queues_at_end_of_load']}, empty after "
          f"{live['queues_drained_after_s']} s more; AI replies sent {live['ai_replies']} "
          f"(the customer's last line to the reply: p50 {live['ai_reply_wait_p50_ms']} ms, p95 "
          f"{live['ai_reply_wait_p95_ms']} ms) (fake Graph API got {live['sent_to_fake_graph_api']})")
    print(f"  CPU over {live['cpu_window_s']} s (load + drain), % of one core / ms per message:")
    for part, percent in live["cpu_percent_of_one_core"].items():
        print(f"    {part:<48} {percent:>6} %  {live['cpu_ms_per_message'][part]:>7} ms")
    if live["missing"]:
        print(f"WARNING: {live['missing']} expected frames never arrived")


def bare_mean(bares: list[dict[str, Any]]) -> dict[str, Any]:
    """The bare view's figures over its measurements before and after the live part: the host's speed drifts
    within a run (a shared machine's neighbours come and go), so the live part is compared with their mean."""
    if len(bares) == 1:
        return bares[0]
    mean = {"cpu_ms_per_request_total": round(statistics.mean(b["cpu_ms_per_request_total"] for b in bares), 2),
            "max_rate": round(statistics.mean(b["max_rate"] for b in bares)),
            "at_live_rate": {"p99_ms": round(statistics.mean(b["at_live_rate"]["p99_ms"] for b in bares), 1)}}
    parts = {part for b in bares for part in b["cpu_ms_per_request"]}
    mean["cpu_ms_per_request"] = {part: round(statistics.mean(b["cpu_ms_per_request"].get(part, 0) for b in bares), 2)
                                  for part in sorted(parts)}
    return mean


def print_ratios(live: dict[str, Any], bares: list[dict[str, Any] | None], args: argparse.Namespace
                 ) -> dict[str, Any]:
    """The figures as ratios of the bare view's, measured in this same run: what a faster or slower machine
    reads the same. ``bares``: before the live load, between it and the rate search, after the search (the last
    two None when not measured or failed). The live load's figures are compared with the mean of the two
    measurements around it, the search's with the mean of the two around it: the host's speed drifts within a
    run, and a figure is divided by the speed of the minutes it was measured in."""
    around_live = [b for b in bares[:2] if b]
    around_search = [b for b in bares[1:] if b] or around_live
    bare = bare_mean(around_live)
    bare_cpu = bare["cpu_ms_per_request_total"]
    pipeline = pipeline_cpu_ms(live)
    bare_p99 = bare["at_live_rate"]["p99_ms"]
    search = live.get("search") or {}
    search_bare = bare_mean(around_search)
    ratios = {
        "pipeline_cpu_ms_per_message": pipeline,
        "bare_cpu_ms_per_request": bare_cpu,
        "pipeline_cpu_in_bare_requests": round(pipeline / bare_cpu, 1) if bare_cpu else None,
        "ack_p99_ms": live["ack_p99_ms"], "bare_p99_ms_same_rate": bare_p99,
        "ack_p99_over_bare_p99": round(live["ack_p99_ms"] / bare_p99, 2) if bare_p99 else None,
        "bare_max_rate": search_bare["max_rate"],
        "screen_1s_max_rate": search.get("max_rate"),
        "screen_1s_rate_over_bare": round(search["max_rate"] / search_bare["max_rate"], 3) if (
            search.get("max_rate") is not None and search_bare["max_rate"]) else None,
        "bare_measurements": [b and {"max_rate": b["max_rate"], "cpu_ms_per_request": b["cpu_ms_per_request_total"],
                                     "p99_ms_at_live_rate": b["at_live_rate"]["p99_ms"]} for b in bares],
    }
    print(f"\nratios to the bare view, this run ({os.cpu_count()} CPUs):")
    for label, b in zip(("before the live load", "between it and the search", "after the search"), bares,
                        strict=False):
        if b:
            print(f"  bare view {label}: {b['max_rate']} req/s, CPU {b['cpu_ms_per_request_total']} ms per request,"
                  f" p99 {b['at_live_rate']['p99_ms']} ms at {args.rate:g}/s")
    drift = [b["cpu_ms_per_request_total"] for b in bares if b]
    if len(drift) > 1 and min(drift):
        print(f"  (the host's CPU cost per request moved by up to {(max(drift) / min(drift) - 1) * 100:.0f} % "
              f"within the run)")
    print(f"  around the live load: at {args.rate:g}/s p99 {bare_p99} ms, CPU {bare_cpu} ms per request "
          f"({bare['cpu_ms_per_request']}); around the search: {search_bare['max_rate']} req/s with p99 < "
          f"{BARE_P99_MS:g} ms")
    print(f"  pipeline CPU per message (server, workers, PostgreSQL, Redis): {pipeline} ms ="
          f" {ratios['pipeline_cpu_in_bare_requests']} bare requests (goal <= {PIPELINE_GOAL:g})")
    print(f"  ack p99 at {args.rate:g}/s with the workers busy: {live['ack_p99_ms']} ms ="
          f" {ratios['ack_p99_over_bare_p99']} x the bare view's p99 at that rate (goal <= 1.5)")
    if search:
        print(f"  highest rate with webhook -> screen p95 <= {SEARCH_P95_MS:g} ms: {search['max_rate']}/s ="
              f" {ratios['screen_1s_rate_over_bare']} x the bare view's throughput around it (goal >= {SEARCH_GOAL:g})")
    return ratios


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and load: under a minute")
    parser.add_argument("--sizes", help="conversation counts, comma-separated (default 10000,100000)")
    parser.add_argument("--messages", type=int, help="messages at the largest size (default 1,000,000)")
    parser.add_argument("--agents", type=int, help="agents connected for the live part (default 50)")
    parser.add_argument("--rate", type=float, help="webhooks per second (default 80)")
    parser.add_argument("--seconds", type=float, help="length of the live load (default 20)")
    parser.add_argument("--runs", type=int, help="timed requests per page (default 15)")
    parser.add_argument("--skip-live", action="store_true", help="pages only: no server, worker or sockets")
    parser.add_argument("--ai-mode", choices=("auto", "draft", "off"), default="auto",
                        help="the channel account's AI mode (default auto: the AI answers the unassigned queue "
                             "and drafts for assigned chats; off still analyses every message)")
    parser.add_argument("--skip-pages", action="store_true", help="live only: no page timings (the data is seeded)")
    parser.add_argument("--web-workers", type=int, default=2, help="uvicorn processes (default 2, as docker-compose)")
    parser.add_argument("--webhook-workers", type=int, default=1,
                        help="uvicorn processes of their own for the webhooks (default 1, as docker-compose's "
                             "webhooks service; 0: the web processes acknowledge them, as in the embedded mode)")
    parser.add_argument("--ai-concurrency", type=int, default=4,
                        help="processes of the AI worker (default 4, as docker-compose: the OpenAI provider waits "
                             "on the network; the local one is all CPU)")
    parser.add_argument("--inbound-concurrency", type=int, default=4,
                        help="processes of the inbound worker (default 4, as docker-compose)")
    parser.add_argument("--drain-seconds", type=float, default=120,
                        help="after the load, how long to wait for the AI queue to empty (default 120)")
    parser.add_argument("--search-seconds", type=float, help="length of each load of the rate search (default 10)")
    parser.add_argument("--bare-once", action="store_true",
                        help="measure the bare view only before the live part (default: also after it, and compare "
                             "the live part with their mean)")
    parser.add_argument("--capacity-seconds", type=float,
                        help="length of each load of the bare view's throughput search (default 8)")
    parser.add_argument("--skip-bare", action="store_true",
                        help="no bare baseline (and so no ratios and no rate search)")
    parser.add_argument("--skip-search", action="store_true", help="no rate search after the live load")
    args = parser.parse_args()
    defaults = QUICK if args.quick else FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.size_list = sorted(int(s.replace("_", "")) for s in str(args.sizes).split(",") if s.strip())
    return args


def main() -> int:  # noqa: PLR0915 - a linear script
    args = parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    check_redis_url(redis_url)
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    lock = LOCK_FILE.open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("another run of bench/panel.py is going on; try later", file=sys.stderr)
        return 2
    began = time.perf_counter()
    port = free_port()
    graph_port = free_port()
    # Connections as in production: the web process from its pool, the workers persistent (CONN_MAX_AGE 60).
    env = {**os.environ, **service_env(database_url, redis_url, port),
           "META_GRAPH_BASE_URL": f"http://127.0.0.1:{graph_port}/v21.0"}
    print(f"database {redacted(database_url)}, redis {redis_url}, {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    try:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        recreate_database(database_url)
        migrate(env)
    except Exception as exc:  # noqa: BLE001 - cannot run: say why
        print(f"cannot run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    setup_django(env)
    from conversations.models import ChannelAccount

    people = create_people(args.agents, args.ai_mode)
    account = ChannelAccount.objects.get(provider="meta_whatsapp")
    templates = seed_templates(account.pk)
    agent_ids = [a.pk for a in people["agents"]]
    big = big_conversation(agent_ids[0], templates)
    earlier = f"/panel/c/{big}/earlier/?before={earlier_cursor(big)}"
    results: dict[str, Any] = {"args": {k: v for k, v in vars(args).items() if k != "size_list"}, "pages": {}}
    largest = args.size_list[-1]
    print(f"\n{'size':>8} {'messages':>10} {'seed s':>7}  {'page':<31} {'user':<6} {'median ms':>9} "
          f"{'p95 ms':>7} {'queries':>7}")
    for size in args.size_list:
        seeded = top_up(size, args.messages * size // largest, agent_ids, templates)
        rows = []
        pages = () if args.skip_pages else (("inbox /panel/", "/panel/"),
                                            ("conversation /panel/c/<id>/", f"/panel/c/{big}/"),
                                            ("earlier /panel/c/<id>/earlier/", earlier))
        for label, path in pages:
            for who in ("agent", "admin"):
                user = people["agents"][0] if who == "agent" else people["admin"]
                figures = measure_page(user, path, args.runs)
                rows.append({"page": label, "user": who, **figures})
                print(f"{seeded['conversations']:>8} {seeded['messages']:>10} {seeded['seconds']:>7}  {label:<31} "
                      f"{who:<6} {figures['median_ms']:>9} {figures['p95_ms']:>7} {figures['queries']:>7}")
        results["pages"][str(size)] = {"seeded": seeded, "rows": rows}
    for label in ("inbox /panel/", "conversation /panel/c/<id>/", "earlier /panel/c/<id>/earlier/"):
        counts = {str(s): [r["queries"] for r in results["pages"][str(s)]["rows"] if r["page"] == label]
                  for s in args.size_list}
        if len({tuple(v) for v in counts.values()}) > 1:
            print(f"WARNING: the query count of {label} changes with the number of rows: {counts}")

    if not args.skip_live:
        bare: dict[str, Any] | None = None
        if not args.skip_bare:
            print(f"\nbare view POST /bare/ (one row insert, {args.web_workers} uvicorn processes, no worker):",
                  flush=True)
            try:
                bare = bare_baseline(env, free_port(), args)
            except Exception as exc:  # noqa: BLE001 - report and go on without ratios
                print(f"  FAILED: {type(exc).__name__}: {exc}")
            results["bare"] = bare
        procs = Processes()
        try:
            start_services(procs, env, port, args.web_workers, args.ai_concurrency, args.inbound_concurrency)
            hook_url = None
            if args.webhook_workers:
                # The webhooks on uvicorn processes of their own (docker-compose's `webhooks` service): the frames
                # to the agents' sockets are sent by the web processes, never in the loop that acknowledges.
                hook_port = free_port()
                procs.start("webhooks", [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(hook_port),
                                         "--no-access-log", "--workers", str(args.webhook_workers),
                                         "config.asgi:application"], env, LOG_DIR / "webhooks.log")
                wait_for_server(procs, f"http://127.0.0.1:{hook_port}", LOG_DIR / "webhooks.log",
                                args.webhook_workers, name="webhooks")
                hook_url = f"http://127.0.0.1:{hook_port}"
            between = None
            if bare and not args.bare_once:
                def between() -> dict[str, Any]:
                    # Imported here: Django is set up by main() before any of this runs.
                    from django.db import connections

                    try:
                        return bare_baseline(env, free_port(), args)
                    finally:
                        connections.close_all()  # this thread's own
            live = asyncio.run(live_with_graph(f"http://127.0.0.1:{port}", people, args, procs, redis_url,
                                               graph_port, bare, hook_url, between))
        except Exception as exc:  # noqa: BLE001 - report and still write the page figures
            live = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            procs.stop_all()
        results["live"] = live
        print_live(live, args)
        bares = [bare] if bare else []
        if bare and not args.bare_once:
            bares.append(live.get("bare_between"))
            print("\nbare view again, after the rate search (the host's speed drifts within a run):", flush=True)
            try:
                bares.append(bare_baseline(env, free_port(), args))
            except Exception as exc:  # noqa: BLE001 - report and go on with the others
                print(f"  FAILED: {type(exc).__name__}: {exc}")
                bares.append(None)
            results["bare_after"] = bares[-1]
        if bare and "error" not in live:
            results["ratios"] = print_ratios(live, bares, args)
    results["seconds"] = round(time.perf_counter() - began, 1)
    results["finished_at"] = datetime.now(UTC).isoformat()
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, indent=2, default=str))
    print(f"\ndone in {results['seconds']} s; figures in {RESULTS_FILE.relative_to(ROOT)}")
    lock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
