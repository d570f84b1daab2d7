"""Benchmark of the streamed Excel export: time and peak memory exporting 10k and 100k sales.

Run it from the project root::

    .venv/bin/python bench/exports.py                       # sizes 10000,100000 on a SQLite file
    .venv/bin/python bench/exports.py --sizes 10000
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_exports .venv/bin/python bench/exports.py

The database is its own: by default a SQLite file in the temp directory, deleted and re-created at each
start; with ``BENCH_DATABASE_URL`` a PostgreSQL database whose name must contain ``bench`` (it is
dropped and re-created). For each size N the sales table is topped up to N rows with ``bulk_create``
(batches of 5,000) and the ``sales`` export (every column) is written, as ``export_report`` does, to a
temporary .xlsx:

* once plain, for the wall time and the process RSS (current and the kernel's high-water mark);
* once under ``tracemalloc``, for the peak of Python allocations during the export.

What it shows: the export streams (``.values().iterator(chunk_size=2000)`` into an openpyxl write-only
workbook), so the tracemalloc peak stays about the same whether 10k or 100k rows are written, while
the time grows linearly. It prints the figures (and writes ``bench/results/exports.json``) and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5000


def configure(url: str | None) -> str:
    if url:
        name = urlsplit(url).path.lstrip("/")
        if "bench" not in name:
            sys.exit(f"refusing database {name!r}: its name must contain 'bench'")
    else:
        path = Path(tempfile.gettempdir()) / "crm_bench_exports.sqlite3"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = url
    os.environ["SECRET_KEY"] = "bench-not-a-secret"
    os.environ["DEBUG"] = "0"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    return url


def recreate_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def rss_kb() -> tuple[int, int]:
    """(current RSS, peak RSS) of this process in KiB, from /proc (0, 0 where unavailable)."""
    current = peak = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1])
    except OSError:
        pass
    return current, peak


def top_up(n: int, *, agent: Any, contacts: list[Any]) -> None:
    from django.utils import timezone

    from sales.models import Sale

    have = Sale.objects.count()
    now = timezone.now()
    statuses = ["validated", "validated", "validated", "pending_validation", "cancelled"]
    for start in range(have, n, BATCH):
        rows = [
            Sale(
                number=f"B-{i:08d}",
                contact=contacts[i % len(contacts)],
                agent=agent,
                status=statuses[i % len(statuses)],
                payment_method="card",
                total=Decimal(100 + i % 900) + Decimal("0.90"),
                sold_at=now - timedelta(minutes=i),
            )
            for i in range(start, min(n, start + BATCH))
        ]
        Sale.objects.bulk_create(rows)


def export_once(*, traced: bool) -> dict[str, Any]:
    from reports.exports import ExportParams, export_get, export_validate, export_write

    definition = export_get("sales")
    params = export_validate(definition, ExportParams(columns=tuple(c.key for c in definition.columns)))
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        rows = export_write(definition, params, user=None, handle=handle)
        elapsed = time.perf_counter() - started
        peak = 0
        if traced:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        size = handle.tell()
    return {"rows": rows, "seconds": round(elapsed, 3), "tracemalloc_peak_kib": peak // 1024,
            "file_kib": size // 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated row counts (ascending)")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())

    url = configure(os.environ.get("BENCH_DATABASE_URL"))
    if url.startswith("postgres"):
        recreate_postgres(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Role, User
    from leads.models import Contact

    print(f"database: {connection.vendor} ({urlsplit(url).path})")
    call_command("migrate", verbosity=0)
    agent = User.objects.create(username="bench-agent", role=Role.AGENT, first_name="Bench", last_name="Agent")
    Contact.objects.bulk_create(
        [Contact(name=f"Cliente {i}", phone=f"+5190{i:07d}") for i in range(1000)], batch_size=BATCH
    )
    contacts = list(Contact.objects.order_by("pk"))

    results = []
    print(f"{'rows':>8} {'seconds':>8} {'rows/s':>8} {'py peak KiB':>12} {'RSS KiB':>9} {'RSS peak KiB':>13} "
          f"{'file KiB':>9}")
    for n in sizes:
        seeded = time.perf_counter()
        top_up(n, agent=agent, contacts=contacts)
        seed_seconds = time.perf_counter() - seeded
        plain = export_once(traced=False)
        current, peak = rss_kb()
        traced = export_once(traced=True)
        row = {"size": n, **plain, "tracemalloc_peak_kib": traced["tracemalloc_peak_kib"],
               "rss_kib": current, "rss_peak_kib": peak, "seed_seconds": round(seed_seconds, 1)}
        results.append(row)
        rate = int(n / plain["seconds"]) if plain["seconds"] else 0
        print(f"{n:>8} {plain['seconds']:>8.2f} {rate:>8} {row['tracemalloc_peak_kib']:>12} {current:>9} "
              f"{peak:>13} {plain['file_kib']:>9}")
    if len(results) > 1:
        first, last = results[0], results[-1]
        ratio = last["tracemalloc_peak_kib"] / max(1, first["tracemalloc_peak_kib"])
        print(f"rows x{last['size'] / first['size']:.0f}: time x{last['seconds'] / max(first['seconds'], 1e-9):.1f}, "
              f"Python peak memory x{ratio:.2f} (flat when close to 1)")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "exports.json").write_text(json.dumps({"database": connection.vendor, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
