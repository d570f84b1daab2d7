"""Benchmark of the inbound webhooks: ack latency under load, and exactly-once processing, even through kills.

Run it from the project root (PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 must be up)::

    .venv/bin/python bench/webhooks.py                        # every scenario, 400 req/s for 15 s (~15 min)
    .venv/bin/python bench/webhooks.py --rate 100 --scenarios bare,webhooks,capacity
    .venv/bin/python bench/webhooks.py --scenarios redis-restart,pg-restart,kill,kill-web --servers 2   # faults

It uses ``postgres://postgres@127.0.0.1:5432/crm_bench_webhooks`` (env ``BENCH_DATABASE_URL``), DROPPED and
re-created at every start (a name without ``bench`` is refused), and Redis ``redis://127.0.0.1:6379/9``
(env ``BENCH_REDIS_URL``; databases 0 and 15 are refused), flushed at the start of every scenario. Runs
take turns (a lock file in ``bench/results/``: a second run would drop the database under the first), and
each waits (``--wait-quiet``, up to 2 min) for the load average to fall under 1 before it starts.

What runs: the real ASGI app under uvicorn (the server of the Dockerfile and of ``make run``; ``--server
daphne`` to compare; ``--servers N`` runs N of them on one shared socket), Celery workers (``celery -A config
worker -Q inbound,outbound,default --concurrency 2 --pool prefork -O fair``, at the idle CPU priority each
worker takes itself as deployed: ``WORKER_CPU_PRIORITY``, core/priority.py), and, in a
second process (``bench/_webhook_load.py``), an
open-loop client (asyncio streams) that posts at a fixed rate over loopback through at most ``--connections``
keep-alive connections, each request timing out after ``--timeout`` s like a provider's. Every process
gets the env of the distributed mode (DATABASE_URL, REDIS_URL, DEBUG=0, PUBLIC_BASE_URL, provider
secrets...). Deliveries are signed as the providers sign them, half Twilio (form + ``X-Twilio-Signature``),
half Meta WhatsApp Cloud API (JSON + ``X-Hub-Signature-256``), from ``--customers`` distinct phones; 10% of
them are sent a second time, byte for byte, 0.05 to 5 s later.

The servers run with ``CONN_MAX_AGE=0`` (``--conn-max-age``): under ASGI, Django runs each request's sync
view in a thread of its own, so a persistent connection (the product's default of 60 s) is opened per
request and left open until the garbage collector finds it; under load PostgreSQL runs out of
connections ("too many clients"), for the benchmark and for anyone else on the server.

Scenarios (``--scenarios``, default all, in this order):

* ``bare``       the same server and middleware, settings ``bench/_webhook_site/bare_settings.py``, whose only
                 URL ``POST /bare/`` inserts one row: the baseline the webhooks are compared with.
* ``webhooks``   the two webhooks with the workers running: ack rate and latency, then, once the workers
                 have drained the queue, what was stored versus what was sent and answered.
* ``capacity``   the highest rate (25, 50, 75, 100, 150, 200... up to ``--rate``) at which the ack path alone
                 (no worker) keeps p99 under 200 ms without an error, for the webhooks, the bare view, and
                 ``POST /noop/`` (same stack, no database work: what server and framework cost alone).
* ``ingest``     the ``webhooks`` load with no worker running, then workers started on the backlog: the
                 processing rate of the workers when nothing else runs.
* ``kill``       a load the server sustains (``--kill-rate`` 30 req/s for ``--kill-seconds`` 30 s) during
                 which the worker is SIGKILLed twice: at 1/3 one pool child caught running a task (the
                 parent forks a new one and, acks_late + reject_on_worker_lost, requeues that task at once),
                 at 2/3 the whole worker, main process and children (an OOM kill, a lost container),
                 restarted at once. Its reserved tasks stay unacknowledged in Redis until the visibility
                 timeout (``CELERY_VISIBILITY_TIMEOUT``, 600 s by default), so after the drain the ops command
                 ``manage.py replay_webhooks`` finishes the events still RECEIVED (the raw event was stored
                 before the ack, so nothing is lost); how many it recovered is reported.
* ``redelivery`` the same kills with ``CELERY_VISIBILITY_TIMEOUT=10`` for the workers: Redis itself hands
                 the stranded tasks back (after up to ~100 s: kombu looks for them every 10th sweep of 10 s).
* ``redis-restart`` servers, worker and ``celery beat`` on a ``redis-server`` of the benchmark's own (a spare
                 port, nothing kept on disk, as in docker-compose), killed ``--restart-kill-at`` (10) s into a
                 ``--restart-seconds`` (40) s load at ``--restart-rate`` (30) req/s and started again
                 ``--restart-down`` (8) s later: the tasks it held are lost, the webhooks answer 503 while it
                 is down. Then the provider's retry: every delivery never answered 200 is sent once more.
                 No ``replay_webhooks``: the sweep (beat, every 15 s) and the redeliveries must bring every
                 stored event to a worker; checked: each is processed within 60 s of Redis coming back (or of
                 its arrival, if later), none lost, none doubled.
* ``pg-restart`` the same load, faults and checks with PostgreSQL instead of Redis: a PostgreSQL of the scenario's
                 own (``initdb`` into a temporary directory, a spare port, trust auth, ``fsync=off``, run as the
                 ``postgres`` OS user through ``runuser`` when we are root; the machine's PostgreSQL is not touched),
                 migrated, with servers, worker and beat on it; stopped with ``pg_ctl stop -m immediate``
                 ``--restart-kill-at`` s into the load and started again ``--restart-down`` s later. Checked too:
                 the answers by phase (before, while down, after: 5xx and never 200 while it is down, for a request
                 sent then), the servers, worker and beat never restarted (same pids, alive at the end: they
                 reconnected by themselves), their log lines with tracebacks and database errors.
* ``kill-web``   ``--servers`` (at least 2, on one shared socket) under the ``kill`` load (``--kill-rate``,
                 ``--kill-seconds``): at 1/3 of it one server is SIGKILLed while a thread of it runs a request (its
                 connections cut: the sender sees a transport error), started again on the same socket
                 ``--kill-web-down`` (1) s later, as a process manager would; beat runs. Then the provider's retry
                 of every delivery not answered 200 (errors and timeouts included), and the same checks: none
                 lost, none doubled, every stored event processed within 60 s of the kill (an event stored by the
                 killed server but never handed over waits for the sweep).

Counts checked after the drain: every delivery answered 200 is stored (none lost) and nothing is stored
that was not sent; each stored event became exactly one message (none missing, none duplicated, though
10% of deliveries came twice), in one conversation per customer and provider whose message and unread
counts match, one contact per customer; no event is left unprocessed. Also printed: the achieved rate,
ack latency p50/p95/p99/max from the moment each request was due to its full response (waiting for a
connection and timeouts included: what a provider sees), non-200 answers, the CPU used by each part (and by other
processes on the machine), ack-to-processed delays, tasks the worker logs show received twice.

The soak (memory, connections and queues over 30 minutes with 50 agents on their sockets) is ``bench/faults.py``.

Then a final table, the webhook/bare ratios, and WARNING lines for a missed target (p99 ack < 200 ms at
400 req/s on 2 cores) or a count that is off. Everything goes to ``bench/results/webhooks.json``; server
and worker logs to ``bench/results/webhooks_logs/``. The script exits 0 once the measurements are done,
targets met or not; it fails (exit 2) only when it cannot run (database or Redis unreachable, a server or
worker that does not start, migrations that fail). Every process it started is stopped on exit, Ctrl+C
included.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS_FILE = ROOT / "bench" / "results" / "webhooks.json"
LOG_DIR = ROOT / "bench" / "results" / "webhooks_logs"
LOCK_FILE = ROOT / "bench" / "results" / ".webhooks.lock"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_webhooks"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
SCENARIOS = ("bare", "webhooks", "capacity", "ingest", "kill", "redelivery", "redis-restart", "pg-restart", "kill-web")
RESTART_GOAL_S = 60.0  # every stored event processed within this of the fault's end (Redis or PostgreSQL back)
CAPACITY_RATES = (25, 50, 75, 100, 150, 200, 300, 400, 600, 800)

TARGET_RATE = 400.0
TARGET_P99_MS = 200.0
TWILIO_TOKEN = "bench-twilio-auth-token"
TWILIO_SID = "AC" + "b" * 32
OUR_TWILIO_NUMBER = "+14155238886"
META_SECRET = "bench-meta-app-secret"
PHONE_NUMBER_ID = "106540352242922"
TWILIO_PATH = "/webhooks/twilio/whatsapp/"
META_PATH = "/webhooks/meta/whatsapp/"
BARE_PATH = "/bare/"
NOOP_PATH = "/noop/"
TWIML_EXPECT = "<Response/>"
JSON_EXPECT = '"ok"'
DUP_DELAY_S = (0.05, 5.0)
WARMUP_DELIVERIES = 10
VISIBILITY_TIMEOUT_S = 10
SETTINGS_PRODUCT = "config.settings"
SETTINGS_BARE = "bench._webhook_site.bare_settings"

TEXTS = (
    "Hola, quiero el plan de 200 megas",
    "¿Tienen el Galaxy A55 en negro?",
    "Cuánto cuesta la portabilidad a Claro?",
    "Buenas tardes, ¿hacen instalación en Surco?",
    "Quiero cambiar mi plan, ¿qué ofertas hay?",
    "ok gracias",
    "¿El precio incluye IGV?",
    "Mañana puedo pagar, ¿me separan el equipo?",
)
NAMES = ("Rosa Quispe", "José Huamán", "Lucía Flores", "Carlos Vargas", "María Chávez", "Pedro Castillo")


# --------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------
def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(database_url: str, redis_url: str, port: int) -> dict[str, str]:
    """The env of every process (this one included): the distributed mode, with the bench's secrets."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-not-a-secret-" + "x" * 40,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_WHATSAPP_FROM": f"whatsapp:{OUR_TWILIO_NUMBER}",
        "META_APP_SECRET": META_SECRET,
        "META_WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "META_VERIFY_TOKEN": "bench-verify-token",
        "META_ACCESS_TOKEN": "bench-meta-access-token",
        "DJANGO_SETTINGS_MODULE": SETTINGS_PRODUCT,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }


