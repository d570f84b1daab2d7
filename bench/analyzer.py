"""Speed of the local analyzer (``ai.local.analyze``) per message, next to a bare baseline from the same run.

Run it from the project root (no database, no services)::

    .venv/bin/python bench/analyzer.py
    .venv/bin/python bench/analyzer.py --rounds 10 --catalog 200

DESIGN.md promises the local provider answers "well under 50 ms" a message. Wall-clock time depends on the
machine and on what else runs on it, so the test suite does not assert it; this script measures it instead.
Two loads, each timed message by message with ``time.perf_counter_ns`` after a warm-up:

- ``messages``: every labelled customer message of ``tests/ai/data/*.jsonl`` (short, real Spanish), with a
  catalog of ``--catalog`` items, ``--rounds`` times over;
- ``long``: one 12-sentence message (about 200 words) with the same catalog, ``--long-runs`` times (the case
  the test suite used to time).

Each load is also run through a bare baseline, a trivial regex (lower-case, split into words, look for a
price word) over the same texts, so a slow figure can be told apart from a slow machine: the ratio
analyzer/baseline moves with the code, the raw milliseconds move with the machine. Prints median, p95 and
max in ms per message. Exits 0 once measured.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ai.local import DEFAULT_LEXICON, analyze  # noqa: E402
from ai.local.evaluation import load_rows  # noqa: E402
from ai.types import CatalogItem  # noqa: E402

DATA = ROOT / "tests" / "ai" / "data"
LONG_SENTENCE = "hola soy Rocío de Surco, cuanto cuesta el iphone 15 pro de 256 en negro y el cargador?"
_WORD = re.compile(r"\w+")
_PRICE = re.compile(r"\b(precio|cuesta|cu[aá]nto|sale)\b")


def catalog(size: int) -> list[CatalogItem]:
    """Phones in capacities and colours, accessories and home internet plans, repeated up to ``size`` items."""
    base: list[CatalogItem] = []
    for model, colours in (("iPhone 15", ["Negro", "Azul"]), ("iPhone 15 Pro", ["Titanio Natural", "Titanio Negro"])):
        for capacity in (128, 256):
            for colour in colours:
                base.append(CatalogItem(f"{model}-{capacity}-{colour}", f"{model} {capacity} GB {colour}",
                                        Decimal(4000), "PEN", 3, "device",
                                        attributes={"capacity_gb": capacity, "color": colour}))
    base.append(CatalogItem("case-15p", "Case de silicona iPhone 15 Pro", Decimal(59), "PEN", 9, "accessory"))
    base.append(CatalogItem("cargador", "Cargador USB-C 20W", Decimal(89), "PEN", 9, "accessory"))
    for operator, price in (("claro", 119), ("movistar", 124)):
        base.append(CatalogItem(f"hog-200-{operator}", f"Internet Hogar 200 Mbps {operator.title()}", Decimal(price),
                                "PEN", None, "internet_home", operator, attributes={"speed_mbps": 200}))
    return [base[i % len(base)] for i in range(size)]


def baseline(text: str) -> bool:
    """The bare minimum any reading of a message costs: fold case, split into words, one keyword search."""
    folded = text.lower()
    return bool(_WORD.findall(folded)) and _PRICE.search(folded) is not None


def timed_ms(fn: Callable[[str], object], texts: Sequence[str], rounds: int) -> list[float]:
    for text in texts[:50]:  # warm-up: compiled lexicon, regex caches
        fn(text)
    times: list[float] = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter_ns()
            fn(text)
            times.append((time.perf_counter_ns() - started) / 1e6)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94] if len(values) > 1 else values[0]


def report(label: str, analyzer: list[float], bare: list[float]) -> None:
    a_med, b_med = statistics.median(analyzer), statistics.median(bare)
    print(f"{label}")
    print(f"  analyzer  median {a_med:8.3f} ms   p95 {p95(analyzer):8.3f} ms   max {max(analyzer):8.3f} ms"
          f"   ({len(analyzer)} timings)")
    print(f"  baseline  median {b_med:8.3f} ms   p95 {p95(bare):8.3f} ms   max {max(bare):8.3f} ms")
    print(f"  analyzer / baseline (medians): {a_med / b_med if b_med else float('inf'):.0f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the labelled messages (default 5)")
    parser.add_argument("--catalog", type=int, default=100, help="catalog items given to analyze (default 100)")
    parser.add_argument("--long-runs", type=int, default=200, help="timings of the long message (default 200)")
    args = parser.parse_args()

    items = catalog(args.catalog)
    texts = [row["text"] for name in ("dev", "heldout") if (DATA / f"{name}.jsonl").exists()
             for row in load_rows(DATA / f"{name}.jsonl")]
    DEFAULT_LEXICON.compiled  # noqa: B018  (build the regexes before timing)

    def read(text: str) -> object:
        return analyze(text, catalog=items)

    print(f"local analyzer, {args.catalog}-item catalog, Python {sys.version.split()[0]}")
    report(f"messages: {len(texts)} labelled customer messages x {args.rounds} rounds",
           timed_ms(read, texts, args.rounds), timed_ms(baseline, texts, args.rounds))
    long_text = " ".join([LONG_SENTENCE] * 12)
    report(f"long: one {len(long_text.split())}-word message x {args.long_runs}",
           timed_ms(read, [long_text], args.long_runs), timed_ms(baseline, [long_text], args.long_runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
