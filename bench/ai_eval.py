"""Evaluation of the local analyzer (rules + learned intent model) that cannot flatter it, with latency.

Run it from the project root::

    .venv/bin/python bench/ai_eval.py             # corpus cross-validation, dev, heldout, blind (when present)
    .venv/bin/python bench/ai_eval.py --errors 20 # also print the first 20 misreadings of each set
    .venv/bin/python bench/ai_eval.py --without-blind  # while working on the analyzer

What it measures, each time next to the rules alone (the baseline, same run, same messages):

* **cross-validated** on the corpus ``ai/data/intents`` (stratified k folds, fixed seed): for each fold a model
  is trained on the other folds (its temperature fitted by an inner cross-validation of those folds only)
  and the combined analyzer reads the held-out fold;
* ``tests/ai/data/dev.jsonl`` (what the rules were tuned on) and ``tests/ai/data/heldout.jsonl`` (written
  after the rules' tuning stopped; never in the corpus), read with the shipped model;
* every ``tests/ai/data/heldout_blind*.jsonl`` that exists (``heldout_blind``, ``heldout_blind2``, …), each its
  own set named after its file: written by someone else, never read while the corpus or the thresholds were
  made. Read them last and never tune on them (``--without-blind`` skips them all).

For each: per-intent precision, recall, F1 and support, macro-F1 and accuracy, **complaint recall**, a
confusion matrix, calibration (expected calibration error of ``confidence``; how many messages fall under
the clarifying threshold and how often those were right), per-entity accuracy for the sets that label
entities, and the latency of ``analyze`` per message (p50, p99, max, after a warm-up) with a demo-like
catalog of about 60 ``CatalogItem`` s. Targets: macro-F1 >= 0.92 (cross-validated and held-out), complaint
recall >= 0.95, p99 <= 10 ms. A last line times a 200-word message against a 100-item catalog. Everything
is written to ``bench/results/ai_eval.json``. Exits 0 once measured.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from ai.decide import LOW_CONFIDENCE  # noqa: E402
from ai.local import DEFAULT_LEXICON, analyze, learned  # noqa: E402
from ai.local.evaluation import evaluate, load_rows  # noqa: E402
from ai.types import Analysis, CatalogItem, Intent  # noqa: E402

DATA = ROOT / "tests" / "ai" / "data"
RESULTS = ROOT / "bench" / "results" / "ai_eval.json"
OPERATORS = {"claro": ("Claro", 0), "movistar": ("Movistar", 5), "entel": ("Entel", -5), "bitel": ("Bitel", -15)}
LABELS = [i.value for i in Intent]
SHORT = {"greeting": "greet", "product_query": "prod", "price_query": "price", "stock_query": "stock",
         "coverage_query": "cover", "purchase_intent": "buy", "comparison": "compar", "price_objection": "object",
         "warranty_query": "warrant", "complaint": "COMPL", "support_issue": "support", "human_request": "human",
         "thanks_goodbye": "thanks", "other": "other"}
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


def _calibration(gold: list[str], results: list[Analysis]) -> dict:
    """Expected calibration error of ``confidence`` (10 bins) and the messages under the clarifying threshold."""
    pairs = [(r.confidence, r.intent.value == g) for g, r in zip(gold, results, strict=True)]
    ece = 0.0
    for low in [i / 10 for i in range(10)]:
        bin_ = [(c, ok) for c, ok in pairs if low < c <= low + 0.1 or (low == 0 and c == 0)]
        if bin_:
            ece += len(bin_) / len(pairs) * abs(sum(ok for _, ok in bin_) / len(bin_) - sum(c for c, _ in bin_)
                                                / len(bin_))
    under = [ok for c, ok in pairs if c < LOW_CONFIDENCE]
    over = [ok for c, ok in pairs if c >= LOW_CONFIDENCE]
    return {"ece": round(ece, 4), "under_threshold": len(under),
            "accuracy_under": round(sum(under) / len(under), 4) if under else None,
            "accuracy_over": round(sum(over) / len(over), 4) if over else None}


def _confusion(gold: list[str], got: list[str]) -> None:
    present = [label for label in LABELS if label in gold or label in got]
    print("confusion (rows: labelled, columns: read)")
    print(f"{'':>9}" + "".join(f"{SHORT[label]:>8}" for label in present))
    for label in present:
        row = [sum(1 for g, p in zip(gold, got, strict=True) if g == label and p == other) for other in present]
        print(f"{SHORT[label]:>9}" + "".join(f"{v if v else '.':>8}" for v in row))


def report(name: str, rows: list[dict], read: Callable[[int, str], Analysis], baseline: Callable[[str], Analysis],
           show_errors: int, *, entities: bool) -> dict:
    """Read every row with the combined analyzer (``read(index, text)``) and with the rules alone; print both."""
    results: list[Analysis] = []

    def timed(text: str, index: list[int] = [0]) -> Analysis:  # noqa: B006  (a counter for ``read``)
        result = read(index[0], text)
        index[0] += 1
        results.append(result)
        return result

    combined = evaluate(rows, timed, clock=time.perf_counter)
    rules = evaluate(rows, baseline, clock=time.perf_counter)
    gold = [r["intent"] for r in rows]
    got = [r.intent.value for r in results]
    lat = combined.latencies_ms
    print(f"\n=== {name} ({combined.total} messages) ===")
    print(f"{'intent':<17}{'prec':>7}{'recall':>8}{'f1':>7}{'support':>9}{'rules f1':>10}")
    for intent, m in combined.per_intent.items():
        base = rules.per_intent.get(intent, {}).get("f1", 0.0)
        print(f"{intent:<17}{m['precision']:>7.2f}{m['recall']:>8.2f}{m['f1']:>7.2f}{int(m['support']):>9}"
              f"{base:>10.2f}")
    complaint = combined.per_intent.get("complaint", {})
    rules_complaint = rules.per_intent.get("complaint", {})
    print(f"macro-F1 {combined.macro_f1:.3f}   accuracy {combined.accuracy:.3f}")
    print(f">>> COMPLAINT RECALL {complaint.get('recall', 0.0):.3f}  (precision {complaint.get('precision', 0.0):.3f}"
          f", {int(complaint.get('support', 0))} complaints; target >= 0.95)")
    print(f"baseline, rules only: macro-F1 {rules.macro_f1:.3f}   accuracy {rules.accuracy:.3f}   "
          f"complaint recall {rules_complaint.get('recall', 0.0):.3f}")
    _confusion(gold, got)
    calibration = _calibration(gold, results)
    print(f"calibration: ECE {calibration['ece']:.3f}; {calibration['under_threshold']} messages under the "
          f"clarifying threshold {LOW_CONFIDENCE} (right {calibration['accuracy_under']}), "
          f"the rest right {calibration['accuracy_over']}")
    if entities:
        print(f"{'entity':<14}{'labelled':>9}{'correct':>9}{'accuracy':>10}{'false+':>8}")
        for key, m in combined.entities.items():
            print(f"{key:<14}{int(m['labelled']):>9}{int(m['correct']):>9}{m['accuracy']:>10.2f}"
                  f"{int(m['false_positives']):>8}")
    p50, p99, worst = _percentile(lat, 50), _percentile(lat, 99), max(lat or [0.0])
    print(f"latency per message (ms, rules + model, {len(CATALOG)}-item catalog): p50 {p50:.3f}  p99 {p99:.3f}  "
          f"max {worst:.3f}")
    base_p50, base_p99 = _percentile(rules.latencies_ms, 50), _percentile(rules.latencies_ms, 99)
    print(f"baseline, rules only, same run: p50 {base_p50:.3f}  p99 {base_p99:.3f}  "
          f"(rules + model / rules only: p50 {p50 / base_p50 if base_p50 else 0:.2f}x, "
          f"p99 {p99 / base_p99 if base_p99 else 0:.2f}x)")
    shown = [e for e in combined.errors if e["intent"] != e["got"]][:show_errors]
    for error in shown:
        print(f"  - [{error['intent']} -> {error['got']}] {error['text'][:90]!r}")
    return {"messages": combined.total, "macro_f1": round(combined.macro_f1, 4),
            "accuracy": round(combined.accuracy, 4), "complaint_recall": round(complaint.get("recall", 0.0), 4),
            "rules_only": {"macro_f1": round(rules.macro_f1, 4), "accuracy": round(rules.accuracy, 4),
                           "complaint_recall": round(rules_complaint.get("recall", 0.0), 4)},
            "per_intent": {k: {m: round(v, 4) for m, v in d.items()} for k, d in combined.per_intent.items()},
            "confusion": {g: {p: sum(1 for a, b in zip(gold, got, strict=True) if a == g and b == p)
                              for p in LABELS if any(a == g and b == p for a, b in zip(gold, got, strict=True))}
                          for g in LABELS if g in gold},
            "calibration": calibration,
            "entities": ({k: {m: round(v, 4) for m, v in d.items()} for k, d in combined.entities.items()}
                         if entities else {}),
            "latency_ms": {"p50": round(p50, 4), "p99": round(p99, 4), "max": round(worst, 4),
                           "rules_only_p50": round(base_p50, 4), "rules_only_p99": round(base_p99, 4)}}


def cross_validated(folds: int, show_errors: int) -> dict:
    """k folds of the corpus: a model per fold trained on the others, the combined analyzer on the fold."""
    from sklearn.model_selection import StratifiedKFold

    rows = learned.load_corpus()
    labels = [r["intent"] for r in rows]
    fold_of: dict[int, learned.IntentModel] = {}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=learned.RANDOM_STATE)
    order: list[int] = []
    print(f"training {folds} fold models (each calibrated by an inner {folds}-fold cross-validation)…", flush=True)
    for train_idx, test_idx in splitter.split(rows, labels):
        train_rows = [rows[i] for i in train_idx]
        inner = learned.cross_validate(train_rows, folds=folds)
        model = learned.train(train_rows, temperature=inner.temperature)
        for i in test_idx:
            fold_of[i] = model
        order.extend(int(i) for i in test_idx)
    ordered = [rows[i] for i in order]
    for i in order[:50]:
        analyze(rows[i]["text"], catalog=CATALOG, model=fold_of[i])
    return report(f"cross-validated, {folds} folds: ai/data/intents", ordered,
                  lambda k, text: analyze(text, catalog=CATALOG, model=fold_of[order[k]]),
                  lambda text: analyze(text, catalog=CATALOG, rules_only=True), show_errors, entities=False)


def labelled_set(name: str, path: Path, show_errors: int) -> dict:
    rows = load_rows(path)
    for row in rows[:50]:  # warm-up: compiled lexicon, regex caches, the model
        analyze(row["text"], catalog=CATALOG)
    return report(f"{name}: {path.relative_to(ROOT)}", rows, lambda _k, text: analyze(text, catalog=CATALOG),
                  lambda text: analyze(text, catalog=CATALOG, rules_only=True), show_errors,
                  entities=any("entities" in row for row in rows))  # a set that labels no entity scores none


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


def blind_sets() -> list[str]:
    """Names of the blind held-out sets present (``heldout_blind``, ``heldout_blind2``, …), in natural order."""
    def key(name: str) -> tuple[int, str]:
        suffix = name.removeprefix("heldout_blind")
        return (int(suffix), "") if suffix.isdigit() else (0 if not suffix else 10**9, suffix)

    return sorted((p.stem for p in DATA.glob("heldout_blind*.jsonl")), key=key)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=0, help="print the first N misread messages of each set")
    parser.add_argument("--folds", type=int, default=learned.CV_FOLDS, help="cross-validation folds")
    parser.add_argument("--without-blind", action="store_true",
                        help="leave the blind held-out sets unread (while working on the analyzer: never tune on it)")
    args = parser.parse_args()
    DEFAULT_LEXICON.compiled  # noqa: B018  (build the regexes before timing)
    model = learned.current_model()
    print(f"model: {learned.SHIPPED_PATH.relative_to(ROOT)} (corpus sha256 "
          f"{(model.metadata.get('corpus_sha256', '') if model else '')[:12]}, "
          f"{model.metadata.get('rows') if model else 0} rows, temperature {model.temperature if model else '-'})")
    results: dict = {"catalog_items": len(CATALOG)}
    results["cross_validated"] = cross_validated(args.folds, args.errors)
    blind = [] if args.without_blind else blind_sets()
    for name in ("dev", "heldout", *blind):
        path = DATA / f"{name}.jsonl"
        if path.exists():
            results[name] = labelled_set(name, path, args.errors)
    results["long_message"] = long_message_latency(CATALOG)
    print("\n=== summary (targets: macro-F1 >= 0.92, complaint recall >= 0.95, p99 <= 10 ms) ===")
    for name in ("cross_validated", "dev", "heldout", *blind):
        if name in results:
            r = results[name]
            print(f"{name:<16} macro-F1 {r['macro_f1']:.3f} (rules only {r['rules_only']['macro_f1']:.3f})  "
                  f"complaint recall {r['complaint_recall']:.3f} (rules only {r['rules_only']['complaint_recall']:.3f})"
                  f"  p99 {r['latency_ms']['p99']:.2f} ms (rules only {r['latency_ms']['rules_only_p99']:.2f})")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten {RESULTS.relative_to(ROOT)}")
    return 0


CATALOG = demo_catalog()


if __name__ == "__main__":
    sys.exit(main())
