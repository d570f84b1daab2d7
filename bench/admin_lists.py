"""Benchmark of the three big lists of the CRM: time and query count at 1k, 10k and 100k rows.

Run it from the project root::

    .venv/bin/python bench/admin_lists.py                   # sizes 1000, 10000, 100000
    .venv/bin/python bench/admin_lists.py --sizes 1000,10000

It needs PostgreSQL. By default it uses ``postgres://postgres@127.0.0.1:5432/crm_bench`` (override with
the env ``BENCH_DATABASE_URL``). That database is DROPPED and re-created at every start, so runs are
repeatable; for safety the script refuses a database whose name does not contain ``bench``.

What it does: migrate, create an admin, then for each size N top up the tables to N leads (each with its
own contact, spread over operators, agents, classifications and statuses) and N products, ``ANALYZE``,
and request, as the admin, with ``django.test.Client``:

* ``/admin/leads/lead/``        the Lead admin changelist (50 per page),
* ``/admin/operators/product/`` the Product admin changelist (50 per page, list_editable),
* ``/api/v1/leads/``            the REST API list (25 per page).

Each page is requested once to warm up, then 5 times: the median wall time, the number of SQL queries
and the time spent in SQL are reported (status 200 is asserted). What it shows: whether the query count
stays the same whatever the number of rows (no N+1: no statement repeated once per row) and whether
times stay reasonable. Statements whose number differs between sizes and statements repeated within one
request are printed, so a change in the count can be told apart from an N+1; the slowest statement of
each page at the largest size is EXPLAIN ANALYZEd. Everything is also written to
``bench/results/admin_lists.json``. The script exits 0 once the measurements are done, constant or not
(a WARNING line is printed when a query count grows with rows); it fails only when a page does not
answer 200 or the database cannot be reached.

Rows are inserted with ``bulk_create`` in batches of 5,000, spread over ``--workers`` forked processes
(default: the number of CPUs, at least 2); 100k leads, contacts and products load in about 30 s.

Only the benchmark changes two settings for its own process: the MD5 password hasher (creating the users
is not what is measured) and plain ``StaticFilesStorage`` (no ``collectstatic`` manifest is needed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from django.test import Client

    from accounts.models import User
    from operators.models import Operator

ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = ROOT / "bench" / "results" / "admin_lists.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
BATCH_SIZE = 5_000
RUNS = 5
PAGES: tuple[tuple[str, str, str], ...] = (
    ("leads admin", "/admin/leads/lead/", "admin"),
    ("products admin", "/admin/operators/product/", "admin"),
    ("leads API", "/api/v1/leads/", "api"),
)
OPERATORS = (("Claro", "claro"), ("Movistar", "movistar"), ("Entel", "entel"), ("Bitel", "bitel"))
AGENTS = ("Ana Quispe", "Bruno Rojas", "Carla Mendoza", "Diego Flores", "Elena Torres")
FIRST_NAMES = ("María", "José", "Lucía", "Carlos", "Rosa", "Luis", "Ana", "Jorge", "Carmen", "Pedro", "Sofía")
LAST_NAMES = ("García", "Huamán", "Quispe", "Flores", "Sánchez", "Ramírez", "Chávez", "Vargas", "Castillo")
ZONES = ("Miraflores", "San Isidro", "Surco", "San Borja", "Los Olivos", "Comas", "Ate", "La Molina", "")


# --------------------------------------------------------------------------------------------
# Environment and database
# --------------------------------------------------------------------------------------------
def configure_environment() -> str:
    """Set the env the settings read; must run before Django is imported. Returns the database URL."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["DATABASE_URL"] = url
    os.environ["SECRET_KEY"] = "bench-not-a-secret"  # noqa: S105 - a dummy key for a throw-away database
    os.environ["DEBUG"] = "0"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return url


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def recreate_database(url: str) -> None:
    """Drop and create the benchmark database, connecting to the server's ``postgres`` database."""
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

    # WhiteNoise complains once that STATIC_ROOT does not exist; static files are not what is measured.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------
def create_people() -> tuple[User, list[User]]:
    """The admin who browses the pages, and the agents who hold the leads."""
    from accounts.models import Role
    from accounts.services import roles_create, user_create

    roles_create()
    admin = user_create(username="bench_admin", password="bench-pass-123", role=Role.ADMIN)  # noqa: S106
    agents = []
    for k, full_name in enumerate(AGENTS, start=1):
        first, last = full_name.split(" ", 1)
        agents.append(
            user_create(
                username=f"bench_agent{k}",
                password="bench-pass-123",  # noqa: S106
                role=Role.AGENT,
                first_name=first,
                last_name=last,
            )
        )
    return admin, agents


def create_operators() -> list[Operator]:
    from operators.models import Operator

    return [Operator.objects.create(name=name, slug=slug) for name, slug in OPERATORS]


