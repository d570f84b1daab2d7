"""How often the local pre-scoring rules give the analyst's answer, on a held-out set.

Run it from the project root::

    .venv/bin/python bench/quality_prescoring.py           # agreement per criterion and overall
    .venv/bin/python bench/quality_prescoring.py --errors  # also every disagreement

``tests/quality/data/prescoring_heldout.jsonl``: its first line is a 6-criterion scorecard, the others 30 short
Spanish calls with an analyst's answers, written before the local rules were, and never tuned on. Agreement is
the share of (call, criterion) pairs where the proposed answer equals the analyst's — the figure the audit
page tracks as "agreement with the AI" — next to a trivial baseline that always proposes the top mark
("yes" or "5"). A blank proposal (nothing to go on) counts as a disagreement. Also: agreement on the
proposals the rules were confident of (confidence >= 0.5) and how many those were.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ai.quality.local import prescore_local  # noqa: E402
from ai.quality.types import SCALE_1_5, CriterionSpec, Line  # noqa: E402

DATA = ROOT / "tests" / "quality" / "data" / "prescoring_heldout.jsonl"


def load() -> tuple[list[CriterionSpec], list[dict]]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    specs = [CriterionSpec(id=c["id"], text=c["text"], answer_type=c["answer_type"], allow_na=c.get("allow_na", False),
                           is_critical=c.get("is_critical", False), keywords=tuple(c.get("keywords", ())),
                           negative_keywords=tuple(c.get("negative_keywords", ())), speaker=c.get("speaker", ""))
             for c in rows[0]["matrix"]]
    return specs, rows[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="print every disagreement")
    args = parser.parse_args()
    specs, calls = load()
    per = defaultdict(lambda: [0, 0, 0])  # criterion -> [rules agree, baseline agree, total]
    confident = [0, 0]
    errors = []
    for call in calls:
        lines = [Line(index=i, speaker=x["speaker"], text=x["text"], start=x.get("start"))
                 for i, x in enumerate(call["lines"])]
        for spec, proposal in zip(specs, prescore_local(specs, lines), strict=True):
            truth = call["answers"][spec.id]
            baseline = "5" if spec.answer_type == SCALE_1_5 else "yes"
            row = per[spec.id]
            row[0] += proposal.answer == truth
            row[1] += baseline == truth
            row[2] += 1
            if proposal.confidence >= 0.5:
                confident[0] += proposal.answer == truth
                confident[1] += 1
            if proposal.answer != truth:
                errors.append(f"{call['id']} {spec.id}: proposed {proposal.answer or '-'} "
                              f"({proposal.confidence}), analyst {truth} — {proposal.reason}")
    print(f"{len(calls)} calls x {len(specs)} criteria = {len(calls) * len(specs)} answers ({DATA.name})")
    print(f"{'criterion':<12} {'type':<15} {'rules':>7} {'always-yes':>11}")
    total = [0, 0, 0]
    for spec in specs:
        agree, base, n = per[spec.id]
        total = [total[0] + agree, total[1] + base, total[2] + n]
        print(f"{spec.id:<12} {spec.answer_type:<15} {100 * agree / n:6.1f}% {100 * base / n:10.1f}%")
    print(f"{'overall':<28} {100 * total[0] / total[2]:6.1f}% {100 * total[1] / total[2]:10.1f}%"
          f"   ({total[0]}/{total[2]} vs {total[1]}/{total[2]})")
    if confident[1]:
        share = 100 * confident[0] / confident[1]
        print(f"confident proposals (>= 0.5): {confident[1]}/{total[2]}, agreeing {share:.1f}%")
    if args.errors:
        print("\n".join(errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
