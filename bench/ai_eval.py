"""Evaluation of the local (rule-based) analyzer on the labelled messages, with latency.

Run it from the project root::

    .venv/bin/python bench/ai_eval.py            # dev and heldout
    .venv/bin/python bench/ai_eval.py --errors 30 # also print the first 30 misreadings of each set

Datasets: ``tests/ai/data/dev.jsonl`` (what the rules were tuned on) and ``tests/ai/data/heldout.jsonl``
(written after tuning stopped: the honest figure). For each it prints per-intent precision, recall, F1 and
support, macro-F1 and accuracy; per-entity accuracy (exact match on the entities a row labels) and false
positives (an entity found where the row labels none); and the latency of ``analyze`` per message (p50,
p99, max, after a warm-up) with a demo-like catalog of about 60 ``CatalogItem`` s. A last line times a
200-word message against a 100-item catalog. Everything is written to ``bench/results/ai_eval.json``.
Exits 0 once measured.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from ai.local import DEFAULT_LEXICON, analyze  # noqa: E402
from ai.local.evaluation import evaluate, load_rows  # noqa: E402
from ai.types import CatalogItem  # noqa: E402

DATA = ROOT / "tests" / "ai" / "data"
RESULTS = ROOT / "bench" / "results" / "ai_eval.json"
OPERATORS = {"claro": ("Claro", 0), "movistar": ("Movistar", 5), "entel": ("Entel", -5), "bitel": ("Bitel", -15)}


def demo_catalog() -> list[CatalogItem]:
    """The seed_demo catalog as the caller would pass it: plans per operator, phones, accessories."""
    items: list[CatalogItem] = []
    for slug, (name, offset) in OPERATORS.items():
        code = slug[:3].upper()
        for mbps, price in ((50, 69), (100, 89), (200, 119)):
            items.append(CatalogItem(f"{code}-HOG-{mbps}", f"Internet Hogar {mbps} Mbps {name}",
                                     Decimal(price + offset), "PEN", None, "internet_home", slug,
                                     attributes={"speed_mbps": mbps}))
        for gb, price in ((10, "29.9"), (20, "39.9")):
            items.append(CatalogItem(f"{code}-MOV-{gb}GB", f"Plan Móvil {gb} GB {name}", Decimal(price) + offset,
                                     "PEN", None, "mobile", slug, attributes={"data_gb": gb}))
        items.append(CatalogItem(f"{code}-TV-CABLE", f"TV Cable Digital {name}", Decimal(59 + offset), "PEN", None,
                                 "tv", slug))
        items.append(CatalogItem(f"{code}-COMBO-100-TV", f"Combo Internet 100 Mbps + TV {name}",
                                 Decimal(129 + offset), "PEN", None, "combo", slug, attributes={"speed_mbps": 100}))
    for model, base, colours, code in (("iPhone 15", 3799, ["Negro", "Azul", "Rosado"], "IP15"),
                                       ("iPhone 15 Pro", 4999, ["Titanio Natural", "Titanio Negro"], "IP15P")):
        for capacity, extra in ((128, 0), (256, 600), (512, 1600)):
            for colour in colours:
                items.append(CatalogItem(f"{code}-{capacity}-{colour[:3].upper()}{len(colour)}",
                                         f"{model} {capacity} GB {colour}", Decimal(base + extra), "PEN", 5,
                                         "device", attributes={"capacity_gb": capacity, "color": colour}))
    for name, capacity, price in (("Samsung Galaxy A55", 128, 1499), ("Samsung Galaxy A55", 256, 1699),
                                  ("Samsung Galaxy S24", 256, 3599), ("Xiaomi Redmi Note 13", 256, 899),
                                  ("Motorola Moto G84", 256, 999)):
        items.append(CatalogItem(f"{name.split()[-1].upper()}-{capacity}", f"{name} {capacity} GB", Decimal(price),
                                 "PEN", 8, "device", attributes={"capacity_gb": capacity, "color": "Negro"}))
    for sku, name, price in (("ACC-CARG-20W", "Cargador USB-C 20W", 89), ("ACC-CARG-45W", "Cargador Súper Rápido 45W",
                             129), ("ACC-CABLE-USBC", "Cable USB-C a USB-C 1 m", 39),
                             ("ACC-CASE-IP15", "Case de silicona iPhone 15", 59),
                             ("ACC-CASE-IP15P", "Case de silicona iPhone 15 Pro", 59),
                             ("ACC-MICA-IP15", "Protector de pantalla iPhone 15", 29),
                             ("ACC-AUD-BT", "Audífonos inalámbricos Bluetooth", 149)):
        items.append(CatalogItem(sku, name, Decimal(price), "PEN", 20, "accessory"))
    return items


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def run_set(name: str, path: Path, catalog: list[CatalogItem], show_errors: int) -> dict:
    rows = load_rows(path)
    for row in rows[:50]:  # warm-up: compiled lexicon, regex caches
        analyze(row["text"], catalog=catalog)
    report = evaluate(rows, lambda text: analyze(text, catalog=catalog), clock=time.perf_counter)
    lat = report.latencies_ms
    print(f"\n=== {name}: {path.relative_to(ROOT)} ({report.total} messages) ===")
    print(f"{'intent':<17}{'prec':>7}{'recall':>8}{'f1':>7}{'support':>9}")
    for intent, m in report.per_intent.items():
        print(f"{intent:<17}{m['precision']:>7.2f}{m['recall']:>8.2f}{m['f1']:>7.2f}{int(m['support']):>9}")
    print(f"macro-F1 {report.macro_f1:.3f}   accuracy {report.accuracy:.3f}")
    print(f"{'entity':<14}{'labelled':>9}{'correct':>9}{'accuracy':>10}{'false+':>8}")
    for key, m in report.entities.items():
        print(f"{key:<14}{int(m['labelled']):>9}{int(m['correct']):>9}{m['accuracy']:>10.2f}"
              f"{int(m['false_positives']):>8}")
    p50, p99, worst = _percentile(lat, 50), _percentile(lat, 99), max(lat or [0.0])
    print(f"latency per message (ms, {len(catalog)}-item catalog): p50 {p50:.3f}  p99 {p99:.3f}  max {worst:.3f}")
    for error in report.errors[:show_errors]:
        print(f"  - [{error['intent']} -> {error['got']}] {error['text'][:90]!r} {error['entities'] or ''}")
    return {"messages": report.total, "macro_f1": round(report.macro_f1, 4), "accuracy": round(report.accuracy, 4),
            "per_intent": {k: {m: round(v, 4) for m, v in d.items()} for k, d in report.per_intent.items()},
            "entities": {k: {m: round(v, 4) for m, v in d.items()} for k, d in report.entities.items()},
            "latency_ms": {"p50": round(p50, 4), "p99": round(p99, 4), "max": round(worst, 4)},
            "errors": len(report.errors)}


def long_message_latency(catalog: list[CatalogItem]) -> dict:
    big = catalog + [CatalogItem(f"X-{i}", f"{item.name} Edición {i}", item.price, item.currency, item.stock,
                                 item.category, item.operator, attributes=dict(item.attributes))
                     for i, item in enumerate(catalog)]
    big = big[:100]
    sentence = ("Hola buenas tardes, soy Rocío de San Juan de Lurigancho, quería saber cuánto cuesta el iphone 15 pro "
                "de 256 en titanio negro y si tienen stock, también el cargador de 20w, mi presupuesto es S/ 5000, "
                "el internet de claro está lentísimo y nadie me responde, ")
    words = sentence.split()
    text = " ".join((words * (200 // len(words) + 1))[:200])
    for _ in range(20):
        analyze(text, catalog=big)
    times = []
    for _ in range(200):
        started = time.perf_counter()
        analyze(text, catalog=big)
        times.append((time.perf_counter() - started) * 1000)
    result = {"words": 200, "catalog": len(big), "p50": round(_percentile(times, 50), 4),
              "p99": round(_percentile(times, 99), 4), "max": round(max(times), 4)}
    print(f"\n200-word message, {len(big)}-item catalog: p50 {result['p50']:.3f} ms  p99 {result['p99']:.3f} ms  "
          f"max {result['max']:.3f} ms")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=0, help="print the first N misread messages of each set")
    args = parser.parse_args()
    catalog = demo_catalog()
    DEFAULT_LEXICON.compiled  # noqa: B018  (build the regexes before timing)
    results = {"catalog_items": len(catalog)}
    for name in ("dev", "heldout"):
        path = DATA / f"{name}.jsonl"
        if path.exists():
            results[name] = run_set(name, path, catalog, args.errors)
    results["long_message"] = long_message_latency(catalog)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