def check_redis_url(url: str) -> None:
    db = urlsplit(url).path.lstrip("/") or "0"
    if db in ("0", "15"):
        raise SystemExit(f"Refusing Redis database {db}: use another one (e.g. redis://127.0.0.1:6379/9).")


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: its name must contain 'bench'.")
    maintenance_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres", query=""))
    with psycopg.connect(maintenance_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def take_lock(max_wait: float) -> Any:
    """One run at a time: a second one would drop the database under the first. Returns the open lock file."""
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    handle = LOCK_FILE.open("a+")
    deadline = time.monotonic() + max_wait
    told = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not told:
                print(f"another run of bench/webhooks.py holds {LOCK_FILE.name}: waiting for it...", flush=True)
                told = True
            if time.monotonic() > deadline:
                handle.close()
                return None
            time.sleep(5)
            continue
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return handle


def wait_quiet(max_wait: float) -> float:
    """Wait (up to ``max_wait`` s) for the 1-minute load average to fall under 1; return the last one seen."""
    deadline = time.monotonic() + max_wait
    load = os.getloadavg()[0]
    while load >= 1.0 and time.monotonic() < deadline:
        print(f"machine busy (load average {load:.2f}), waiting...")
        time.sleep(10)
        load = os.getloadavg()[0]
    return load


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------
class Processes:
    """Every process the benchmark starts, each in its own session, so it and its children stop together."""

    def __init__(self) -> None:
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(
        self, name: str, argv: list[str], env: dict[str, str], log: Path, pass_fds: tuple[int, ...] = ()
    ) -> subprocess.Popen[bytes]:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603 - our own venv's executables, fixed arguments
                argv, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True, pass_fds=pass_fds
            )
        self.running[name] = proc
        return proc

    def stop(self, *names: str, timeout: float = 15.0) -> None:
        """SIGTERM to each one's process group, then SIGKILL to those still there after ``timeout`` s."""
        procs = [p for p in (self.running.pop(name, None) for name in names) if p is not None and p.poll() is None]
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)

    def stop_all(self) -> None:
        self.stop(*self.running, timeout=5.0)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def wait_channel(pid: int) -> str:
    """Where the kernel has the process waiting: an idle prefork child reads its pipe (``anon_pipe_read``)."""
    try:
        return (Path("/proc") / str(pid) / "wchan").read_text().strip() or "?"
    except OSError:
        return "?"


def describe(channel: str) -> str:
    """A pool child's kernel wait channel, in words."""
    if channel in ("0", ""):
        return "running on a CPU"
    return f"waiting in {channel} (not on its pipe: in a task)" if "pipe" not in channel else "idle"


def busy_child(worker_pid: int, patience: float) -> tuple[int | None, str]:
    """A pool child that is running a task (not waiting on its pipe for one), within ``patience`` s."""
    deadline = time.monotonic() + patience
    children: list[int] = []
    while time.monotonic() < deadline:
        children = children_of(worker_pid)
        for pid in children:
            channel = wait_channel(pid)
            if "pipe" not in channel:
                return pid, channel
        time.sleep(0.002)
    return (children[0], wait_channel(children[0])) if children else (None, "")


def all_processes() -> dict[int, tuple[str, int, int, int, int]]:
    """Every process: pid -> (command name, session id, start time, CPU ticks of its own (all threads),
    CPU ticks of its children that ended and were reaped, e.g. PostgreSQL backends of closed connections)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        own, reaped = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
        found[int(entry.name)] = (comm, int(fields[3]), int(fields[19]), own, reaped)
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


@dataclass
class CpuProbe:
    """CPU used during a window, by part, as a percentage of one core (200% = both cores of this machine).

    Our processes are told apart by session (each one started here leads its own, its children inherit
    it); PostgreSQL and Redis by name (every backend, whoever it serves); the rest is "other processes",
    e.g. someone's test suite. A process that ended inside the window counts through its parent once
    reaped, for PostgreSQL (a backend per connection: with CONN_MAX_AGE=0, one per request) and our own
    processes only; other ones that ended are missed. The machine's total includes the kernel's work.
    """

    start: dict[int, tuple[str, int, int, int, int]] = field(default_factory=dict)
    machine_start: tuple[int, int] = (0, 0)
    wall_start: float = 0.0

    def begin(self) -> None:
        self.start = all_processes()
        self.machine_start = machine_ticks()
        self.wall_start = time.monotonic()

    def end(self, sessions: dict[str, set[int]]) -> dict[str, float]:
        wall = max(time.monotonic() - self.wall_start, 1e-6)
        hz = os.sysconf("SC_CLK_TCK")
        ticks: Counter[str] = Counter(dict.fromkeys(sessions, 0))
        ours = os.getpid()
        for pid, (comm, sid, started, own, reaped) in all_processes().items():
            before = self.start.get(pid)
            if before and before[2] == started:
                own, reaped = own - before[3], reaped - before[4]
            # Reaped children count for PostgreSQL (a backend per connection) and our own processes (killed
            # pool children), not for others: a test run reaped now may have started long before.
            delta = own + reaped if comm == "postgres" or any(sid in sids for sids in sessions.values()) else own
            if pid == ours:
                continue  # its reaped children are the sender (reported from its own account) and manage.py
            if comm == "postgres":
                name = "postgres (all backends)"
            elif comm == "redis-server":
                name = "redis"
            else:
                name = next((n for n, sids in sessions.items() if sid in sids), "other processes")
            ticks[name] += max(delta, 0)
        usage = {name: round(100 * n / hz / wall, 1) for name, n in ticks.items()}
        busy, total = machine_ticks()
        usage["machine (all cores)"] = round(
            100 * (os.cpu_count() or 1) * (busy - self.machine_start[0]) / max(total - self.machine_start[1], 1), 1
        )
        return usage


# --------------------------------------------------------------------------------------------
# Deliveries and the plan
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    provider: str  # the value of integrations.base.Provider
    external_id: str
    customer: str  # the wa_id: international digits
    path: str
    body: str
    headers: dict[str, str]
    expect: str


def twilio_delivery(rng: random.Random, base_url: str, customer: str) -> Delivery:
    from twilio.request_validator import RequestValidator

    sid = f"SM{rng.getrandbits(128):032x}"
    params = {
        "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": rng.choice(NAMES), "MessageType": "text",
        "SmsSid": sid, "WaId": customer, "SmsStatus": "received", "Body": rng.choice(TEXTS),
        "To": f"whatsapp:{OUR_TWILIO_NUMBER}", "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
        "AccountSid": TWILIO_SID, "From": f"whatsapp:+{customer}", "ApiVersion": "2010-04-01",
    }
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{base_url}{TWILIO_PATH}", params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "TwilioProxy/1.1",
        "X-Twilio-Signature": signature,
        "I-Twilio-Idempotency-Token": str(uuid.UUID(int=rng.getrandbits(128))),
    }
    return Delivery("twilio_whatsapp", sid, customer, TWILIO_PATH, urlencode(params), headers, TWIML_EXPECT)


def meta_delivery(rng: random.Random, customer: str) -> Delivery:
    wamid = f"wamid.HBgL{rng.getrandbits(160):040X}"
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "51940111222", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": rng.choice(NAMES)}, "wa_id": customer}],
            "messages": [{"from": customer, "id": wamid, "timestamp": str(int(time.time())), "type": "text",
                          "text": {"body": rng.choice(TEXTS)}}],
        }}]}],
    }
    body = json.dumps(payload, separators=(",", ":"))
    signature = "sha256=" + hmac.new(META_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua",
               "X-Hub-Signature-256": signature}
    return Delivery("meta_whatsapp", wamid, customer, META_PATH, body, headers, JSON_EXPECT)


@dataclass
class Plan:
    deliveries: list[Delivery]  # unique ones
    order: list[tuple[int, bool]]  # (index in deliveries, is a re-sent duplicate), in sending order
    rate: float
    warmup: list[int]  # deliveries sent one by one before the timed load, each once

    def warmup_requests(self, *, bare: bool = False, path: str = BARE_PATH) -> list[list[Any]]:
        """Untimed, valid deliveries first: they load the code paths and open the connections (database,
        broker) that the first timed requests would otherwise pay for. They are stored like the others."""
        out = []
        for index in self.warmup:
            d = self.deliveries[index]
            target, expect = (path, JSON_EXPECT) if bare else (d.path, d.expect)
            out.append([0, target, d.body, d.headers, expect])
        return out

    def requests(self, *, bare: bool = False, path: str = BARE_PATH) -> list[list[Any]]:
        """The plan's requests, to the webhooks, or with the same bodies to ``path`` (``bare``)."""
        out = []
        for position, (index, _dup) in enumerate(self.order):
            d = self.deliveries[index]
            target, expect = (path, JSON_EXPECT) if bare else (d.path, d.expect)
            out.append([round(position / self.rate, 6), target, d.body, d.headers, expect])
        return out


def build_plan(*, seed: int, rate: float, seconds: float, customers: int, dup_ratio: float, base_url: str) -> Plan:
    """``rate * seconds`` requests: unique deliveries, plus ``dup_ratio`` of them re-sent later, same bytes."""
    rng = random.Random(seed)
    phones = [f"5198{k:07d}" for k in rng.sample(range(10_000_000), customers)]
    total = round(rate * seconds)
    unique = round(total / (1 + dup_ratio))
    deliveries = [
        twilio_delivery(rng, base_url, rng.choice(phones))
        if rng.random() < 0.5
        else meta_delivery(rng, rng.choice(phones))
        for _ in range(unique)
    ]
    warmup = [twilio_delivery(rng, base_url, rng.choice(phones)) if k % 2 else meta_delivery(rng, rng.choice(phones))
              for k in range(WARMUP_DELIVERIES)]
    timeline = [(j * seconds / unique, j, False) for j in range(unique)]
    eligible = [j for j in range(unique) if timeline[j][0] < seconds - DUP_DELAY_S[0] - 0.01]
    for j in rng.sample(eligible, min(total - unique, len(eligible))):
        latest = min(DUP_DELAY_S[1], seconds - timeline[j][0] - 0.01)
        timeline.append((timeline[j][0] + rng.uniform(DUP_DELAY_S[0], latest), j, True))
    timeline.sort()
    return Plan(deliveries=deliveries + warmup, order=[(j, dup) for _t, j, dup in timeline], rate=rate,
                warmup=list(range(unique, unique + len(warmup))))


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------
def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def latency_summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(percentile(ordered, 50), 1),
        "p95": round(percentile(ordered, 95), 1),
        "p99": round(percentile(ordered, 99), 1),
        "max": round(ordered[-1], 1) if ordered else float("nan"),
    }


def load_summary(result: dict[str, Any], plan: Plan) -> dict[str, Any]:
    outcomes = result["outcomes"]
    latencies = [o[0] + o[1] for o in outcomes]  # from the moment the request was due
    service = [o[1] for o in outcomes if o[2] != 0]  # from the moment it left on a connection
    statuses = Counter(o[2] for o in outcomes)
    dup_statuses = Counter(o[2] for o, (_j, dup) in zip(outcomes, plan.order, strict=True) if dup)
    ok = statuses.get(200, 0)
    return {
        "requests": len(outcomes),
        "duplicates_sent": sum(1 for _j, dup in plan.order if dup),
        "offered_rps": round(len(outcomes) / max(result["send_seconds"], 1e-6), 1),
        "achieved_rps": round(ok / max(result["total_seconds"], 1e-6), 1),
        "send_seconds": result["send_seconds"],
        "total_seconds": result["total_seconds"],
        "latency_ms": latency_summary(latencies),
        "service_ms": latency_summary(service),
        "wait_for_connection_ms_p99": round(percentile(sorted(o[0] for o in outcomes), 99), 1),
        "given_up_unsent": sum(1 for o in outcomes if o[2] == 0),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "duplicate_statuses": {str(k): v for k, v in sorted(dup_statuses.items())},
        "non_200": len(outcomes) - ok,
        "unexpected_bodies": sum(1 for o in outcomes if o[2] == 200 and not o[3]),
        "transport_errors": result["errors"],
        "warmup_statuses": result["warmup_statuses"],
        "sender_cpu_percent": round(100 * result["cpu_seconds"] / max(result["total_seconds"], 1e-6), 1),
    }


