"""The learned intent model: TF-IDF word and character n-grams, a logistic regression, a calibrated temperature.

It sits beside the rules (``ai.local.analyzer`` combines both). Training is a pure function of labelled rows
(``train``: rows in, fitted model out, deterministic); the corpus it ships with is ``ai/data/intents/*.jsonl``
(one row per message: ``{"text", "intent", "country"}``) and the shipped model ``ai/data/intent_model.joblib``
(``manage.py train_intents --shipped`` writes it, ``--check`` proves it is the one the corpus gives).

A deployment retrains with its agents' corrections into ``settings.INTENT_MODEL_PATH`` (default
``var/intent_model.joblib``); when that file exists it is read instead of the shipped one, and its
modification time is looked at no more than once a minute so a retrain is picked up without a restart.

Confidence: the model's probabilities are divided by a temperature fitted on cross-validated predictions
(out-of-fold, so the model's confidence in its own training rows does not flatter it). The arrays needed to
read a message are kept outside scikit-learn's pipeline, so reading one message costs a few dictionary
lookups and one small matrix product (well under a millisecond); scikit-learn is only imported to train.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ai.local.lexicon import DEFAULT_LEXICON
from ai.local.normalize import normalize

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CORPUS_DIR = DATA_DIR / "intents"
SHIPPED_PATH = DATA_DIR / "intent_model.joblib"
FORMAT = 1  # bump when ``prepare`` or the stored arrays change: an older artifact is then ignored
RANDOM_STATE = 0
SVM_C = 0.5
CV_FOLDS = 5
CORRECTION_WEIGHT = 8  # one agent's correction counts as this many corpus rows
RECHECK_SECONDS = 60.0
MODEL_CHARS = 600  # the longest corpus message has 187 characters

_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_WORD_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_WORD_NGRAMS = (1, 2)
_CHAR_NGRAMS = (2, 5)


def prepare(text: str) -> str:
    """What the model reads: the rules' normalised words (accents folded, chat spellings expanded), a marker
    for a question mark and one token per emoji (an angry face says something the words may not)."""
    norm = normalize(text or "", DEFAULT_LEXICON.compiled.spellings)
    extra = [f"emo{ord(ch):x}" for ch in _EMOJI.findall(text or "")]
    if "?" in (text or ""):
        extra.append("qmark")
    return " ".join((norm.text.strip(), *extra)).strip()


def _head_and_tail(text: str) -> str:
    """A long message is read by its first and last ``MODEL_CHARS / 2`` characters (who writes and what they
    want come first, the newest line of a burst last); the rules still read all of it."""
    text = text or ""
    if len(text) <= MODEL_CHARS:
        return text
    half = MODEL_CHARS // 2
    return f"{text[:half]}\n{text[-half:]}"


def load_corpus(directory: Path = CORPUS_DIR) -> list[dict[str, str]]:
    """Every row of every ``*.jsonl`` in ``directory``, in file then line order."""
    rows: list[dict[str, str]] = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append({"text": str(row["text"]), "intent": str(row["intent"]),
                             "country": str(row.get("country", ""))})
    return rows


def corpus_hash(rows: Iterable[Mapping[str, Any]]) -> str:
    """sha256 of the (text, intent, weight) rows, order-independent: what a model was trained on."""
    canonical = sorted(json.dumps([str(r["text"]), str(r["intent"]), float(r.get("weight", 1.0))],
                                  ensure_ascii=False) for r in rows)
    return hashlib.sha256("\n".join(canonical).encode("utf-8")).hexdigest()


def _word_ngrams(text: str) -> list[str]:
    tokens = _WORD_TOKEN.findall(text)
    grams = list(tokens)
    grams += [" ".join(tokens[i:i + 2]) for i in range(len(tokens) - 1)]
    return grams


def _char_wb_ngrams(text: str) -> list[str]:
    """Character n-grams inside word boundaries, as scikit-learn's ``char_wb`` analyzer makes them."""
    grams: list[str] = []
    low, high = _CHAR_NGRAMS
    for word in text.split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            offset = 0
            grams.append(padded[offset:offset + n])
            while offset + n < length:
                offset += 1
                grams.append(padded[offset:offset + n])
            if offset == 0:
                break
    return grams