def _load_products(first: int, last: int, operators: list[Operator]) -> int:
    """Insert the products numbered ``first`` to ``last - 1`` (one batch, run in a worker process)."""
    from django.db import transaction

    from operators.models import Category, Product

    categories = list(Category)
    brands = ("Samsung", "Apple", "Xiaomi", "Motorola", "Huawei", "")
    colours = ("negro", "blanco", "azul", "rojo", "")
    batch = []
    for i in range(first, last):
        category = categories[i % len(categories)]
        product = Product(
            operator=None if i % 9 == 0 else operators[i % len(operators)],
            category=category,
            sku=f"BENCH-{i:07d}",
            name=" ".join(filter(None, (str(category.label), brands[i % len(brands)], f"modelo {i}"))),
            brand=brands[i % len(brands)],
            color=colours[i % len(colours)],
            speed_mbps=(100 + 50 * (i % 10)) if category == Category.INTERNET_HOME else None,
            data_gb=Decimal(10 + i % 90) if category == Category.MOBILE else None,
            capacity_gb=(64 << (i % 4)) if category == Category.DEVICE else None,
            price=Decimal(19 + i % 2000) + Decimal("0.90"),
            discount_percent=Decimal((i % 4) * 5),
            stock=None if category in (Category.MOBILE, Category.INTERNET_HOME) else i % 40,
            is_active=i % 13 != 0,
        )
        product.search_text = product.build_search_text()  # bulk_create bypasses Product.save()
        batch.append(product)
    with transaction.atomic():
        Product.objects.bulk_create(batch, batch_size=BATCH_SIZE)
    return len(batch)


def _load_leads(first: int, last: int, operators: list[Operator], agents: list[User], product_ids: list[int]) -> int:
    """Insert the contacts and leads numbered ``first`` to ``last - 1``, one lead per new contact."""
    from django.db import transaction
    from django.utils import timezone

    from leads.models import Classification, Contact, Lead, LeadStatus, SourceChannel
    from operators.models import Category

    statuses = list(LeadStatus)
    sources = list(SourceChannel)
    categories = list(Category)
    now = timezone.now()
    indexes = range(first, last)
    contacts = [
        Contact(
            name=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i // 7) % len(LAST_NAMES)]}",
            phone=f"+519{i:08d}",
            whatsapp_id=f"519{i:08d}",
            zone=ZONES[i % len(ZONES)],
            city="Lima",
        )
        for i in indexes
    ]
    with transaction.atomic():
        Contact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
        leads = []
        for i, contact in zip(indexes, contacts, strict=True):
            score = (i * 37) % 101
            classification = (
                Classification.HOT if score >= 80 else Classification.WARM if score >= 50 else Classification.COLD
            )
            status = statuses[i % len(statuses)]
            has_product = bool(product_ids) and i % 3 == 0
            leads.append(
                Lead(
                    contact=contact,
                    source=sources[i % len(sources)],
                    operator=None if i % 5 == 0 else operators[i % len(operators)],
                    product_id=product_ids[i % len(product_ids)] if has_product else None,
                    product_interest="" if has_product else f"plan de {10 + i % 90} GB",
                    service_type=categories[i % len(categories)],
                    budget=Decimal(50 + i % 500) if i % 2 else None,
                    zone=ZONES[i % len(ZONES)],
                    conversation_count=i % 6,
                    score=score,
                    classification=classification,
                    score_breakdown={"conversation": 5 * (i % 6)},
                    status=status,
                    lost_reason="precio" if status == LeadStatus.LOST else "",
                    next_action="llamar" if i % 4 == 0 else "",
                    next_action_at=now + timedelta(hours=i % 72) if i % 4 == 0 else None,
                    assignee=None if i % 6 == 0 else agents[i % len(agents)],
                    closed_at=now if status in (LeadStatus.WON, LeadStatus.LOST) else None,
                )
            )
        Lead.objects.bulk_create(leads, batch_size=BATCH_SIZE)
    return len(leads)