# --------------------------------------------------------------------------------------------
# Django side (this process reads the database to count)
# --------------------------------------------------------------------------------------------
def setup_django(env: dict[str, str]) -> None:
    import warnings

    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()


def prepare_database() -> None:
    """Channel accounts as the product seeds them from the env, and the bare baseline's table."""
    from django.db import connection

    from conversations.services.accounts import channel_accounts_sync_from_env

    channel_accounts_sync_from_env()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare_row "
            "(id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), body text NOT NULL)"
        )


def reset_data(redis_client: Any) -> None:
    """Empty what a scenario fills (events, messages, conversations, leads, contacts, bare rows) and Redis."""
    from django.db import connection

    from conversations.models import Conversation, Message, WebhookEvent
    from leads.models import Contact, Lead

    tables = [m._meta.db_table for m in (WebhookEvent, Message, Conversation, Lead, Contact)] + ["bench_bare_row"]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")  # noqa: S608 - model tables
        cursor.execute("ANALYZE")
    redis_client.flushdb()


def event_states() -> dict[str, int]:
    from django.db.models import Count

    from conversations.models import WebhookEvent

    return {row["state"]: row["n"] for row in WebhookEvent.objects.values("state").annotate(n=Count("id"))}


def bare_rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_bare_row")
        return int(cursor.fetchone()[0])


def queued(redis_client: Any) -> dict[str, Any]:
    """Tasks waiting in the ``inbound`` queue (a Redis list per priority), tasks delivered but not
    acknowledged (kombu's ``unacked`` hash), and tasks waiting in any other queue (e.g. ``ai``)."""
    per_queue: Counter[str] = Counter()
    for key in redis_client.scan_iter(count=1000):
        if redis_client.type(key) == b"list":
            per_queue[key.decode(errors="replace").split("\x06\x16", 1)[0]] += int(redis_client.llen(key))
    return {
        "waiting": per_queue.pop("inbound", 0),
        "unacked": int(redis_client.hlen("unacked")),
        "other_queues": dict(per_queue),
    }


def wait_drain(
    redis_client: Any, sessions: Any, *, timeout: float, stall: float, unacked_too: bool = False
) -> dict[str, Any]:
    """Once the load is over (the server stopped, so no event can arrive): poll until no event is RECEIVED
    (and, with ``unacked_too``, until Redis holds no unacknowledged task either: they were handed back).

    Gives up after ``stall`` s without progress while the ``inbound`` queue is empty (tasks stranded in
    kombu's ``unacked`` hash, or lost), or after ``timeout`` s. Reports the CPU used meanwhile.
    """
    probe = CpuProbe()
    probe.begin()
    began = time.monotonic()
    last_change = began
    last: tuple[int, int] = (-1, -1)
    unacked_seen: list[float] = []
    while True:
        states = event_states()
        remaining = states.get("received", 0)
        unacked = int(redis_client.hlen("unacked")) if unacked_too else 0
        if remaining == 0 and unacked == 0:
            break
        now = time.monotonic()
        if unacked and not unacked_seen:
            unacked_seen.append(now)
        if (remaining, unacked) != last:
            last, last_change = (remaining, unacked), now
        if now - last_change > stall and queued(redis_client)["waiting"] == 0:
            break
        if now - began > timeout:
            break
        time.sleep(0.25)
    return {
        "drain_seconds": round(time.monotonic() - began, 2),
        "drained": remaining == 0,
        "unacked_handed_back": unacked_too and unacked == 0 and bool(unacked_seen),
        "states": states,
        "redis": queued(redis_client),
        "cpu_percent_of_one_core": probe.end(sessions()),
    }


def delivery_fates(plan: Plan, result: dict[str, Any]) -> tuple[set[int], set[int]]:
    """Indexes of the unique deliveries answered 200 at least once, and of those that reached the server
    at least once (answered, or left the sender and timed out: the server may have stored them)."""
    acked = {index for index, status in zip(plan.warmup, result["warmup_statuses"], strict=True) if status == 200}
    attempted = set(plan.warmup)
    outcomes = result["outcomes"]
    for (index, _dup), outcome in zip(plan.order, outcomes, strict=True):
        status = outcome[2]
        if status == 200:
            acked.add(index)
        if status != 0:
            attempted.add(index)
    return acked, attempted


def verify(plan: Plan, acked: set[int], attempted: set[int]) -> dict[str, Any]:
    """Compare what was delivered with what is stored: events, messages, conversations and contacts.

    Every delivery answered 200 must be stored (none lost), nothing may be stored that never reached the
    server, and every stored event must have become exactly one message, in the conversation of its
    customer and provider (one per pair), whose message and unread counts match the events.
    """
    from django.db.models import Count

    from conversations.models import Conversation, Message, WebhookEvent
    from leads.models import Contact, Lead

    key = {(d.provider, d.external_id): d for d in plan.deliveries}
    acked_ids = {(plan.deliveries[j].provider, plan.deliveries[j].external_id) for j in acked}
    attempted_ids = {(plan.deliveries[j].provider, plan.deliveries[j].external_id) for j in attempted}
    event_ids = set(WebhookEvent.objects.values_list("provider", "external_id"))
    stored = [key[i] for i in event_ids if i in key]
    per_pair = Counter((d.provider, d.customer) for d in stored)
    customers = {d.customer for d in stored}

    rows = list(
        Message.objects.filter(direction=Message.Direction.IN).values_list(
            "channel_account__provider", "provider_message_id", "conversation_id"
        )
    )
    message_ids = Counter((provider, external_id) for provider, external_id, _c in rows)
    conversations = {
        c["pk"]: c for c in Conversation.objects.values(
            "pk", "channel_account__provider", "contact__whatsapp_id", "unread_count"
        )
    }
    messages_per_conversation = Counter(conversation for _p, _e, conversation in rows)
    stored_pairs = Counter(
        (c["channel_account__provider"], c["contact__whatsapp_id"]) for c in conversations.values()
    )
    count_mismatch = 0
    unread_mismatch = 0
    for pk, c in conversations.items():
        expected = per_pair.get((c["channel_account__provider"], c["contact__whatsapp_id"]), 0)
        count_mismatch += messages_per_conversation.get(pk, 0) != expected
        unread_mismatch += c["unread_count"] != messages_per_conversation.get(pk, 0)
    not_processed = WebhookEvent.objects.exclude(state=WebhookEvent.State.PROCESSED).count()
    attempts = (
        WebhookEvent.objects.values_list("attempts").annotate(n=Count("id")).order_by("attempts")
    )
    return {
        "unique_sent": len(plan.deliveries),
        "unique_reached_server": len(attempted_ids),
        "unique_acked": len(acked_ids),
        "events_stored": len(event_ids),
        "events_lost": len(acked_ids - event_ids),
        "events_never_sent": len(event_ids - attempted_ids),
        "events_stored_not_acked": len(event_ids - acked_ids),
        "messages_stored": sum(message_ids.values()),
        "messages_missing": len(event_ids - set(message_ids)),
        "messages_unexpected": len(set(message_ids) - event_ids),
        "messages_duplicated": sum(n - 1 for n in message_ids.values() if n > 1),
        "conversations": len(conversations),
        "conversations_expected": len(per_pair),
        "conversations_duplicated": sum(n - 1 for n in stored_pairs.values() if n > 1),
        "conversations_wrong_message_count": count_mismatch,
        "conversations_wrong_unread_count": unread_mismatch,
        "contacts": Contact.objects.count(),
        "contacts_expected": len(customers),
        "leads": Lead.objects.count(),
        "events_not_processed": not_processed,
        "events_by_attempts": {str(k): v for k, v in attempts},
    }


def consistency_problems(counts: dict[str, Any]) -> list[str]:
    problems = []
    pairs = (
        ("messages_stored", "events_stored"), ("conversations", "conversations_expected"),
        ("contacts", "contacts_expected"),
    )
    for got, want in pairs:
        if counts[got] != counts[want]:
            problems.append(f"{got}={counts[got]} but {want}={counts[want]}")
    for name in ("events_lost", "events_never_sent", "messages_missing", "messages_unexpected",
                 "messages_duplicated", "conversations_duplicated", "conversations_wrong_message_count",
                 "conversations_wrong_unread_count", "events_not_processed"):
        if counts[name]:
            problems.append(f"{name}={counts[name]}")
    return problems


def processing_times() -> dict[str, Any]:
    """Time from storing an event (the ack) to its processing, and the processing rate over the run."""
    from conversations.models import WebhookEvent

    rows = list(
        WebhookEvent.objects.filter(processed_at__isnull=False).values_list("received_at", "processed_at")
    )
    if not rows:
        return {}
    delays = [(p - r).total_seconds() * 1000 for r, p in rows]
    span = (max(p for _r, p in rows) - min(r for r, _p in rows)).total_seconds()
    return {
        "ack_to_processed_ms": latency_summary(delays),
        "processed_per_second": round(len(rows) / max(span, 1e-6), 1),
    }