@dataclass
class IntentModel:
    """The arrays that read a message, and where they came from."""

    labels: tuple[str, ...]
    word_vocab: dict[str, int]
    word_idf: np.ndarray
    char_vocab: dict[str, int]
    char_idf: np.ndarray
    coef: np.ndarray  # (n_word + n_char, n_labels)
    intercept: np.ndarray  # (n_labels,)
    temperature: float
    metadata: dict[str, Any] = field(default_factory=dict)

    def _block(self, grams: list[str], vocab: dict[str, int], idf: np.ndarray, offset: int
               ) -> tuple[list[int], list[float]]:
        counts: dict[int, int] = {}
        for gram in grams:
            index = vocab.get(gram)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        if not counts:
            return [], []
        indexes = list(counts)
        values = [(1.0 + math.log(counts[i])) * float(idf[i]) for i in indexes]
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        return [i + offset for i in indexes], [v / norm for v in values]

    def logits(self, text: str) -> np.ndarray:
        return self._logits(prepare(_head_and_tail(text)))

    def _logits(self, prepared: str) -> np.ndarray:
        w_idx, w_val = self._block(_word_ngrams(prepared), self.word_vocab, self.word_idf, 0)
        c_idx, c_val = self._block(_char_wb_ngrams(prepared), self.char_vocab, self.char_idf, len(self.word_vocab))
        indexes = w_idx + c_idx
        if not indexes:
            return self.intercept.copy()
        return np.asarray(w_val + c_val) @ self.coef[indexes] + self.intercept

    def known_fraction(self, text: str) -> float:
        """The share of the message's words the model has seen in training (1.0 for a message of no words)."""
        return self._known_fraction(prepare(_head_and_tail(text)))

    def _known_fraction(self, prepared: str) -> float:
        words = _WORD_TOKEN.findall(prepared)
        words = [w for w in words if not w.isdigit() and not w.startswith(("emo", "qmark"))]
        if not words:
            return 1.0
        return sum(1 for w in words if w in self.word_vocab) / len(words)

    def read(self, text: str) -> tuple[dict[str, float], float]:
        """``(probabilities(text), known_fraction(text))``, preparing the text once."""
        prepared = prepare(_head_and_tail(text))
        return self._calibrated(self._logits(prepared)), self._known_fraction(prepared)

    def probabilities(self, text: str) -> dict[str, float]:
        """{intent: probability}, calibrated, summing to 1."""
        return self._calibrated(self.logits(text))

    def _calibrated(self, logits: np.ndarray) -> dict[str, float]:
        scaled = logits / self.temperature
        scaled = np.exp(scaled - scaled.max())
        scaled /= scaled.sum()
        return {label: float(p) for label, p in zip(self.labels, scaled, strict=True)}

    def predict(self, text: str) -> str:
        return self.labels[int(np.argmax(self.logits(text)))]

    def dump(self, path: Path) -> None:
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"format": FORMAT, "labels": list(self.labels), "word_vocab": self.word_vocab,
                   "word_idf": self.word_idf.astype(np.float32), "char_vocab": self.char_vocab,
                   "char_idf": self.char_idf.astype(np.float32), "coef": self.coef.astype(np.float32),
                   "intercept": self.intercept.astype(np.float32), "temperature": self.temperature,
                   "metadata": self.metadata}
        tmp = path.with_name(path.name + ".tmp")
        joblib.dump(payload, tmp, compress=("xz", 6))
        tmp.replace(path)  # readers never see half a file

    @classmethod
    def load(cls, path: Path) -> IntentModel | None:
        """The model stored at ``path``, or None when it is missing, unreadable or of another format."""
        import joblib

        try:
            payload = joblib.load(path)
        except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, ImportError):
            return None
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            return None
        return cls(labels=tuple(payload["labels"]), word_vocab=payload["word_vocab"],
                   word_idf=np.asarray(payload["word_idf"], dtype=np.float64), char_vocab=payload["char_vocab"],
                   char_idf=np.asarray(payload["char_idf"], dtype=np.float64),
                   coef=np.asarray(payload["coef"], dtype=np.float64),
                   intercept=np.asarray(payload["intercept"], dtype=np.float64),
                   temperature=float(payload["temperature"]), metadata=dict(payload.get("metadata", {})))