def top_up(target: int, operators: list[Operator], agents: list[User], workers: int) -> tuple[int, int]:
    """Add products, then contacts with their leads, until there are ``target`` of each.

    Batches of ``BATCH_SIZE`` rows run in forked worker processes (building model instances and
    ``search_text`` in Python is the slow part, so this uses every core). Returns (products, leads) added.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from django.db import connections

    from leads.models import Lead
    from operators.models import Product

    def run(function: Any, start: int, *extra: Any) -> int:
        chunks = [(a, min(a + BATCH_SIZE, target)) for a in range(start, target, BATCH_SIZE)]
        if not chunks:
            return 0
        connections.close_all()  # a forked child must not share the parent's connection
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(function, a, b, *extra) for a, b in chunks]
            return sum(f.result() for f in futures)

    added_products = run(_load_products, Product.objects.count(), operators)
    product_ids = list(Product.objects.order_by("pk").values_list("pk", flat=True)[:2_000])
    added_leads = run(_load_leads, Lead.objects.count(), operators, agents, product_ids)
    return added_products, added_leads


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------
_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_IN_LIST = re.compile(r"IN \((?:\?(?:, )?)+\)")


def normalize_sql(statement: str) -> str:
    """The shape of a statement: literals become ``?`` so repeats of one query with other ids collapse."""
    shape = _NUMBER.sub("?", _STRING.sub("?", statement))
    return _IN_LIST.sub("IN (...)", " ".join(shape.split()))


def rows_on_page(kind: str, response: Any) -> int:
    if kind == "api":
        return len(response.json()["results"])
    return response.content.decode().count('name="_selected_action"')


class QueryTimer:
    """A database execute wrapper that times every statement (CaptureQueriesContext rounds to 1 ms)."""

    def __init__(self) -> None:
        self.durations_ms: list[float] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.durations_ms.append((time.perf_counter() - began) * 1000)


def explain(statement: str) -> list[str]:
    """EXPLAIN ANALYZE of a captured SELECT (its parameters are already inlined by the backend)."""
    from django.db import connection

    if not statement.lstrip().upper().startswith("SELECT"):
        return []
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        return [row[0] for row in cursor.fetchall()]


def measure(client: Client, path: str, kind: str) -> dict[str, Any]:
    """Warm up once, then ``RUNS`` timed requests; each must answer 200."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_ACCEPT": "application/json"} if kind == "api" else {}
    response = client.get(path, **headers)
    assert response.status_code == 200, f"{path} answered {response.status_code} on warm-up"
    times_ms: list[float] = []
    counts: list[int] = []
    statements: list[str] = []
    durations: list[float] = []
    for _ in range(RUNS):
        timer = QueryTimer()
        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
            began = time.perf_counter()
            response = client.get(path, **headers)
            elapsed = time.perf_counter() - began
        assert response.status_code == 200, f"{path} answered {response.status_code}"
        times_ms.append(elapsed * 1000)
        counts.append(len(ctx.captured_queries))
        statements = [q["sql"] for q in ctx.captured_queries]
        durations = timer.durations_ms
    shapes = [normalize_sql(sql) for sql in statements]
    repeated = {shape: n for shape, n in Counter(shapes).items() if n > 1}
    slowest = max(range(len(statements)), key=lambda k: durations[k]) if statements else None
    return {
        "path": path,
        "median_ms": round(statistics.median(times_ms), 2),
        "min_ms": round(min(times_ms), 2),
        "max_ms": round(max(times_ms), 2),
        "runs_ms": [round(t, 2) for t in times_ms],
        "queries": counts[-1],
        "queries_per_run": counts,
        "sql_ms": round(sum(durations), 2),
        "rows_on_page": rows_on_page(kind, response),
        "repeated_statements": repeated,
        "slowest_query_ms": round(durations[slowest], 2) if slowest is not None else 0.0,
        "slowest_query": statements[slowest] if slowest is not None else "",
        "statements": [{"ms": round(ms, 3), "sql": shape} for ms, shape in zip(durations, shapes, strict=True)],
    }


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def short(statement: str, width: int = 150) -> str:
    return statement if len(statement) <= width else statement[: width - 1] + "…"


def print_table(results: dict[int, dict[str, dict[str, Any]]]) -> None:
    header = (
        f"{'size':>8}  {'page':<16} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'queries':>8}"
        f" {'SQL ms':>7} {'rows':>5}"
    )
    print(header)
    print("-" * len(header))
    for size, pages in results.items():
        for label, r in pages.items():
            print(
                f"{size:>8}  {label:<16} {r['median_ms']:>10.1f} {r['min_ms']:>8.1f} {r['max_ms']:>8.1f}"
                f" {r['queries']:>8} {r['sql_ms']:>7.1f} {r['rows_on_page']:>5}"
            )


def _count_hint(shape: str, present: dict[int, int]) -> str:
    """Explain a COUNT(*) that only small sizes run: the admin paginator's exact count below its threshold."""
    from core.paginators import EstimatedCountPaginator

    threshold = EstimatedCountPaginator.exact_below
    if shape.startswith("SELECT COUNT(*)") and all((n > 0) == (size < threshold) for size, n in present.items()):
        return (
            f"  <- EstimatedCountPaginator: exact COUNT(*) below {threshold:,} rows, pg_class estimate above"
            " (one statement per page, not per row)"
        )
    return ""