# --------------------------------------------------------------------------------------------
# Servers, workers, the sender
# --------------------------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace, env: dict[str, str], port: int, redis_client: Any) -> None:
        self.args = args
        self.env = env
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.redis = redis_client
        self.procs = Processes()
        self.worker_logs: list[Path] = []
        self.fates: tuple[set[int], set[int]] = (set(), set())
        self.server_pids: list[int] = []
        self.worker_pids: list[int] = []
        self.listener: socket.socket | None = None  # the servers' shared socket (--servers > 1), for restarts
        self.last_result: dict[str, Any] = {}  # the sender's raw result of the last load (per-request outcomes)

    def log(self, scenario: str, name: str) -> Path:
        return LOG_DIR / f"{scenario}-{name}.log"

    def migrate(self) -> None:
        """Apply migrations again: others may add some while the benchmark runs (a new column breaks the app)."""
        done = subprocess.run(  # noqa: S603
            [str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=self.env,
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{done.stderr[-2000:]}")

    def server_names(self) -> list[str]:
        return [name for name in self.procs.running if name.startswith("server")]

    def server_command(self, bind: list[str]) -> list[str]:
        """uvicorn with httptools and uvloop (the Dockerfile's server) or, with ``--server daphne``, daphne."""
        if self.args.server == "uvicorn":
            return [str(BIN / "uvicorn"), *bind, "--no-access-log", "--http", "httptools", "--loop", "uvloop",
                    "--lifespan", "off", "config.asgi:application"]
        return [str(BIN / "daphne"), *bind, "config.asgi:application"]

    def start_servers(self, scenario: str, settings_module: str) -> None:
        """``--servers`` daphne processes: one binds the port itself (the Dockerfile's command); several
        share one listening socket opened here (``daphne --fd``, as under a process manager)."""
        import httpx

        env = self.server_env(settings_module)
        listener: socket.socket | None = None
        if self.args.servers == 1:
            bind = ["-b", "127.0.0.1", "-p", str(self.port)] if self.args.server == "daphne" else [
                "--host", "127.0.0.1", "--port", str(self.port)]
            self.procs.start("server-1", self.server_command(bind), env, self.log(scenario, "daphne-1"))
        else:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(1024)
            listener.set_inheritable(True)
            fd = listener.fileno()
            for k in range(1, self.args.servers + 1):
                self.procs.start(f"server-{k}", self.server_command(["--fd", str(fd)]), env,
                                 self.log(scenario, f"daphne-{k}"), pass_fds=(fd,))
            self.listener, listener = listener, None  # kept open: a killed server is started again on it
        self.server_pids += [self.procs.running[name].pid for name in self.server_names()]
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                for name in self.server_names():
                    proc = self.procs.running[name]
                    if proc.poll() is not None:
                        raise RuntimeError(f"{name} (daphne) exited with {proc.returncode}; see {LOG_DIR}")
                logs = [self.log(scenario, name.replace("server", "daphne")) for name in self.server_names()]
                ready = rb"Listening on|Uvicorn running|startup complete"
                listening = all(re.search(ready, log.read_bytes()) for log in logs)
                with contextlib.suppress(httpx.HTTPError):
                    if listening:
                        httpx.get(f"{self.base_url}{BARE_PATH}", timeout=2)  # any answer means it serves
                        return
                time.sleep(0.2)
            raise RuntimeError("daphne did not answer within 60 s")
        finally:
            if listener is not None:
                listener.close()  # the servers hold their own copies

    def stop_servers(self) -> None:
        self.procs.stop(*self.server_names(), timeout=3.0)  # daphne lingers on its open connections
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    def server_env(self, settings_module: str) -> dict[str, str]:
        return {**self.env, "DJANGO_SETTINGS_MODULE": settings_module, "CONN_MAX_AGE": str(self.args.conn_max_age)}

    def restart_server(self, scenario: str, name: str) -> subprocess.Popen[bytes]:
        """Start server ``name`` again on the shared socket (as a process manager would after it died);
        returns once it says it serves (within 60 s)."""
        if self.listener is None:
            raise RuntimeError("restart_server needs --servers > 1 (a shared socket)")
        fd = self.listener.fileno()
        log = self.log(scenario, f"{name.replace('server', 'daphne')}-restarted")
        proc = self.procs.start(name, self.server_command(["--fd", str(fd)]), self.server_env(SETTINGS_PRODUCT),
                                log, pass_fds=(fd,))
        self.server_pids.append(proc.pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode} after its restart; see {log}")
            if re.search(rb"Listening on|Uvicorn running|startup complete", log.read_bytes()):
                return proc
            time.sleep(0.05)
        raise RuntimeError(f"{name} did not start again within 60 s; see {log}")

    def start_worker(self, scenario: str, *, visibility_timeout: int | None = None) -> subprocess.Popen[bytes]:
        log = self.log(scenario, f"worker-{len(self.worker_logs) + 1}")
        env = dict(self.env)
        if visibility_timeout is not None:
            env["CELERY_VISIBILITY_TIMEOUT"] = str(visibility_timeout)
        niceness = ["nice", "-n", str(self.args.worker_nice)] if self.args.worker_nice else []  # exec: same pid
        argv = [
            *niceness, str(BIN / "celery"), "-A", "config", "worker", "-Q", self.args.queues,
            "--concurrency", str(self.args.concurrency), "--pool", "prefork", "-O", "fair",
            "--loglevel", "INFO", "-n", "bench@%h", "--without-mingle", "--without-gossip",
        ]
        proc = self.procs.start("worker", argv, env, log)
        self.worker_logs.append(log)
        self.worker_pids.append(proc.pid)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with {proc.returncode}; see {log}")
            if b" ready." in log.read_bytes():
                return proc
            time.sleep(0.2)
        raise RuntimeError(f"the Celery worker was not ready within 90 s; see {log}")

    def sessions(self) -> dict[str, set[int]]:
        """Session ids of our processes by part (every worker started so far, killed ones included)."""
        return {"server": set(self.server_pids), "celery workers": set(self.worker_pids)}

    def run_load(
        self, scenario: str, plan: Plan, *, bare: bool, during: Any = None, path: str = BARE_PATH
    ) -> dict[str, Any]:
        """Send the plan from a second process; ``during(started_at)`` runs here while it sends."""
        work = LOG_DIR / f"{scenario}-plan"
        plan_file, result_file = work.with_suffix(".json"), work.with_suffix(".result.json")
        plan_file.write_text(json.dumps({
            "base_url": self.base_url,
            "connections": self.args.connections,
            "timeout": self.args.timeout,
            "warmup": plan.warmup_requests(bare=bare, path=path),
            "requests": plan.requests(bare=bare, path=path),
        }))
        probe = CpuProbe()
        probe.begin()
        argv = [str(BIN / "python"), str(ROOT / "bench" / "_webhook_load.py"), str(plan_file), str(result_file)]
        sender = self.procs.start("sender", argv, self.env, self.log(scenario, "sender"))
        started = time.monotonic()
        events = during(started) if during else []
        timeout = len(plan.order) / plan.rate + self.args.timeout + 120
        try:
            sender.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"the sender did not finish within {timeout} s") from exc
        cpu = probe.end(self.sessions())
        self.procs.running.pop("sender", None)
        if sender.returncode != 0:
            raise RuntimeError(f"the sender failed ({sender.returncode}); see {self.log(scenario, 'sender')}")
        result = json.loads(result_file.read_text())
        self.last_result = result
        summary = load_summary(result, plan)
        self.fates = delivery_fates(plan, result)
        cpu["sender"] = summary["sender_cpu_percent"]  # it has ended: its own account
        summary["cpu_percent_of_one_core"] = cpu
        summary["connections"] = self.args.connections
        summary["kills"] = events
        plan_file.unlink()
        result_file.unlink()
        return summary


def worker_log_facts(logs: list[Path]) -> dict[str, int]:
    """From the workers' logs: tasks received more than once (redeliveries) and worker-lost errors."""
    received = Counter()
    retried: Counter[str] = Counter()
    lost = 0
    for log in logs:
        text = log.read_text(errors="replace") if log.exists() else ""
        received.update(re.findall(r"process_webhook_event\[([0-9a-f-]{36})\] received", text))
        retried.update(re.findall(r"process_webhook_event\[([0-9a-f-]{36})\] retry: Retry in", text))
        lost += text.count("Task handler raised error: WorkerLostError")
    return {
        "tasks_received": len(received),
        # A task's own retry (e.g. PostgreSQL unreachable) is received again under its id: not a redelivery.
        "tasks_received_more_than_once": sum(1 for task, n in received.items() if n > 1 + retried[task]),
        "tasks_retried": len(retried),
        "tasks_lost_with_their_process": lost,
    }


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------
def scenario_bare(bench: Bench, plan: Plan) -> dict[str, Any]:
    bench.migrate()
    reset_data(bench.redis)
    bench.start_servers("bare", SETTINGS_BARE)
    load = bench.run_load("bare", plan, bare=True)
    bench.stop_servers()
    warmups = len(load["warmup_statuses"])  # they insert rows too
    answered = load["statuses"].get("200", 0) + warmups
    reached = load["requests"] - load["statuses"].get("0", 0) + warmups
    return {"load": load, "rows_inserted": bare_rows(), "rows_expected": [answered, reached]}


def scenario_webhooks(bench: Bench, plan: Plan) -> dict[str, Any]:
    bench.migrate()
    reset_data(bench.redis)
    bench.worker_logs = []
    bench.start_servers("webhooks", SETTINGS_PRODUCT)
    bench.start_worker("webhooks")
    load = bench.run_load("webhooks", plan, bare=False)
    bench.stop_servers()
    drain = wait_drain(bench.redis, bench.sessions, timeout=bench.args.drain_timeout, stall=30)
    counts = verify(plan, *bench.fates)
    timing = processing_times()
    bench.procs.stop("worker")
    return {"load": load, "drain": drain, "counts": counts, "processing": timing,
            "worker_log": worker_log_facts(bench.worker_logs)}


def scenario_capacity(bench: Bench) -> dict[str, Any]:
    """The highest rate (25, 50, 75, 100, 150, 200... up to ``--rate``) the ack path sustains with p99 under
    the target and no error, with no worker running: short loads (``--capacity-seconds``) against one
    server, stopping at the first rate that fails. For the webhooks, the bare view, and ``noop`` (the
    same Django stack with a view that does no database work: the server's and framework's share)."""
    args = bench.args
    out: dict[str, Any] = {}
    kinds = (("noop", SETTINGS_BARE, NOOP_PATH), ("bare", SETTINGS_BARE, BARE_PATH),
             ("webhooks", SETTINGS_PRODUCT, ""))
    for kind, settings_module, path in kinds:
        bench.migrate()
        reset_data(bench.redis)
        bench.start_servers(f"capacity-{kind}", settings_module)
        steps = []
        for k, rate in enumerate(r for r in CAPACITY_RATES if r <= args.rate):
            plan = build_plan(seed=args.seed + 100 + k, rate=rate, seconds=args.capacity_seconds,
                              customers=args.customers, dup_ratio=args.dup_ratio, base_url=bench.base_url)
            load = bench.run_load(f"capacity-{kind}", plan, bare=bool(path), path=path or BARE_PATH)
            lat = load["latency_ms"]
            ok = lat["p99"] < TARGET_P99_MS and load["non_200"] == 0 and load["achieved_rps"] >= 0.95 * rate
            per_request = {  # % of one core at ``rate`` requests per second -> ms of CPU per request
                part: round(pct * 10 / load["achieved_rps"], 2)
                for part, pct in load["cpu_percent_of_one_core"].items()
                if part in ("server", "postgres (all backends)", "redis", "sender") and load["achieved_rps"]
            }
            steps.append({"rate": rate, "achieved_rps": load["achieved_rps"], "p50": lat["p50"], "p99": lat["p99"],
                          "non_200": load["non_200"], "cpu_percent_of_one_core": load["cpu_percent_of_one_core"],
                          "cpu_ms_per_request": per_request, "ok": ok})
            cpu = ", ".join(f"{n} {v:.0f}%" for n, v in load["cpu_percent_of_one_core"].items() if v >= 1)
            print(
                f"  {kind:<8} at {rate:>4} req/s: {load['achieved_rps']:>6.1f} answered/s, p50 {lat['p50']:>7.1f} ms,"
                f" p99 {lat['p99']:>8.1f} ms, non-200 {load['non_200']} {'ok' if ok else 'FAILS'}  [CPU: {cpu}]",
                flush=True,
            )
            if not ok:
                break
        bench.stop_servers()
        passed = [step for step in steps if step["ok"]]
        out[kind] = {
            "steps": steps,
            "max_rate": passed[-1]["rate"] if passed else 0,
            "cpu_ms_per_request": (passed or steps)[-1]["cpu_ms_per_request"],
        }
    reset_data(bench.redis)  # the webhooks' tasks, which no worker ran
    return out


def scenario_ingest(bench: Bench, plan: Plan) -> dict[str, Any]:
    bench.migrate()
    reset_data(bench.redis)
    bench.worker_logs = []
    bench.start_servers("ingest", SETTINGS_PRODUCT)
    load = bench.run_load("ingest", plan, bare=False)
    states = event_states()
    backlog = queued(bench.redis)
    bench.stop_servers()
    began = time.monotonic()
    bench.start_worker("ingest")
    startup = time.monotonic() - began
    drain = wait_drain(bench.redis, bench.sessions, timeout=bench.args.drain_timeout, stall=30)
    counts = verify(plan, *bench.fates)
    bench.procs.stop("worker")
    processed = counts["events_stored"] - counts["events_not_processed"]
    return {
        "load": load, "states_before_workers": states, "queued_before_workers": backlog,
        "worker_startup_seconds": round(startup, 2), "drain": drain, "counts": counts,
        "worker_only_events_per_second": round(processed / max(drain["drain_seconds"], 1e-6), 1),
        "worker_log": worker_log_facts(bench.worker_logs),
    }


def kill_during_load(bench: Bench, scenario: str, seconds: float, visibility_timeout: int | None) -> Any:
    """Two SIGKILLs during the sending: one pool child at 1/3 of the run, the whole worker at 2/3."""

    def during(started: float) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        time.sleep(max(0.0, started + seconds / 3 - time.monotonic()))
        worker = bench.procs.running["worker"]
        children = children_of(worker.pid)
        victim, channel = busy_child(worker.pid, patience=5.0)
        if victim is not None:
            os.kill(victim, signal.SIGKILL)
            killed_at = time.monotonic()
            replacement = None
            while time.monotonic() - killed_at < 15 and replacement is None:
                time.sleep(0.05)
                replacement = next((p for p in children_of(worker.pid) if p not in children), None)
            events.append({
                "kill": "one pool child (SIGKILL)", "at_s": round(killed_at - started, 2), "pid": victim,
                "it_was": describe(channel), "replaced_by_pid": replacement,
                "replaced_after_s": round(time.monotonic() - killed_at, 2) if replacement else None,
            })
        time.sleep(max(0.0, started + 2 * seconds / 3 - time.monotonic()))
        worker = bench.procs.running["worker"]
        _busy, busy_channel = busy_child(worker.pid, patience=5.0)  # kill it with a task in hand
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        killed_at = time.monotonic()
        bench.procs.running.pop("worker", None)
        time.sleep(0.2)
        stranded = queued(bench.redis)["unacked"]
        bench.start_worker(scenario, visibility_timeout=visibility_timeout)
        events.append({
            "kill": "whole worker: main process and children (SIGKILL to its process group)",
            "at_s": round(killed_at - started, 2), "pid": worker.pid, "a_child_was": describe(busy_channel),
            "unacked_in_redis_after_kill": stranded,
            "restarted_after_s": round(time.monotonic() - killed_at, 2),
        })
        return events

    return during


def scenario_kill(bench: Bench, plan: Plan, *, redelivery: bool) -> dict[str, Any]:
    """The load with two kills. ``redelivery``: the workers get ``CELERY_VISIBILITY_TIMEOUT`` = 10 s (the
    product's own setting), and the drain waits for Redis to hand the stranded tasks back; otherwise the
    product's default (600 s) holds them, and ``replay_webhooks`` finishes the events after the drain."""
    name = "redelivery" if redelivery else "kill"
    visibility = VISIBILITY_TIMEOUT_S if redelivery else None
    bench.migrate()
    reset_data(bench.redis)
    bench.worker_logs = []
    bench.start_servers(name, SETTINGS_PRODUCT)
    bench.start_worker(name, visibility_timeout=visibility)
    seconds = len(plan.order) / plan.rate
    load = bench.run_load(name, plan, bare=False, during=kill_during_load(bench, name, seconds, visibility))
    bench.stop_servers()
    # Redelivery waits for kombu's sweep of unacked messages: every unacked_restore_interval (10 s) x
    # unacked_restore_throttle (10) = ~100 s, for messages older than the visibility timeout.
    stall = 150 if redelivery else 20
    drain = wait_drain(bench.redis, bench.sessions, timeout=bench.args.drain_timeout, stall=stall,
                       unacked_too=redelivery)
    left = event_states()
    replay: dict[str, Any] = {"ran": False, "recovered": 0}
    if sum(n for state, n in left.items() if state != "processed"):
        replay = run_replay(bench, name)
    counts = verify(plan, *bench.fates)
    timing = processing_times()
    bench.procs.stop("worker")
    facts = worker_log_facts(bench.worker_logs)
    return {"load": load, "drain": drain, "replay": replay, "counts": counts, "processing": timing,
            "worker_log": facts, "states_before_replay": left,
            "visibility_timeout_s": visibility or "product default"}


def run_replay(bench: Bench, scenario: str) -> dict[str, Any]:
    """``manage.py replay_webhooks``: the ops path that processes stored events no task finished."""
    before = event_states()
    pending = sum(n for state, n in before.items() if state != "processed")
    log = bench.log(scenario, "replay_webhooks")
    argv = [str(BIN / "python"), "manage.py", "replay_webhooks", "--no-progress"]
    began = time.monotonic()
    with log.open("wb") as out:
        done = subprocess.run(argv, cwd=ROOT, env=bench.env, stdout=out, stderr=subprocess.STDOUT, timeout=600)  # noqa: S603
    output = log.read_text(errors="replace").strip()
    after = event_states()
    return {
        "ran": True, "exit_code": done.returncode, "seconds": round(time.monotonic() - began, 2),
        "pending_before": pending, "recovered": pending - sum(n for s, n in after.items() if s != "processed"),
        "output": output.splitlines()[-1] if output else "",
    }


class OwnRedis:
    """A ``redis-server`` of the scenario's own on a spare port, without persistence (a restart empties it)."""

    def __init__(self, bench: Bench, scenario: str) -> None:
        import redis

        self.bench = bench
        self.scenario = scenario
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/1"
        self.client = redis.Redis.from_url(self.url, socket_timeout=5)
        self.starts = 0

    def start(self) -> None:
        import redis

        self.starts += 1
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.bench.procs.start("redis-own", argv, self.bench.env,
                               self.bench.log(self.scenario, f"redis-server-{self.starts}"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.ConnectionError):
                if self.client.ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("the scenario's redis-server did not start within 10 s")

    def kill(self) -> None:
        proc = self.bench.procs.running.pop("redis-own", None)
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def start_beat(bench: Bench, scenario: str) -> None:
    """``celery beat`` as docker-compose runs it (DatabaseScheduler): the periodic sweep of stranded events."""
    log = bench.log(scenario, "beat")
    argv = [str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO"]
    proc = bench.procs.start("beat", argv, bench.env, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery beat exited with {proc.returncode}; see {log}")
        if b"beat: Starting" in log.read_bytes():
            return
        time.sleep(0.2)
    raise RuntimeError(f"celery beat did not start within 60 s; see {log}")


def restart_during_load(own: OwnRedis, kill_at: float, down: float) -> Any:
    def during(started: float) -> list[dict[str, Any]]:
        time.sleep(max(0.0, started + kill_at - time.monotonic()))
        queued_at_kill = int(own.client.llen("inbound"))
        own.kill()
        killed_at = time.monotonic()
        killed_wall = datetime.now(tz=UTC)
        time.sleep(max(0.0, killed_at + down - time.monotonic()))
        own.start()
        return [{"kill": "redis-server (SIGKILL), started again empty", "at_s": round(killed_at - started, 2),
                 "down_s": round(time.monotonic() - killed_at, 2), "inbound_tasks_lost": queued_at_kill,
                 "killed_at": killed_wall.isoformat(), "back_at": datetime.now(tz=UTC).isoformat()}]

    return during


def after_back_delays(back_at: datetime) -> dict[str, Any]:
    """Seconds from Redis coming back (or the event's arrival, if later) to each stored event's processing."""
    from conversations.models import WebhookEvent

    delays = []
    for received_at, processed_at in WebhookEvent.objects.values_list("received_at", "processed_at"):
        if processed_at is not None:
            delays.append((processed_at - max(received_at, back_at)).total_seconds())
    stranded_before_back = WebhookEvent.objects.filter(received_at__lt=back_at).exclude(
        state=WebhookEvent.State.PROCESSED).count()
    ordered = sorted(delays)
    return {
        "processed": len(delays),
        "seconds_after_back_p50": round(percentile(ordered, 50), 1) if ordered else None,
        "seconds_after_back_max": round(ordered[-1], 1) if ordered else None,
        "over_goal": sum(1 for d in delays if d > RESTART_GOAL_S),
        "not_processed_received_before_back": stranded_before_back,
    }


def retry_then_drain(bench: Bench, name: str, plan: Plan, back_at: datetime) -> dict[str, Any]:
    """After a fault: the provider's retry of every delivery never answered 200, then (servers stopped) the
    drain by the workers and beat's sweep, up to a little past ``RESTART_GOAL_S`` after ``back_at`` (when the
    fault ended); then the counts, and how long after ``back_at`` each stored event was processed."""
    acked, attempted = bench.fates
    never_acked = sorted({j for j, _dup in plan.order} - acked)
    retry: dict[str, Any] = {"sent": 0}
    if never_acked:  # the provider's retry of every delivery it never got a 200 for
        retry_plan = Plan(deliveries=plan.deliveries, order=[(j, False) for j in never_acked], rate=plan.rate,
                          warmup=[])
        retry_load = bench.run_load(f"{name}-retry", retry_plan, bare=False)
        retry_acked, retry_attempted = bench.fates
        acked, attempted = acked | retry_acked, attempted | retry_attempted
        retry = {"sent": len(never_acked), "statuses": retry_load["statuses"],
                 "latency_ms": retry_load["latency_ms"]}
    bench.fates = (acked, attempted)
    bench.stop_servers()
    goal_deadline = back_at.timestamp() + RESTART_GOAL_S + 30  # wait a little past the goal, not forever
    # No early give-up on a stall: events whose task was lost wait for the sweep without any progress.
    remaining = max(10.0, goal_deadline - time.time())
    drain = wait_drain(bench.redis, bench.sessions, stall=remaining, timeout=remaining)
    sweep_runs = 0
    beat_log = bench.log(name, "beat")
    if beat_log.exists():
        sweep_runs = beat_log.read_text(errors="replace").count("sweep_stranded_webhook_events")
    return {"retry": retry, "drain": drain, "counts": verify(plan, acked, attempted),
            "after_back": after_back_delays(back_at), "processing": processing_times(),
            "beat_sweeps_sent": sweep_runs}


def scenario_redis_restart(bench: Bench, plan: Plan) -> dict[str, Any]:
    """Redis killed during the load and started again empty; the provider's retries; no replay_webhooks."""
    name = "redis-restart"
    args = bench.args
    bench.migrate()
    reset_data(bench.redis)
    own = OwnRedis(bench, name)
    saved_env, saved_client = bench.env, bench.redis
    bench.env = {**bench.env, "REDIS_URL": own.url}
    bench.redis = own.client
    bench.worker_logs = []
    try:
        own.start()
        bench.start_servers(name, SETTINGS_PRODUCT)
        bench.start_worker(name)
        start_beat(bench, name)
        load = bench.run_load(name, plan, bare=False,
                              during=restart_during_load(own, args.restart_kill_at, args.restart_down))
        back_at = datetime.fromisoformat(load["kills"][0]["back_at"])
        after = retry_then_drain(bench, name, plan, back_at)
        bench.procs.stop("worker", "beat")
    finally:
        bench.procs.stop("worker", "beat")
        own.kill()
        bench.env, bench.redis = saved_env, saved_client
    return {"load": load, **after, "restarted": "Redis", "worker_log": worker_log_facts(bench.worker_logs),
            "replay": {"ran": False, "recovered": 0}}


class OwnPostgres:
    """A PostgreSQL of the scenario's own: ``initdb`` into a temporary directory, a spare port, trust auth,
    ``fsync=off`` (an immediate stop loses nothing the OS holds; only a crash of the machine would), run as
    the ``postgres`` OS user (PostgreSQL refuses root) with ``pg_ctl``. The machine's PostgreSQL is not touched."""

    def __init__(self, scenario: str) -> None:
        import tempfile

        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
        if not versions:
            raise RuntimeError("no /usr/lib/postgresql/*/bin/pg_ctl: PostgreSQL's server binaries are needed")
        self.bin = versions[-1].parent
        self.scenario = scenario
        self.dir = Path(tempfile.mkdtemp(prefix="crm-bench-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/crm_bench_{scenario.replace('-', '_')}"
        self.starts = 0
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)

    def _run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(  # noqa: S603 - PostgreSQL's own tools, fixed arguments
            [*as_postgres, str(self.bin / argv[0]), *argv[1:]], capture_output=True, text=True, check=False,
            timeout=timeout, cwd=self.dir,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {(done.stderr or done.stdout)[-1500:]}")
        return done

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C",
                  "--no-sync")
        self.start()
        import psycopg

        maintenance = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE DATABASE {urlsplit(self.url).path.lstrip('/')}")

    def start(self) -> None:
        self.starts += 1
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
                   " -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / f"postgres-{self.starts}.log"), "-o", options,
                  "-w", "-t", "60", "start", timeout=90)

    def stop_immediate(self) -> None:
        """``pg_ctl stop -m immediate``: every backend killed at once, no checkpoint (recovery at the next start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        import shutil

        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=30)
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        for log in sorted(self.dir.glob("postgres-*.log")):
            shutil.copy(log, LOG_DIR / f"{self.scenario}-{log.name}")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def django_database(url: str) -> Any:
    """Point this process's Django connection at another PostgreSQL database for a while (the counts)."""
    from django.db import connections

    conn = connections["default"]
    parts = urlsplit(url)
    saved = {key: conn.settings_dict[key] for key in ("NAME", "HOST", "PORT")}
    conn.close()
    conn.settings_dict.update(NAME=parts.path.lstrip("/"), HOST=parts.hostname, PORT=str(parts.port or ""))
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict.update(saved)


def pg_restart_during_load(own: OwnPostgres, kill_at: float, down: float) -> Any:
    def during(started: float) -> list[dict[str, Any]]:
        from django.db import connections

        time.sleep(max(0.0, started + kill_at - time.monotonic()))
        killed_wall = datetime.now(tz=UTC)
        killed_at = time.monotonic()
        own.stop_immediate()
        stopped_after = time.monotonic() - killed_at
        time.sleep(max(0.0, killed_at + down - time.monotonic()))
        own.start()
        connections["default"].close()  # this process's own connection died with the server
        return [{"kill": "PostgreSQL (pg_ctl stop -m immediate), started again", "at_s": round(killed_at - started, 2),
                 "stop_took_s": round(stopped_after, 2), "down_s": round(time.monotonic() - killed_at, 2),
                 "killed_at": killed_wall.isoformat(), "back_at": datetime.now(tz=UTC).isoformat()}]

    return during


def answers_by_phase(result: dict[str, Any], plan: Plan, down_from: datetime, down_to: datetime) -> dict[str, Any]:
    """The answers' statuses by when they came: before the fault, while it lasted, after it ended. And the
    200 answers to requests both sent and answered while it lasted (nothing could store them: wrong)."""
    phases: dict[str, Counter[str]] = {"before": Counter(), "during": Counter(), "after": Counter()}
    start, low, high = result["wall_start"], down_from.timestamp(), down_to.timestamp()
    ok_inside = 0
    offsets = [position / plan.rate for position in range(len(plan.order))]
    for offset, outcome in zip(offsets, result["outcomes"], strict=True):
        due = start + offset
        answered = due + (outcome[0] + outcome[1]) / 1000
        phase = "before" if answered < low else "during" if answered <= high else "after"
        phases[phase][str(outcome[2])] += 1
        ok_inside += outcome[2] == 200 and due > low + 0.5 and answered < high
    return {**{k: dict(sorted(v.items())) for k, v in phases.items()}, "ok_sent_and_answered_while_down": ok_inside}


def log_mentions(logs: list[Path], *patterns: str) -> dict[str, int]:
    text = "".join(log.read_text(errors="replace") for log in logs if log.exists())
    return {pattern: text.count(pattern) for pattern in patterns}


def scenario_pg_restart(bench: Bench, plan: Plan) -> dict[str, Any]:
    """PostgreSQL (the scenario's own) stopped during the load and started again; the provider's retries."""
    name = "pg-restart"
    args = bench.args
    own = OwnPostgres(name)
    saved_env = bench.env
    bench.worker_logs = []
    try:
        own.init()
        bench.env = {**bench.env, "DATABASE_URL": own.url}
        bench.migrate()
        with django_database(own.url):
            prepare_database()
            reset_data(bench.redis)
            bench.start_servers(name, SETTINGS_PRODUCT)
            bench.start_worker(name)
            start_beat(bench, name)
            first = {n: p.pid for n, p in bench.procs.running.items() if n.startswith(("server", "worker", "beat"))}
            load = bench.run_load(name, plan, bare=False,
                                  during=pg_restart_during_load(own, args.restart_kill_at, args.restart_down))
            event = load["kills"][0]
            killed_at, back_at = (datetime.fromisoformat(event[k]) for k in ("killed_at", "back_at"))
            phases = answers_by_phase(bench.last_result, plan, killed_at, back_at)
            still = {n: p.pid for n, p in bench.procs.running.items() if p.poll() is None}
            same_processes = {n: still.get(n) == pid for n, pid in first.items()}
            after = retry_then_drain(bench, name, plan, back_at)
            same_processes.update({n: bench.procs.running[n].poll() is None and bench.procs.running[n].pid == pid
                                   for n, pid in first.items() if n in ("worker", "beat")})
            bench.procs.stop("worker", "beat")
            server_logs = [bench.log(name, f"daphne-{k}") for k in range(1, args.servers + 1)]
            errors = {
                "servers": log_mentions(server_logs, "Traceback", "OperationalError", "PoolTimeout"),
                "workers": log_mentions(bench.worker_logs, "Traceback", "OperationalError", "InterfaceError"),
                "beat": log_mentions([bench.log(name, "beat")], "Traceback", "OperationalError"),
            }
    finally:
        bench.procs.stop("worker", "beat")
        bench.stop_servers()
        own.destroy()
        bench.env = saved_env
    return {"load": load, **after, "restarted": "PostgreSQL", "answers_by_phase": phases,
            "same_processes_throughout": same_processes, "log_errors": errors,
            "worker_log": worker_log_facts(bench.worker_logs), "replay": {"ran": False, "recovered": 0}}


def thread_in_request(pid: int) -> tuple[str, str] | None:
    """A thread of server ``pid`` (not its event loop's) that is on a CPU or waiting on something other than
    a lock (a socket to PostgreSQL or Redis): a request's view is running. ``(tid, what)`` or None."""
    for task in (Path("/proc") / str(pid) / "task").iterdir():
        if task.name == str(pid):
            continue
        try:
            state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
            channel = (task / "wchan").read_text().strip()
        except OSError:
            continue
        if state == "R" or (channel not in ("", "0") and "futex" not in channel):
            return task.name, "on a CPU" if state == "R" else f"waiting in {channel}"
    return None


def kill_web_during_load(bench: Bench, scenario: str, kill_at: float, down: float) -> Any:
    """One server SIGKILLed while a request runs in it, then started again on the shared socket."""

    def during(started: float) -> list[dict[str, Any]]:
        time.sleep(max(0.0, started + kill_at - time.monotonic()))
        name = "server-1"
        proc = bench.procs.running[name]
        busy = None
        deadline = time.monotonic() + 5.0
        while busy is None and time.monotonic() < deadline:
            busy = thread_in_request(proc.pid)
            if busy is None:
                time.sleep(0.001)
        killed_wall = datetime.now(tz=UTC)
        os.killpg(proc.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        proc.wait(10)
        bench.procs.running.pop(name, None)
        time.sleep(max(0.0, killed_at + down - time.monotonic()))
        new = bench.restart_server(scenario, name)
        return [{"kill": f"{name} (uvicorn, SIGKILL)", "at_s": round(killed_at - started, 2), "pid": proc.pid,
                 "a_thread_was": f"{busy[1]} (thread {busy[0]})" if busy else "idle (none busy within 5 s)",
                 "restarted_pid": new.pid, "serving_again_after_s": round(time.monotonic() - killed_at, 2),
                 "killed_at": killed_wall.isoformat(), "back_at": datetime.now(tz=UTC).isoformat()}]

    return during


def scenario_kill_web(bench: Bench, plan: Plan) -> dict[str, Any]:
    """A web server SIGKILLed mid-request (of ``--servers``, at least 2, on one socket) and started again."""
    name = "kill-web"
    args = bench.args
    saved_servers = args.servers
    args.servers = max(2, args.servers)
    bench.migrate()
    reset_data(bench.redis)
    bench.worker_logs = []
    try:
        bench.start_servers(name, SETTINGS_PRODUCT)
        bench.start_worker(name)
        start_beat(bench, name)
        seconds = len(plan.order) / plan.rate
        load = bench.run_load(name, plan, bare=False,
                              during=kill_web_during_load(bench, name, seconds / 3, args.kill_web_down))
        event = load["kills"][0]
        killed_at, back_at = (datetime.fromisoformat(event[k]) for k in ("killed_at", "back_at"))
        phases = answers_by_phase(bench.last_result, plan, killed_at, back_at)
        after = retry_then_drain(bench, name, plan, killed_at)
        bench.procs.stop("worker", "beat")
    finally:
        bench.procs.stop("worker", "beat")
        bench.stop_servers()
        args.servers = saved_servers
    return {"load": load, **after, "restarted": "the killed server", "answers_by_phase": phases,
            "worker_log": worker_log_facts(bench.worker_logs), "replay": {"ran": False, "recovered": 0}}


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def print_load(label: str, load: dict[str, Any]) -> None:
    lat = load["latency_ms"]
    print(
        f"  {label}: {load['requests']} requests ({load['duplicates_sent']} re-sent duplicates) offered at"
        f" {load['offered_rps']:.0f}/s, {load['achieved_rps']:.1f} answered 200 per second;"
        f" ack latency p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f}, p99 {lat['p99']:.1f}, max {lat['max']:.1f};"
        f" non-200: {load['non_200']} {load['statuses']}"
    )
    service = load["service_ms"]
    print(
        f"    of which on the wire (from leaving on a connection): p50 {service['p50']:.1f} ms, p99"
        f" {service['p99']:.1f}; waiting for one of the {load['connections']} connections p99"
        f" {load['wait_for_connection_ms_p99']} ms; given up unsent after the timeout: {load['given_up_unsent']}"
    )
    cpu = ", ".join(f"{k} {v:.0f}%" for k, v in load["cpu_percent_of_one_core"].items())
    print(f"    CPU during the load (100% = one core): {cpu}")


def print_counts(counts: dict[str, Any]) -> None:
    print(
        f"  deliveries: {counts['unique_sent']} unique sent, {counts['unique_reached_server']} reached the server,"
        f" {counts['unique_acked']} answered 200; stored {counts['events_stored']} webhook events"
        f" ({counts['events_lost']} answered 200 but not stored, {counts['events_never_sent']} stored but never"
        f" sent, {counts['events_stored_not_acked']} stored though not answered 200)"
    )
    print(
        f"  messages {counts['messages_stored']} for {counts['events_stored']} events ({counts['messages_duplicated']}"
        f" duplicated, {counts['messages_missing']} missing, {counts['messages_unexpected']} unexpected);"
        f" {counts['events_not_processed']} events not processed; events by attempts {counts['events_by_attempts']}"
    )
    print(
        f"  conversations {counts['conversations']} (expected {counts['conversations_expected']}: one per customer"
        f" and provider; {counts['conversations_duplicated']} duplicated, {counts['conversations_wrong_message_count']}"
        f" with a wrong message count, {counts['conversations_wrong_unread_count']} with a wrong unread count),"
        f" contacts {counts['contacts']} (expected {counts['contacts_expected']}), leads {counts['leads']}"
    )



def print_scenario(name: str, r: dict[str, Any]) -> None:
    print(f"[{name}]")
    if name == "capacity":
        for kind in ("noop", "bare", "webhooks"):
            c = r[kind]
            if c:
                cpu = ", ".join(f"{part} {ms:.1f} ms" for part, ms in c["cpu_ms_per_request"].items())
                print(f"  {kind:<8}: sustains {c['max_rate']:>3} req/s with p99 < {TARGET_P99_MS:g} ms and no error;"
                      f" CPU per request there: {cpu}")
        return
    print_load("load", r["load"])
    if name == "bare":
        low, high = r["rows_expected"]
        print(f"  rows inserted {r['rows_inserted']} ({low} requests answered 200, {high} reached the server)")
        return
    if "states_before_workers" in r:  # ingest
        print(
            f"  events after the load, before any worker: {r['states_before_workers']},"
            f" queue {r['queued_before_workers']}"
        )
        print(
            f"  workers started ({r['worker_startup_seconds']} s) on that backlog: drained in"
            f" {r['drain']['drain_seconds']} s = {r['worker_only_events_per_second']} events/s"
        )
    else:
        d = r["drain"]
        print(
            f"  drain after the load: {d['drain_seconds']} s, drained={d['drained']}, states {d['states']},"
            f" redis {d['redis']}"
            + (" (the stranded unacknowledged tasks were handed back by Redis and acknowledged)"
               if d.get("unacked_handed_back") else "")
        )
    cpu = ", ".join(f"{k} {v:.0f}%" for k, v in r["drain"]["cpu_percent_of_one_core"].items())
    print(f"    CPU during the drain (100% = one core): {cpu}")
    for kill in r["load"].get("kills", []):
        print(f"  kill: {kill}")
    if "answers_by_phase" in r:  # pg-restart, kill-web
        ph = r["answers_by_phase"]
        lasted = "until the killed server served again (the other one serving)" if name == "kill-web" else (
            "while it was down")
        print(f"  answers (status: count) before the fault {ph['before']}, {lasted} {ph['during']}, after"
              f" {ph['after']}" + ("" if name == "kill-web" else "; 200 to requests sent and answered while it was"
                                   f" down: {ph['ok_sent_and_answered_while_down']}"))
    if "same_processes_throughout" in r:  # pg-restart
        same = r["same_processes_throughout"]
        print(f"  servers, worker and beat never restarted (same pid, alive, after the fault and the drain): {same}")
        print(f"  log lines: {r['log_errors']}")
    if "after_back" in r:  # redis-restart, pg-restart, kill-web
        rt, ab = r["retry"], r["after_back"]
        print(f"  the provider's retry of the {rt['sent']} deliveries never answered 200: {rt.get('statuses', {})}")
        back = "the kill" if name == "kill-web" else f"{r.get('restarted', 'Redis')} came back"
        print(
            f"  after {back}: {ab['processed']} events processed, p50 {ab['seconds_after_back_p50']} s,"
            f" max {ab['seconds_after_back_max']} s after it (goal {RESTART_GOAL_S:g} s; {ab['over_goal']} over);"
            f" {ab['not_processed_received_before_back']} received before it still not processed;"
            f" sweeps sent by beat: {r['beat_sweeps_sent']}; replay_webhooks not run"
        )
    if "replay" in r and "after_back" not in r:
        rp = r["replay"]
        if rp["ran"]:
            print(
                f"  replay_webhooks: {rp['pending_before']} events not processed after the drain,"
                f" {rp['recovered']} recovered in {rp['seconds']} s (exit {rp['exit_code']}): {rp['output']}"
            )
        else:
            print("  replay_webhooks: not needed (every event was processed by the workers)")
    if "worker_log" in r:
        print(f"  worker logs: {r['worker_log']}")
    if r.get("processing"):
        p = r["processing"]
        lat = p["ack_to_processed_ms"]
        print(
            f"  ack -> processed: p50 {lat['p50']:.0f} ms, p99 {lat['p99']:.0f} ms, max {lat['max']:.0f} ms;"
            f" {p['processed_per_second']} events processed per second over the run"
        )
    print_counts(r["counts"])


def final_table(results: dict[str, dict[str, Any]]) -> list[str]:
    header = (
        f"{'scenario':<11} {'req':>6} {'rps':>6} {'p50':>7} {'p95':>7} {'p99':>8} {'max':>8} {'non200':>6}"
        f" {'unique':>6} {'acked':>6} {'events':>6} {'msgs':>6} {'dup':>4} {'convs':>9} {'unproc':>6} {'replayed':>8}"
    )
    lines = [header, "-" * len(header)]
    for name, r in results.items():
        if name == "capacity":
            continue
        load, lat = r["load"], r["load"]["latency_ms"]
        c = r.get("counts")
        tail = (
            f" {c['unique_sent']:>6} {c['unique_acked']:>6} {c['events_stored']:>6} {c['messages_stored']:>6}"
            f" {c['messages_duplicated']:>4} {c['conversations']:>4}/{c['conversations_expected']:<4}"
            f" {c['events_not_processed']:>6} {r.get('replay', {}).get('recovered', 0):>8}"
            if c else f" {'':>6} {'':>6} {r['rows_inserted']:>6} {'':>6} {'':>4} {'':>9} {'':>6} {'':>8}"
        )
        lines.append(
            f"{name:<11} {load['requests']:>6} {load['achieved_rps']:>6.1f} {lat['p50']:>7.1f} {lat['p95']:>7.1f}"
            f" {lat['p99']:>8.1f} {lat['max']:>8.1f} {load['non_200']:>6}" + tail
        )
    lines.append(
        "(latencies in ms from the moment due to the full response, timeouts included;"
        " rps = 200 answers per second of the run; unique/acked = distinct deliveries sent / answered 200;"
        " events = WebhookEvents stored, or rows for bare;"
        " unproc = events not PROCESSED at the end; replayed = recovered by manage.py replay_webhooks)"
    )
    capacity = results.get("capacity")
    if capacity:
        for kind in ("noop", "bare", "webhooks"):
            c = capacity[kind]
            steps = " ".join(f"{s['rate']}:{s['p99']:.0f}ms{'' if s['ok'] else '✗'}" for s in c["steps"])
            lines.append(f"capacity {kind:<8}: {c['max_rate']:>4} req/s with p99 < {TARGET_P99_MS:g} ms"
                         f" (rate:p99 per step: {steps})")
    return lines


def verdict(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    summary: dict[str, Any] = {}
    warnings_: list[str] = []
    web, bare, capacity = results.get("webhooks"), results.get("bare"), results.get("capacity")
    if web and bare:
        summary["ratio_webhook_over_bare"] = {
            "rps": round(web["load"]["achieved_rps"] / max(bare["load"]["achieved_rps"], 1e-6), 3),
            "p50": round(web["load"]["latency_ms"]["p50"] / max(bare["load"]["latency_ms"]["p50"], 1e-6), 2),
            "p99": round(web["load"]["latency_ms"]["p99"] / max(bare["load"]["latency_ms"]["p99"], 1e-6), 2),
        }
    if capacity:
        summary["capacity_ratio_webhook_over_bare"] = round(
            capacity["webhooks"]["max_rate"] / max(capacity["bare"]["max_rate"], 1e-6), 3
        )
    if web:
        p99 = web["load"]["latency_ms"]["p99"]
        rps = web["load"]["achieved_rps"]
        met = p99 < TARGET_P99_MS and rps >= 0.98 * TARGET_RATE and web["load"]["non_200"] == 0
        summary["target"] = {"rate": TARGET_RATE, "p99_ms": TARGET_P99_MS, "met": met, "p99": p99, "rps": rps}
        if args.rate < TARGET_RATE:
            warnings_.append(
                f"WARNING: run at {args.rate:g} req/s, below the target's {TARGET_RATE:g}: target not tested"
            )
        elif not met:
            warnings_.append(
                f"WARNING: target missed: webhooks p99 ack {p99:.1f} ms with {rps:.1f} req/s answered 200"
                f" ({web['load']['non_200']} non-200) for {args.rate:g} req/s offered;"
                f" target p99 < {TARGET_P99_MS:g} ms at {TARGET_RATE:g} req/s"
            )
    if capacity and capacity["webhooks"]["max_rate"] < TARGET_RATE <= args.rate:
        warnings_.append(
            f"WARNING: the ack path alone sustains {capacity['webhooks']['max_rate']} req/s with p99 <"
            f" {TARGET_P99_MS:g} ms (the bare view {capacity['bare']['max_rate']}), below the {TARGET_RATE:g} target"
        )
    for name, r in results.items():
        if name == "capacity":
            continue
        if name == "bare":
            low, high = r["rows_expected"]
            if not low <= r["rows_inserted"] <= high:
                warnings_.append(f"WARNING: bare: {r['rows_inserted']} rows for {low} requests answered 200")
            if r["load"]["non_200"]:
                warnings_.append(f"WARNING: bare: non-200 answers={r['load']['non_200']} {r['load']['statuses']}")
            continue
        problems = consistency_problems(r["counts"])
        summary[f"{name}_exactly_once"] = not problems
        if "after_back" in r:  # redis-restart: 503 while Redis is down; pg-restart: 5xx; kill-web: cut too
            allowed = {"redis-restart": ("200", "503"), "pg-restart": ("200", "503")}.get(name, ("200", "503", "-1"))
            others = {k: v for k, v in r["load"]["statuses"].items() if k not in allowed}
            if others:
                problems.append(f"answers other than {'/'.join(allowed)}: {others}")
            if name == "pg-restart" and r["answers_by_phase"]["ok_sent_and_answered_while_down"]:
                problems.append("200 answers to requests sent and answered while the fault lasted")
            restarted = [n for n, same in r.get("same_processes_throughout", {}).items() if not same]
            if restarted:
                problems.append(f"processes that died or were replaced: {restarted}")
            ab = r["after_back"]
            summary[f"{name}_within_goal"] = not ab["over_goal"] and not r["counts"]["events_not_processed"]
            if ab["over_goal"]:
                since = "the kill" if name == "kill-web" else f"{r.get('restarted', 'Redis')} came back"
                problems.append(f"{ab['over_goal']} events processed more than {RESTART_GOAL_S:g} s after {since}"
                                f" (max {ab['seconds_after_back_max']} s)")
            if problems:
                warnings_.append(f"WARNING: {name}: " + "; ".join(problems))
            continue
        if r["load"]["non_200"]:
            problems.append(f"non-200 answers={r['load']['non_200']} {r['load']['statuses']}")
        if r["load"]["unexpected_bodies"]:
            problems.append(f"200 answers with an unexpected body={r['load']['unexpected_bodies']}")
        if problems:
            warnings_.append(f"WARNING: {name}: " + "; ".join(problems))
    return summary, warnings_


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
def parse_scenarios(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"scenarios are {', '.join(SCENARIOS)}; got {text!r}")
    return [n for n in SCENARIOS if n in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of each load (default 15)")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="requests per second (default 400)")
    parser.add_argument("--kill-rate", type=float, default=30.0,
                        help="rate of the kill scenarios (default 30: a rate the server sustains)")
    parser.add_argument("--kill-seconds", type=float, default=30.0, help="duration of the kill scenarios (default 30)")
    parser.add_argument("--restart-rate", type=float, default=30.0,
                        help="rate of redis-restart and pg-restart (default 30)")
    parser.add_argument("--restart-seconds", type=float, default=40.0,
                        help="duration of the redis-restart and pg-restart loads (default 40)")
    parser.add_argument("--restart-kill-at", type=float, default=10.0,
                        help="seconds into the load when Redis (PostgreSQL) is killed (stopped) (default 10)")
    parser.add_argument("--restart-down", type=float, default=8.0,
                        help="seconds Redis (PostgreSQL) stays down (default 8)")
    parser.add_argument("--kill-web-down", type=float, default=1.0,
                        help="seconds before kill-web starts the killed server again (default 1)")
    parser.add_argument("--capacity-seconds", type=float, default=10.0,
                        help="duration of each capacity step (default 10)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="the sender's timeout per request, like a provider's webhook timeout (default 30)")
    parser.add_argument("--customers", type=int, default=300, help="distinct customer phones (default 300)")
    parser.add_argument("--dup-ratio", type=float, default=0.10, help="share of deliveries re-sent (default 0.10)")
    parser.add_argument("--concurrency", type=int, default=2, help="processes per Celery worker (default 2)")
    parser.add_argument("--worker-nice", type=int, default=0,
                        help="run the workers under nice -n N too (default 0: they take idle CPU priority"
                             " themselves, as deployed; WORKER_CPU_PRIORITY=normal in the env to compare)")
    parser.add_argument("--queues", default="inbound,outbound,default",
                        help="the workers' -Q (default inbound,outbound,default)")
    parser.add_argument("--servers", type=int, default=1, help="server processes (default 1; >1 share one socket)")
    parser.add_argument("--server", choices=("uvicorn", "daphne"), default="uvicorn",
                        help="the ASGI server (default uvicorn, as in the Dockerfile; daphne to compare)")
    parser.add_argument("--conn-max-age", type=int, default=0,
                        help="CONN_MAX_AGE of the servers (default 0: see the module docstring)")
    parser.add_argument("--connections", type=int, default=32, help="the sender's connection pool (default 32)")
    parser.add_argument("--drain-timeout", type=float, default=900.0, help="max wait for the workers (default 900)")
    parser.add_argument("--scenarios", type=parse_scenarios, default=list(SCENARIOS),
                        help=f"comma-separated, among {','.join(SCENARIOS)} (default: all)")
    parser.add_argument("--seed", type=int, default=20_251_120)
    parser.add_argument("--wait-quiet", type=float, default=120.0,
                        help="wait up to this many seconds for the load average to fall under 1 (default 120)")
    args = parser.parse_args()

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    check_redis_url(redis_url)
    port = free_port()
    env = {**os.environ, **service_env(database_url, redis_url, port)}

    lock = take_lock(args.wait_quiet + 600)
    if lock is None:
        print(f"cannot run: another run of bench/webhooks.py holds {LOCK_FILE.relative_to(ROOT)}", file=sys.stderr)
        return 2

    import redis

    redis_client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        redis_client.ping()
        recreate_database(database_url)
    except Exception as exc:  # noqa: BLE001 - report why it cannot run, whatever the driver raised
        print(f"cannot run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    redis_client.flushdb()
    print(f"database: {redacted(database_url)} (dropped and re-created); redis: {redis_url} (flushed)")
    load_before = wait_quiet(args.wait_quiet)
    print(f"load average before the run: {os.getloadavg()}, {os.cpu_count()} CPUs")

    began = time.perf_counter()
    migrate = subprocess.run(  # noqa: S603
        [str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
        capture_output=True, text=True, check=False,
    )
    if migrate.returncode != 0:
        print(f"cannot run: migrate failed:\n{migrate.stderr[-2000:]}", file=sys.stderr)
        return 2
    print(f"migrate: {time.perf_counter() - began:.1f} s")
    setup_django(env)
    prepare_database()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for old in LOG_DIR.glob("*.log"):  # the previous run's
        old.unlink()

    base_url = f"http://127.0.0.1:{port}"
    plan = build_plan(seed=args.seed, rate=args.rate, seconds=args.seconds, customers=args.customers,
                      dup_ratio=args.dup_ratio, base_url=base_url)
    kill_plan = build_plan(seed=args.seed + 1, rate=args.kill_rate, seconds=args.kill_seconds,
                           customers=args.customers, dup_ratio=args.dup_ratio, base_url=base_url)
    restart_plan = build_plan(seed=args.seed + 2, rate=args.restart_rate, seconds=args.restart_seconds,
                              customers=args.customers, dup_ratio=args.dup_ratio, base_url=base_url)
    timed = len(plan.deliveries) - len(plan.warmup)
    print(
        f"plan: {len(plan.order)} requests in {args.seconds:g} s at {args.rate:g}/s ({timed} unique deliveries,"
        f" {len(plan.order) - timed} re-sent, after {len(plan.warmup)} untimed warm-up deliveries),"
        f" {args.customers} customers, Twilio {sum(d.provider == 'twilio_whatsapp' for d in plan.deliveries)}"
        f" / Meta {sum(d.provider == 'meta_whatsapp' for d in plan.deliveries)}; {args.servers} {args.server} on"
        f" {base_url} (CONN_MAX_AGE={args.conn_max_age}); workers (nice {args.worker_nice}) -Q {args.queues}"
        f" --concurrency {args.concurrency} --pool prefork -O fair; sender: {args.connections} connections,"
        f" {args.timeout:g} s timeout"
    )

    from django.db import DatabaseError

    bench = Bench(args, env, port, redis_client)

    def on_term(_signum: int, _frame: Any) -> None:
        raise SystemExit(130)

    signal.signal(signal.SIGTERM, on_term)
    results: dict[str, dict[str, Any]] = {}
    runners = {
        "bare": lambda: scenario_bare(bench, plan),
        "webhooks": lambda: scenario_webhooks(bench, plan),
        "capacity": lambda: scenario_capacity(bench),
        "ingest": lambda: scenario_ingest(bench, plan),
        "kill": lambda: scenario_kill(bench, kill_plan, redelivery=False),
        "redelivery": lambda: scenario_kill(bench, kill_plan, redelivery=True),
        "redis-restart": lambda: scenario_redis_restart(bench, restart_plan),
        "pg-restart": lambda: scenario_pg_restart(bench, restart_plan),
        "kill-web": lambda: scenario_kill_web(bench, kill_plan),
    }
    try:
        for name in args.scenarios:
            load_average = os.getloadavg()[0]
            print(f"\n--- {name} (load average {load_average:.2f}) ---", flush=True)
            results[name] = runners[name]()
            results[name]["load_average_at_start"] = load_average
            print_scenario(name, results[name])
    except (RuntimeError, DatabaseError, redis.RedisError) as exc:
        print(f"cannot run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    finally:
        bench.procs.stop_all()
        with contextlib.suppress(Exception):
            redis_client.flushdb()

    summary, warning_lines = verdict(results, args)
    print()
    for line in final_table(results):
        print(line)
    if "ratio_webhook_over_bare" in summary:
        ratio = summary["ratio_webhook_over_bare"]
        print(f"webhooks / bare at {args.rate:g} req/s offered: answered rps x{ratio['rps']}, p50 x{ratio['p50']},"
              f" p99 x{ratio['p99']}")
    if "capacity_ratio_webhook_over_bare" in summary:
        capacity = results["capacity"]
        print(
            f"webhooks / bare at the highest rate each sustains with p99 < {TARGET_P99_MS:g} ms:"
            f" {capacity['webhooks']['max_rate']} / {capacity['bare']['max_rate']} req/s ="
            f" x{summary['capacity_ratio_webhook_over_bare']} (no-op view: {capacity['noop']['max_rate']} req/s)"
        )

    import django

    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "generated_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "database": redacted(database_url),
        "redis": redis_url,
        "server": f"{args.server} " + __import__(args.server).__version__,
        "django": django.get_version(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "args": dict(vars(args)),
        "results": results,
        "verdict": summary,
        "warnings": warning_lines,
    }
    RESULTS_FILE.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"results written to {RESULTS_FILE.relative_to(ROOT)}; logs in {LOG_DIR.relative_to(ROOT)}/")
    for line in warning_lines:
        print(line)
    if summary.get("target", {}).get("met"):
        print(f"target met: p99 ack < {TARGET_P99_MS:g} ms at {TARGET_RATE:g} req/s ✓")
    checked = [name for name in results if f"{name}_exactly_once" in summary]
    if checked and all(summary[f"{name}_exactly_once"] for name in checked):
        print(f"exactly once in {', '.join(checked)}: every delivery answered 200 stored, one message per event,"
              " no duplicate, nothing left unprocessed ✓")
    return 0


if __name__ == "__main__":
    sys.exit(main())