# ---------------------------------------------------------------------------------------------
# Training (scikit-learn is imported here only)
# ---------------------------------------------------------------------------------------------
def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    features = make_union(
        TfidfVectorizer(analyzer=_word_ngrams, sublinear_tf=True, min_df=1),
        TfidfVectorizer(analyzer=_char_wb_ngrams, sublinear_tf=True, min_df=2),
    )
    return make_pipeline(features, LinearSVC(C=SVM_C, random_state=RANDOM_STATE))


def _fit(texts: list[str], labels: list[str], weights: list[float]) -> Any:
    pipeline = _pipeline()
    pipeline.fit(texts, labels, linearsvc__sample_weight=np.asarray(weights))
    return pipeline


def _fit_temperature(logits: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that minimises the log-loss of out-of-fold predictions (a grid, then refined)."""
    def loss(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(truth)), truth].mean())

    grid = [0.25 * i for i in range(1, 17)]
    best = min(grid, key=loss)
    fine = [best + 0.02 * i for i in range(-12, 13) if best + 0.02 * i > 0.05]
    return round(min(fine, key=loss), 3)


@dataclass(frozen=True)
class CrossValidation:
    macro_f1: float
    accuracy: float
    predictions: tuple[str, ...]  # out-of-fold, in row order
    temperature: float


def cross_validate(rows: Sequence[Mapping[str, Any]], *, folds: int = CV_FOLDS) -> CrossValidation:
    """Out-of-fold predictions of ``rows`` (stratified, shuffled with a fixed seed), their macro-F1, and the
    temperature that calibrates them. Weighted rows (corrections) count with their weight in training."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    texts = [prepare(str(r["text"])) for r in rows]
    labels = np.asarray([str(r["intent"]) for r in rows])
    weights = [float(r.get("weight", 1.0)) for r in rows]
    classes = sorted(set(labels.tolist()))
    out_logits = np.zeros((len(rows), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE)
    for train_idx, test_idx in splitter.split(texts, labels):
        model = _fit([texts[i] for i in train_idx], labels[train_idx].tolist(), [weights[i] for i in train_idx])
        fold_classes = list(model.classes_)
        scores = model.decision_function([texts[i] for i in test_idx])
        full = np.full((len(test_idx), len(classes)), -1e3)
        for j, label in enumerate(fold_classes):
            full[:, classes.index(label)] = scores[:, j]
        out_logits[test_idx] = full
    predicted = [classes[i] for i in out_logits.argmax(axis=1)]
    truth = np.asarray([classes.index(label) for label in labels])
    return CrossValidation(
        macro_f1=float(f1_score(labels, predicted, average="macro")),
        accuracy=float(np.mean(np.asarray(predicted) == labels)),
        predictions=tuple(predicted),
        temperature=_fit_temperature(out_logits, truth),
    )


def train(rows: Sequence[Mapping[str, Any]], *, temperature: float | None = None,
          metadata: Mapping[str, Any] | None = None) -> IntentModel:
    """A model fitted on ``rows`` ({"text", "intent"[, "weight"]}). Pure and deterministic.

    ``temperature`` calibrates its probabilities (``cross_validate(rows).temperature``); 1.0 when not given.
    """
    import sklearn

    texts = [prepare(str(r["text"])) for r in rows]
    labels = [str(r["intent"]) for r in rows]
    pipeline = _fit(texts, labels, [float(r.get("weight", 1.0)) for r in rows])
    union = pipeline.steps[0][1]
    word, char = (vectorizer for _, vectorizer in union.transformer_list)
    classifier = pipeline.steps[-1][1]
    n_word = len(word.vocabulary_)
    return IntentModel(
        labels=tuple(str(c) for c in classifier.classes_),
        word_vocab={str(k): int(v) for k, v in word.vocabulary_.items()}, word_idf=np.asarray(word.idf_),
        char_vocab={str(k): int(v) for k, v in char.vocabulary_.items()}, char_idf=np.asarray(char.idf_),
        coef=np.ascontiguousarray(classifier.coef_.T), intercept=np.asarray(classifier.intercept_),
        temperature=float(temperature or 1.0),
        metadata={"format": FORMAT, "corpus_sha256": corpus_hash(rows), "rows": len(rows),
                  "sklearn": sklearn.__version__, "labels": [str(c) for c in classifier.classes_],
                  "features": n_word + len(char.vocabulary_), **dict(metadata or {})},
    )


def with_corrections(corpus: Sequence[Mapping[str, Any]], corrections: Iterable[tuple[str, str]],
                     *, weight: float = CORRECTION_WEIGHT) -> list[dict[str, Any]]:
    """The corpus with agents' (text, intent) corrections added at ``weight``; a corpus row whose text a
    correction reads differently is dropped (the agent's reading wins)."""
    corrected: dict[str, str] = {}
    for text, intent in corrections:
        if text and intent:
            corrected[prepare(text)] = intent
    rows = [dict(r) for r in corpus if prepare(str(r["text"])) not in corrected]
    seen: set[str] = set()
    for text, intent in corrections:
        key = prepare(text)
        if key in seen or not text or not intent:
            continue
        seen.add(key)
        rows.append({"text": text, "intent": corrected[key], "country": "", "weight": float(weight)})
    return rows


# ---------------------------------------------------------------------------------------------
# The model in use: loaded lazily once per process, a deployment's retrain wins over the shipped one
# ---------------------------------------------------------------------------------------------
def deployment_path() -> Path:
    """Where ``train_intents`` writes a deployment's model (``settings.INTENT_MODEL_PATH``)."""
    from django.conf import settings

    configured = getattr(settings, "INTENT_MODEL_PATH", None)
    if configured:
        return Path(configured)
    return Path(getattr(settings, "VAR_DIR", Path("var"))) / "intent_model.joblib"


class _Current:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.model: IntentModel | None = None
        self.source: tuple[str, float] | None = None  # (path, mtime) the model was read from
        self.checked_at = -math.inf
        self.loaded = False

    def get(self) -> IntentModel | None:
        now = time.monotonic()
        if self.loaded and now - self.checked_at < RECHECK_SECONDS:
            return self.model
        with self.lock:
            if self.loaded and now - self.checked_at < RECHECK_SECONDS:
                return self.model
            self.checked_at = now
            for path in (deployment_path(), SHIPPED_PATH):
                try:
                    mtime = path.stat().st_mtime
                except OSError:
                    continue
                if self.source == (str(path), mtime):
                    break
                model = IntentModel.load(path)
                if model is not None:
                    self.model, self.source = model, (str(path), mtime)
                    break
            self.loaded = True
            return self.model

    def reset(self) -> None:
        with self.lock:
            self.model, self.source, self.checked_at, self.loaded = None, None, -math.inf, False


_CURRENT = _Current()


def current_model() -> IntentModel | None:
    """The model this process reads with: the deployment's retrain when present, else the shipped one."""
    return _CURRENT.get()


def reload_model() -> None:
    """Forget the loaded model; the next ``current_model()`` reads the files again (after a retrain)."""
    _CURRENT.reset()
