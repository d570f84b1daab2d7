"""Scoring the analyzer against labelled messages (JSON lines), in plain Python.

A row: ``{"text", "intent", "country", "entities": {...only the entities present...}}``; budgets as
``{"amount": "80", "currency": "PEN"}``. Strings are compared accent- and case-folded (an address on its
words only), budgets on amount and currency, numbers and ``urgency`` exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ai.types import Analysis, Entities, Intent
from core.text import fold

ENTITY_KEYS = ("service_type", "operator", "capacity_gb", "color", "speed_mbps", "data_gb", "quantity", "budget",
               "zone", "address", "name", "email", "phone", "urgency")


def load_rows(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _words(value: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(value)))


def entity_matches(key: str, expected: Any, entities: Entities) -> bool:
    got = getattr(entities, key)
    if key == "budget":
        if got is None:
            return False
        return got.amount == Decimal(str(expected["amount"])) and got.currency == expected.get("currency", "")
    if key in {"capacity_gb", "speed_mbps", "data_gb", "quantity"}:
        return got == int(expected)
    if key == "urgency":
        return bool(got) == bool(expected)
    return _words(str(got)) == _words(str(expected))


def entity_present(key: str, entities: Entities) -> bool:
    value = getattr(entities, key)
    return value not in ("", None, False, ())


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    macro_f1: float = 0.0
    accuracy: float = 0.0
    entities: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)


def evaluate(rows: Iterable[dict[str, Any]], analyze: Callable[[str], Analysis],
             clock: Callable[[], float] | None = None) -> Report:
    report = Report()
    tp: dict[str, int] = {}
    fp: dict[str, int] = {}
    fn: dict[str, int] = {}
    support: dict[str, int] = {}
    ent_total = dict.fromkeys(ENTITY_KEYS, 0)
    ent_ok = dict.fromkeys(ENTITY_KEYS, 0)
    ent_fp = dict.fromkeys(ENTITY_KEYS, 0)
    for row in rows:
        started = clock() if clock else 0.0
        result = analyze(row["text"])
        if clock:
            report.latencies_ms.append((clock() - started) * 1000)
        gold, got = row["intent"], result.intent.value
        report.total += 1
        support[gold] = support.get(gold, 0) + 1
        if gold == got:
            report.correct += 1
            tp[gold] = tp.get(gold, 0) + 1
        else:
            fp[got] = fp.get(got, 0) + 1
            fn[gold] = fn.get(gold, 0) + 1
        wrong: dict[str, Any] = {}
        labelled = row.get("entities", {})
        for key in ENTITY_KEYS:
            if key in labelled:
                ent_total[key] += 1
                if entity_matches(key, labelled[key], result.entities):
                    ent_ok[key] += 1
                else:
                    wrong[key] = (labelled[key], str(getattr(result.entities, key)))
            elif entity_present(key, result.entities):
                ent_fp[key] += 1
                wrong[key] = (None, str(getattr(result.entities, key)))
        if gold != got or wrong:
            report.errors.append({"text": row["text"], "intent": gold, "got": got, "entities": wrong})
    f1s = []
    for intent in [i.value for i in Intent]:
        if intent not in support and intent not in fp:
            continue
        t, p, n = tp.get(intent, 0), fp.get(intent, 0), fn.get(intent, 0)
        precision = t / (t + p) if t + p else 0.0
        recall = t / (t + n) if t + n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report.per_intent[intent] = {"precision": precision, "recall": recall, "f1": f1,
                                     "support": support.get(intent, 0)}
        if support.get(intent):
            f1s.append(f1)
    report.macro_f1 = sum(f1s) / len(f1s) if f1s else 0.0
    report.accuracy = report.correct / report.total if report.total else 0.0
    for key in ENTITY_KEYS:
        report.entities[key] = {"labelled": ent_total[key], "correct": ent_ok[key],
                                "accuracy": ent_ok[key] / ent_total[key] if ent_total[key] else 0.0,
                                "false_positives": ent_fp[key]}
    return report