def verdicts(results: dict[int, dict[str, dict[str, Any]]]) -> tuple[dict[str, Any], list[str]]:
    """Per page: the counts by size, whether they are constant, and the statements that explain a change.

    Returns the summary (for the JSON) and the WARNING lines to print.
    """
    sizes = list(results)
    summary: dict[str, Any] = {}
    lines: list[str] = []
    parts = []
    for label, _path, _kind in PAGES:
        counts = [results[s][label]["queries"] for s in sizes]
        constant = len(set(counts)) == 1
        grows = any(b > a for a, b in zip(counts, counts[1:], strict=False))
        repeated = {s: results[s][label]["repeated_statements"] for s in sizes}
        repeated = {s: shapes for s, shapes in repeated.items() if shapes}
        per_size = {s: Counter(q["sql"] for q in results[s][label]["statements"]) for s in sizes}
        differences: list[str] = []
        for shape in dict.fromkeys(q["sql"] for s in sizes for q in results[s][label]["statements"]):
            present = {s: per_size[s][shape] for s in sizes}
            if len(set(present.values())) > 1:
                times = "/".join(f"x{n}" for n in present.values())
                differences.append(f"{times}: {short(shape)}{_count_hint(shape, present)}")
        if not constant:
            lines.append(
                f"{'WARNING' if grows else 'note'}: query count of {label} is {'/'.join(map(str, counts))}; "
                f"{'it GROWS with rows' if grows else 'it does not grow with rows'}. "
                f"Statements whose number differs (at {'/'.join(map(str, sizes))} rows):"
            )
            lines += [f"    {d}" for d in differences]
        for size, shapes in repeated.items():
            lines.append(f"WARNING: {label} at {size} rows repeats statements within one request (N+1?):")
            lines += [f"    x{n}: {short(s)}" for s, n in shapes.items()]
        mark = "✗ (GROWS with rows)" if grows else "✓" if constant else "✓ (fewer at large sizes)"
        parts.append(f"{label} {'/'.join(map(str, counts))} {mark}")
        summary[label] = {
            "counts": dict(zip(map(str, sizes), counts, strict=True)),
            "constant": constant,
            "grows_with_rows": grows,
            "repeated_statements": {str(s): v for s, v in repeated.items()},
            "differences": differences,
        }
    n_plus_one = any(summary[label]["repeated_statements"] for label, _p, _k in PAGES)
    summary["no_repeated_statements"] = not n_plus_one
    summary["line"] = "query count does not grow with rows: " + ", ".join(parts)
    return summary, lines


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"sizes must be integers separated by commas, got {text!r}") from exc
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="comma-separated row counts, e.g. 1000,10000 (default: 1000,10000,100000)",
    )
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2), help="processes that load the rows")
    args = parser.parse_args()

    url = configure_environment()
    recreate_database(url)
    print(f"database: {redacted(url)} (dropped and re-created)")
    setup_django()

    import django
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.two_factor.testing import client_session_verify

    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrate: {time.perf_counter() - began:.1f} s")
    admin, agents = create_people()
    operators = create_operators()
    client = Client(HTTP_HOST="testserver")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    client_session_verify(client, admin)  # as if the admin had typed their two-step code

    results: dict[int, dict[str, dict[str, Any]]] = {}
    loads: dict[int, float] = {}
    for size in args.sizes:
        began = time.perf_counter()
        added_products, added_leads = top_up(size, operators, agents, args.workers)
        analyze()
        loads[size] = round(time.perf_counter() - began, 2)
        print(
            f"{size:>8} rows: +{added_leads} leads with their contacts, +{added_products} products,"
            f" ANALYZE: loaded in {loads[size]:.1f} s"
        )
        results[size] = {label: measure(client, path, kind) for label, path, kind in PAGES}

    largest = args.sizes[-1]
    for label, _path, _kind in PAGES:
        results[largest][label]["slowest_query_plan"] = explain(results[largest][label]["slowest_query"])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    summary, warning_lines = verdicts(results)

    print()
    print_table(results)
    print()
    print(f"slowest statement per page at {largest} rows (EXPLAIN ANALYZE in the JSON):")
    for label, _path, _kind in PAGES:
        r = results[largest][label]
        plan_time = next((line.strip() for line in r["slowest_query_plan"] if "Execution Time" in line), "")
        print(f"  {label:<16} {r['slowest_query_ms']:>6.1f} ms  {short(r['slowest_query'], 90)}  [{plan_time}]")
    print()
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "generated_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "database": redacted(url),
        "postgresql": server_version,
        "django": django.get_version(),
        "python": platform.python_version(),
        "runs_per_page": RUNS,
        "sizes": args.sizes,
        "load_seconds": {str(s): t for s, t in loads.items()},
        "results": {str(s): pages for s, pages in results.items()},
        "verdict": summary,
    }
    RESULTS_FILE.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"results written to {RESULTS_FILE.relative_to(ROOT)}")
    for line in warning_lines:
        print(line)
    if summary["no_repeated_statements"]:
        print("no statement is repeated within a request at any size (no N+1) ✓")
    print(summary["line"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
