"""Soak under load: memory, connections and queues of every process over a long run at half capacity.

Run it from the project root (PostgreSQL on 127.0.0.1:5432 must be up; ``redis-server`` on the PATH)::

    .venv/bin/python bench/faults.py                                  # 30 minutes, 50 agents (~33 min in all)
    .venv/bin/python bench/faults.py --soak-minutes 3 --soak-rate 20  # a short check

The other faults under load (Redis or PostgreSQL restarted, a worker or a web server SIGKILLed) are scenarios
of ``bench/webhooks.py`` (``--scenarios redis-restart,pg-restart,kill,kill-web``): they count deliveries one
by one. This one reuses the live rig of ``bench/panel.py``: the product as docker-compose runs it (``--web-workers``
uvicorn processes; Celery workers ``-Q inbound``, ``-Q outbound,default,bulk`` and ``-Q ai``), ``--agents`` agents
logged in with a real WebSocket each on ``/ws/panel/``, a fake Graph API for the AI's replies, and signed Meta
webhooks sent open loop at ``--soak-rate`` per second for ``--soak-minutes`` (90% from the customers whose
conversations are handed out to the agents, 10% from new ones). The rate defaults to half of the highest rate
``bench/panel.py``'s search found (``bench/results/panel.json``), else 20/s (about half of this 2-core host's).

It uses ``postgres://postgres@127.0.0.1:5432/crm_bench_soak`` (env ``BENCH_SOAK_DATABASE_URL``; DROPPED and
re-created; a name without ``bench`` is refused) and a ``redis-server`` of its own on a spare port (so its
client count is the product's alone). Every ``--sample-seconds`` (30) s it samples: the RSS of each process
(every web server process, each Celery worker's main process and pool children), PostgreSQL's connections to
the soak's database (``pg_stat_activity``, the sampler's own left out), Redis ``connected_clients`` (the
sampler's own left out) and the length of each Celery queue. At the end, per process: RSS first (after the
warm-up, ``--warmup-minutes``), last and max and the growth in %; the same for the connection counts and the
queues, with a WARNING line for each goal missed: memory flat within 10% after the warm-up, no connection
growth (the highest count of the run's second half no more than 2 above the first half's), no queue growing
(the second half's longest no more than 10 tasks above the first half's, and empty at the end). Also the
answers (non-200) and the frames the agents should have got and did not. Everything goes to
``bench/results/faults.json``, logs to ``bench/results/faults_logs/``; exits 0 once measured, 2 if it cannot run.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._webhook_load import Connection, encode  # noqa: E402 - the webhook bench's minimal client
from bench.panel import (  # noqa: E402 - the panel bench's live rig
    META_PATH,
    SENDER_CONNECTIONS,
    FakeGraph,
    LiveRig,
    create_people,
    meta_body,
    migrate,
    setup_django,
    start_services,
)
from bench.webhooks import Processes, free_port, recreate_database, redacted, service_env  # noqa: E402

RESULTS_FILE = ROOT / "bench" / "results" / "faults.json"
LOG_DIR = ROOT / "bench" / "results" / "faults_logs"
LOCK_FILE = ROOT / "bench" / "results" / ".faults.lock"
PANEL_RESULTS = ROOT / "bench" / "results" / "panel.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_soak"
FALLBACK_RATE = 20.0  # about half of what this 2-core host sustains with webhook -> screen p95 <= 1 s
MEMORY_GOAL = 0.10  # RSS growth after the warm-up
CONNECTION_SLACK = 2  # pools breathe: a count this much above the first half's highest is not growth
QUEUE_SLACK = 10  # a snapshot of a busy queue holds a few tasks
QUEUES = ("inbound", "ai", "outbound", "default", "bulk")


# --------------------------------------------------------------------------------------------
# Samples
# --------------------------------------------------------------------------------------------
def processes_by_session(procs: Processes) -> dict[str, int]:
    """RSS in kB of every process of each service we started: ``"<service> pid N (main|child)" -> kB``."""
    sessions = {proc.pid: name for name, proc in procs.running.items() if name != "redis"}
    rss: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            sid = int(stat.rsplit(")", 1)[1].split()[3])
            if sid not in sessions:
                continue
            status = (entry / "status").read_text()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        role = "main" if int(entry.name) == sid else "child"
        rss[f"{sessions[sid]} pid {entry.name} ({role})"] = kb
    return rss


class Sampler:
    """One sample: RSS per process, PostgreSQL connections to the database, Redis clients, queue lengths."""

    def __init__(self, procs: Processes, database_url: str, redis_url: str) -> None:
        from urllib.parse import urlsplit, urlunsplit

        import psycopg
        import redis

        self.procs = procs
        parts = urlsplit(database_url)
        self.database = parts.path.lstrip("/")
        self.pg = psycopg.connect(urlunsplit(parts._replace(scheme="postgresql")), autocommit=True)
        self.redis = redis.Redis.from_url(redis_url)
        self.samples: list[dict[str, Any]] = []

    def take(self, at_s: float) -> dict[str, Any]:
        rows = self.pg.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.database]).fetchone()
        clients = int(self.redis.info("clients")["connected_clients"]) - 1  # not the sampler's own
        queues = {}
        for queue in QUEUES:  # a Redis list per queue and priority (kombu names them queue, queue\x06\x163, ...)
            keys = [k for k in self.redis.scan_iter(match=f"{queue}*", count=1000) if self.redis.type(k) == b"list"]
            queues[queue] = sum(int(self.redis.llen(k)) for k in keys)
        sample = {"at_s": round(at_s, 1), "load_average": round(os.getloadavg()[0], 2),
                  "rss_kb": processes_by_session(self.procs),
                  "pg_connections": int(rows[0]) if rows else 0, "redis_clients": clients, "queues": queues}
        self.samples.append(sample)
        return sample

    def close(self) -> None:
        self.pg.close()
        self.redis.close()


def series_summary(values: list[float]) -> dict[str, float]:
    half = max(1, len(values) // 2)
    first_half, second_half = values[:half], values[half:] or values[-1:]
    return {"first": values[0], "last": values[-1], "max": max(values),
            "growth_pct": round(100 * (values[-1] - values[0]) / values[0], 1) if values[0] else 0.0,
            "first_half_max": max(first_half), "second_half_max": max(second_half)}


def judge(samples: list[dict[str, Any]], warmup_s: float) -> tuple[dict[str, Any], list[str]]:
    """Per process and per count: first (after the warm-up), last, max, growth; the goals missed, as warnings."""
    settled = [s for s in samples if s["at_s"] >= warmup_s] or samples[-1:]
    warnings: list[str] = []
    memory: dict[str, Any] = {}
    for name in sorted({n for s in settled for n in s["rss_kb"]}):
        values = [s["rss_kb"][name] / 1024 for s in settled if name in s["rss_kb"]]
        present = sum(1 for s in settled if name in s["rss_kb"])
        summary = {k: round(v, 1) for k, v in series_summary(values).items()}
        summary["samples"] = present
        memory[name] = summary
        if present < len(settled):
            warnings.append(f"WARNING: {name} was not there for the whole run ({present} of {len(settled)} samples):"
                            " a process died or was replaced")
        if values[0] and (max(values) - values[0]) / values[0] > MEMORY_GOAL:
            warnings.append(f"WARNING: {name}: RSS {values[0]:.1f} -> {values[-1]:.1f} MB (max {max(values):.1f}),"
                            f" {summary['growth_pct']:+.1f}%: not flat within {100 * MEMORY_GOAL:g}%")
    counts: dict[str, Any] = {}
    for key, label in (("pg_connections", "PostgreSQL connections"), ("redis_clients", "Redis clients")):
        summary = series_summary([float(s[key]) for s in settled])
        counts[key] = summary
        if summary["second_half_max"] > summary["first_half_max"] + CONNECTION_SLACK:
            warnings.append(f"WARNING: {label} grow: highest {summary['first_half_max']:g} in the first half of the"
                            f" run, {summary['second_half_max']:g} in the second")
    queues: dict[str, Any] = {}
    for queue in QUEUES:
        summary = series_summary([float(s["queues"].get(queue, 0)) for s in settled])
        queues[queue] = summary
        if summary["second_half_max"] > summary["first_half_max"] + QUEUE_SLACK:
            warnings.append(f"WARNING: queue {queue} grows: longest {summary['first_half_max']:g} in the first half,"
                            f" {summary['second_half_max']:g} in the second")
    return {"memory_mb": memory, "counts": counts, "queues": queues, "settled_samples": len(settled)}, warnings


# --------------------------------------------------------------------------------------------
# The soak
# --------------------------------------------------------------------------------------------
async def soak(rig: LiveRig, sampler: Sampler, rate: float, seconds: float, every: float) -> dict[str, Any]:
    """Open-loop webhooks at ``rate`` for ``seconds`` (one task per due POST, never all at once), sampling
    every ``every`` s; then up to 15 s for the frames still on their way, and a last sample."""
    rng = random.Random(2026)  # noqa: S311 - load shape, not crypto
    host, port = rig.base_url.removeprefix("http://").split(":")
    free: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(SENDER_CONNECTIONS):
        free.put_nowait(Connection(host, int(port)))
    statuses: Counter[int] = Counter()
    expected: dict[str, int | None] = {}  # text -> the assignee's id, or None: every agent
    pending: set[asyncio.Task[None]] = set()

    async def post(k: int) -> None:
        if rng.random() < 0.10:
            customer, who = f"5195{k:07d}", None
        else:
            customer = rng.choice(rig.customers)
            who = rig.owner[customer]
        text = f"soak-{k}-{rng.getrandbits(32):08x}"
        body, headers = meta_body(customer, text, rng)
        expected[text] = who
        connection = await free.get()
        try:
            status, _answer = await connection.request(encode([0, META_PATH, body.decode(), headers, ""], host), 10.0)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            connection.close()
            status = 0
        finally:
            free.put_nowait(connection)
        statuses[status] += 1

    total = int(rate * seconds)
    t0 = time.perf_counter()
    next_sample = t0
    for k in range(total):
        due = t0 + k / rate
        while next_sample <= due:
            await asyncio.sleep(max(0.0, next_sample - time.perf_counter()))
            sample = await asyncio.to_thread(sampler.take, time.perf_counter() - t0)
            print_sample(sample)
            next_sample += every
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        task = asyncio.create_task(post(k))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    sent_seconds = time.perf_counter() - t0
    print_sample(await asyncio.to_thread(sampler.take, sent_seconds))  # the load's end
    deadline = time.perf_counter() + 15
    listeners = rig.listeners
    missing = 0
    while time.perf_counter() < deadline:
        missing = sum(1 for text, who in expected.items() for lis in listeners
                      if (who is None or lis.user_id == who) and text not in lis.arrivals)
        if not missing:
            break
        await asyncio.sleep(1.0)
    final = await asyncio.to_thread(sampler.take, time.perf_counter() - t0)
    print_sample(final)
    return {"posts": total, "achieved_rate": round(total / sent_seconds, 1), "statuses": dict(statuses),
            "non_200": total - statuses.get(200, 0), "frames_missing": missing,
            "frames_expected": sum(len(listeners) if who is None else 1 for who in expected.values())}


def print_sample(sample: dict[str, Any]) -> None:
    by_service: Counter[str] = Counter()
    for name, kb in sample["rss_kb"].items():
        by_service[name.split(" pid ")[0]] += kb
    rss = ", ".join(f"{name} {kb / 1024:.0f} MB" for name, kb in sorted(by_service.items()))
    queues = " ".join(f"{q}={n}" for q, n in sample["queues"].items() if n) or "all empty"
    print(f"  t={sample['at_s']:>6.0f} s  RSS {rss}; PostgreSQL connections {sample['pg_connections']},"
          f" Redis clients {sample['redis_clients']}; queues {queues}; load average {sample['load_average']}",
          flush=True)


async def run_soak(base_url: str, people: dict[str, Any], args: argparse.Namespace, procs: Processes,
                   redis_url: str, graph_port: int, database_url: str) -> dict[str, Any]:
    graph = FakeGraph()
    await graph.start(graph_port)
    rig = LiveRig(base_url, people, args, procs, redis_url)
    sampler = Sampler(procs, database_url, redis_url)
    try:
        await rig.start()
        print(f"{len(rig.listeners)} agents connected; soak at {args.soak_rate:g}/s for {args.soak_minutes:g} min,"
              f" a sample every {args.sample_seconds:g} s", flush=True)
        load = await soak(rig, sampler, args.soak_rate, args.soak_minutes * 60, args.sample_seconds)
        load["sent_to_fake_graph_api"] = graph.sent
        load["socket_frames"] = sum(lis.frames for lis in rig.listeners)
    finally:
        await rig.close()
        await graph.stop()
        sampler.close()
    return {"load": load, "samples": sampler.samples}


def default_rate() -> tuple[float, str]:
    """Half of the rate ``bench/panel.py``'s search found on this machine, else ``FALLBACK_RATE``."""
    try:
        found = json.loads(PANEL_RESULTS.read_text())["live"]["search"]["max_rate"]
    except (OSError, ValueError, KeyError, TypeError):
        return FALLBACK_RATE, f"no rate search in {PANEL_RESULTS.relative_to(ROOT)}: {FALLBACK_RATE:g}/s"
    if not found:
        return FALLBACK_RATE, f"the panel's search found no rate: {FALLBACK_RATE:g}/s"
    return round(found / 2, 1), f"half of the {found:g}/s bench/panel.py's search found"


