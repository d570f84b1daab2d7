"""``manage.py train_intents``: rebuild the learned intent model.

* default: the corpus (``ai/data/intents``) plus the agents' corrections (``ai.IntentCorrection``, each
  counted ``CORRECTION_WEIGHT`` times), written to ``settings.INTENT_MODEL_PATH`` (default
  ``var/intent_model.joblib``), which the running processes pick up within a minute;
* ``--shipped``: the corpus alone, written to ``ai/data/intent_model.joblib`` (the model that ships);
* ``--check``: exits non-zero unless the shipped model is the one the corpus gives (the corpus hash in its
  metadata, then a retrain whose predictions on every corpus row must equal the shipped model's).

Prints the rows per intent and the cross-validated macro-F1 (``--folds 0`` skips it and keeps the shipped
model's temperature).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ai.local import learned


class Command(BaseCommand):
    help = "Rebuild the learned intent model from the corpus and the agents' corrections."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shipped", action="store_true",
                            help="Write the shipped model from the corpus alone (no corrections).")
        parser.add_argument("--check", action="store_true",
                            help="Fail unless the shipped model is the one the corpus gives.")
        parser.add_argument("--corpus", type=Path, default=learned.CORPUS_DIR, help="Corpus directory (*.jsonl).")
        parser.add_argument("--output", type=Path, default=None, help="Where to write the model.")
        parser.add_argument("--folds", type=int, default=learned.CV_FOLDS,
                            help="Cross-validation folds for the macro-F1 and the calibration (0: skip).")

    def handle(self, *args: Any, **options: Any) -> None:
        corpus = learned.load_corpus(options["corpus"])
        if not corpus:
            raise CommandError(f"No labelled rows in {options['corpus']}.")
        if options["check"]:
            self._check(corpus, options["output"] or learned.SHIPPED_PATH)
            return
        rows: list[dict[str, Any]] = list(corpus)
        corrections = 0
        if not options["shipped"]:
            from ai.models import IntentCorrection

            pairs = list(IntentCorrection.objects.order_by("created_at", "pk").values_list("text", "intent"))
            corrections = len(pairs)
            rows = learned.with_corrections(corpus, pairs)
        output: Path = options["output"] or (learned.SHIPPED_PATH if options["shipped"] else learned.deployment_path())
        counts = Counter(str(r["intent"]) for r in rows)
        self.stdout.write(f"{len(corpus)} corpus rows, {corrections} corrections (each x{learned.CORRECTION_WEIGHT})")
        for intent, count in sorted(counts.items()):
            self.stdout.write(f"  {intent:<17}{count:>5}")
        metadata: dict[str, Any] = {"corrections": corrections}
        temperature = None
        if options["folds"] >= 2:
            self.stdout.write(f"cross-validating ({options['folds']} folds)…")
            cv = learned.cross_validate(rows, folds=options["folds"])
            temperature = cv.temperature
            metadata.update(cv_macro_f1=round(cv.macro_f1, 4), cv_accuracy=round(cv.accuracy, 4))
            self.stdout.write(f"cross-validated macro-F1 {cv.macro_f1:.4f}  accuracy {cv.accuracy:.4f}  "
                              f"temperature {cv.temperature}")
        else:
            shipped = learned.IntentModel.load(learned.SHIPPED_PATH)
            temperature = shipped.temperature if shipped is not None else 1.0
        metadata["temperature"] = temperature
        self.stdout.write("training…")
        model = learned.train(rows, temperature=temperature, metadata=metadata)
        model.dump(output)
        learned.reload_model()
        self.stdout.write(self.style.SUCCESS(
            f"wrote {output} ({output.stat().st_size // 1024} KB, {model.metadata['features']} features, "
            f"corpus sha256 {model.metadata['corpus_sha256'][:12]})"))

    def _check(self, corpus: list[dict[str, str]], path: Path) -> None:
        shipped = learned.IntentModel.load(path)
        if shipped is None:
            raise CommandError(f"{path} is missing or unreadable; run `manage.py train_intents --shipped`.")
        expected = learned.corpus_hash(corpus)
        if shipped.metadata.get("corpus_sha256") != expected:
            raise CommandError(f"{path} was trained on another corpus (sha256 {shipped.metadata.get('corpus_sha256')}"
                               f", the corpus gives {expected}); run `manage.py train_intents --shipped`.")
        retrained = learned.train(corpus, temperature=shipped.temperature)
        differ = [r["text"] for r in corpus if retrained.predict(r["text"]) != shipped.predict(r["text"])]
        if differ:
            raise CommandError(f"{path} reads {len(differ)} corpus rows differently from a retrain "
                               f"(first: {differ[0][:60]!r}); run `manage.py train_intents --shipped`.")
        self.stdout.write(self.style.SUCCESS(
            f"{path.name} is the model the corpus gives ({len(corpus)} rows, sha256 {expected[:12]})."))