def print_report(verdict: dict[str, Any], load: dict[str, Any], warmup_s: float) -> None:
    print(f"\nafter the {warmup_s:g} s warm-up ({verdict['settled_samples']} samples): first / last / max, growth")
    print(f"  {'process':<44} {'first MB':>9} {'last MB':>8} {'max MB':>7} {'growth':>7}")
    for name, m in verdict["memory_mb"].items():
        print(f"  {name:<44} {m['first']:>9.1f} {m['last']:>8.1f} {m['max']:>7.1f} {m['growth_pct']:>+6.1f}%")
    for key, label in (("pg_connections", "PostgreSQL connections"), ("redis_clients", "Redis connected_clients")):
        c = verdict["counts"][key]
        print(f"  {label:<44} {c['first']:>9g} {c['last']:>8g} {c['max']:>7g}  (highest: first half"
              f" {c['first_half_max']:g}, second half {c['second_half_max']:g})")
    for queue, q in verdict["queues"].items():
        print(f"  queue {queue:<38} {q['first']:>9g} {q['last']:>8g} {q['max']:>7g}  (longest: first half"
              f" {q['first_half_max']:g}, second half {q['second_half_max']:g})")
    print(f"  webhooks: {load['posts']} sent at {load['achieved_rate']}/s, non-200 {load['non_200']}"
          f" {load['statuses']};"
          f" frames expected {load['frames_expected']}, missing {load['frames_missing']};"
          f" AI replies to the fake Graph API {load['sent_to_fake_graph_api']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--soak-minutes", type=float, default=30.0, help="length of the soak (default 30)")
    parser.add_argument("--soak-rate", type=float,
                        help="webhooks per second (default: half of bench/panel.py's search result, else 20)")
    parser.add_argument("--agents", type=int, default=50, help="agents on their WebSocket (default 50)")
    parser.add_argument("--sample-seconds", type=float, default=30.0, help="seconds between samples (default 30)")
    parser.add_argument("--warmup-minutes", type=float,
                        help="samples before this are not judged (default 5, at most a third of the soak)")
    parser.add_argument("--web-workers", type=int, default=2, help="uvicorn processes (default 2, as docker-compose)")
    parser.add_argument("--ai-concurrency", type=int, default=4, help="AI worker processes (default 4)")
    parser.add_argument("--inbound-concurrency", type=int, default=4, help="inbound worker processes (default 4)")
    parser.add_argument("--ai-mode", choices=("auto", "draft", "off"), default="auto",
                        help="the channel accounts' AI mode (default auto)")
    args = parser.parse_args()
    rate_note = "given"
    if args.soak_rate is None:
        args.soak_rate, rate_note = default_rate()
    if args.warmup_minutes is None:
        args.warmup_minutes = min(5.0, args.soak_minutes / 3)
    warmup_s = args.warmup_minutes * 60

    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    lock = LOCK_FILE.open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("another run of bench/faults.py is going on; try later", file=sys.stderr)
        return 2
    database_url = os.environ.get("BENCH_SOAK_DATABASE_URL", DEFAULT_DATABASE_URL)
    port, graph_port, redis_port = free_port(), free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/1"
    env = {**os.environ, **service_env(database_url, redis_url, port),
           "META_GRAPH_BASE_URL": f"http://127.0.0.1:{graph_port}/v21.0"}
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    procs = Processes()
    print(f"database {redacted(database_url)}, own redis-server on {redis_port}, {os.cpu_count()} CPUs, load"
          f" {os.getloadavg()[0]:.2f}; rate {args.soak_rate:g}/s ({rate_note})", flush=True)
    try:
        procs.start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"], env, LOG_DIR / "redis-server.log")
        recreate_database(database_url)
        migrate(env)
    except Exception as exc:  # noqa: BLE001 - cannot run: say why
        procs.stop_all()
        print(f"cannot run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    setup_django(env)
    people = create_people(args.agents, args.ai_mode)
    began = time.perf_counter()
    try:
        start_services(procs, env, port, args.web_workers, args.ai_concurrency, args.inbound_concurrency,
                       log_dir=LOG_DIR)
        result = asyncio.run(run_soak(f"http://127.0.0.1:{port}", people, args, procs, redis_url, graph_port,
                                      database_url))
    except Exception as exc:  # noqa: BLE001 - cannot run: say why
        print(f"cannot run: {type(exc).__name__}: {exc} (logs in {LOG_DIR})", file=sys.stderr)
        return 2
    finally:
        procs.stop_all()
    verdict, warnings = judge(result["samples"], warmup_s)
    print_report(verdict, result["load"], warmup_s)
    if result["load"]["non_200"]:
        warnings.append(f"WARNING: {result['load']['non_200']} webhooks not answered 200: {result['load']['statuses']}")
    if result["load"]["frames_missing"]:
        warnings.append(f"WARNING: {result['load']['frames_missing']} frames the agents should have got never came")
    busiest = max((s["load_average"] for s in result["samples"]), default=0.0)
    if busiest > (os.cpu_count() or 1):
        warnings.append(f"WARNING: the machine was busy (load average up to {busiest:g} on {os.cpu_count()} CPUs):"
                        " queues and frames may miss their goals for want of CPU, not because of the product")
    last_queues = result["samples"][-1]["queues"] if result["samples"] else {}
    if any(last_queues.values()):
        warnings.append(f"WARNING: queues not empty 15 s after the load: {last_queues}")
    RESULTS_FILE.write_text(json.dumps({
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": round(time.perf_counter() - began),
        "args": vars(args), "rate_note": rate_note, "load": result["load"], "verdict": verdict,
        "warnings": warnings, "samples": result["samples"]}, indent=2, default=str))
    print(f"figures in {RESULTS_FILE.relative_to(ROOT)}; logs in {LOG_DIR.relative_to(ROOT)}/")
    for line in warnings:
        print(line)
    if not warnings:
        print("soak goals met: memory flat within 10%, no connection growth, no queue growing ✓")
    lock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
