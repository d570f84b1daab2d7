"""The business's own answers (warranty, delivery, hours and address, payment, returns, installation) and
which one a customer's message asks for. Pure: plain data in, plain data out; no app, no database.

A supervisor keeps the answers in admin (``ai.models.KnowledgeEntry``); the caller hands them here as
``KnowledgeItem``s. ``best_answer`` picks the entry a message asks for, or None: the assistant then says
an advisor will confirm, it never guesses a policy. ``relevant`` gives the few entries an LLM gets as its
only source of policy.

How a message is scored against an entry, on folded words (accents, case, repeated letters and chat
spellings undone by ``ai.local.normalize``):

- evidence: the entry's keywords found in the message (whole words or phrases, a typo of one letter
  allowed in long words), and the cue words of the entry's topic ("envío", "despacho", "domicilio",
  "delivery" for delivery; "yape", "nequi", "oxxo" for payment...), each with a weight;
- similarity: cosine of character trigrams of the message's content words (stop-words dropped)
  against the entry's question and keywords, and against its answer (weighted less);

``score = 0.7 * evidence + 0.3 * similarity``, or the similarity alone when it is higher (an entry whose
question is asked nearly word for word). The threshold was measured on the examples of
``tests/ai/test_knowledge.py`` against the demo shop's entries: 30 paraphrases from five countries score
0.57 or more, 20 messages that ask no policy (sales, greetings, complaints, "ya te yapeé") 0.37 or less.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ai.local.lexicon import SPELLINGS
from ai.local.normalize import normalize

WARRANTY = "warranty"
DELIVERY = "delivery"
HOURS = "hours"
PAYMENT = "payment"
RETURNS = "returns"
INSTALLATION = "installation"
OTHER = "other"
POLICY_TOPICS = (WARRANTY, DELIVERY, HOURS, PAYMENT, RETURNS, INSTALLATION)

THRESHOLD = 0.5  # best_answer: below this, no entry answers the message
RELEVANT_THRESHOLD = 0.3  # relevant: looser, the LLM reads them as context
CUE_THRESHOLD = 1.0  # policy_topic: only a cue this strong makes a message a policy question

# The words a customer uses for each topic, across Peruvian, Chilean, Argentine, Mexican and Colombian
# Spanish, folded. 1.0: the word alone names the topic; lower: a hint that needs company.
TOPIC_CUES: dict[str, dict[str, float]] = {
    WARRANTY: {
        "garantia": 1.0, "garantias": 1.0, "garantizado": 0.7, "garantizan": 0.8, "si se malogra": 0.8,
        "si se daña": 0.7, "si se dana": 0.7, "si falla": 0.6, "si sale fallado": 0.8, "cuanto tiempo cubre": 0.6,
    },
    DELIVERY: {
        "delivery": 1.0, "deliverys": 1.0, "deliveri": 1.0, "envio": 1.0, "envios": 1.0, "envian": 1.0,
        "envias": 1.0, "enviar": 0.6, "envien": 0.9, "despacho": 1.0, "despachos": 1.0, "despachan": 1.0,
        "despachas": 1.0, "a domicilio": 1.0, "domicilio": 0.6, "domicilios": 1.0, "courier": 1.0, "olva": 1.0,
        "shalom": 1.0, "reparto": 0.9, "mandan": 0.8, "mandas": 0.7, "hacen llegar": 1.0, "lo traen": 0.8,
        "a provincia": 0.8, "a provincias": 0.9, "provincias": 0.6, "costo de envio": 1.0, "flete": 0.9,
        "llega a": 0.4, "llegan a": 0.4, "cuanto demora en llegar": 1.0, "cuanto tarda en llegar": 1.0,
    },
    HOURS: {
        "horario": 1.0, "horarios": 1.0, "a que hora": 1.0, "abren": 1.0, "cierran": 1.0, "abierto": 0.8,
        "abiertos": 0.8, "atienden": 0.7, "hora de atencion": 1.0, "donde estan": 1.0, "donde quedan": 1.0,
        "donde queda": 0.9, "donde qdan": 1.0, "donde se ubican": 1.0, "donde los encuentro": 1.0, "ubicados": 1.0,
        "ubicacion": 1.0, "direccion de la tienda": 1.0, "cual es la direccion": 1.0, "direccion": 0.6,
        "tienda fisica": 1.0, "local": 0.5, "sucursal": 0.9, "sucursales": 0.9, "domingos": 0.6,
        "domingo": 0.5, "feriados": 0.7, "feriado": 0.6, "sabados": 0.5, "sabado": 0.4,
    },
    PAYMENT: {
        "medios de pago": 1.0, "medio de pago": 1.0, "formas de pago": 1.0, "forma de pago": 1.0,
        "metodos de pago": 1.0, "metodo de pago": 1.0, "como pago": 1.0, "como puedo pagar": 1.0,
        "como se paga": 1.0, "pagar con": 0.9, "pago con": 0.9, "aceptan": 0.4, "pagar": 0.5, "pago": 0.5,
        "yape": 1.0, "yapear": 1.0, "yapeo": 1.0, "plin": 1.0, "tarjeta": 0.6, "tarjetas": 0.7, "con tarjeta": 1.0,
        "aceptan tarjeta": 1.0, "aceptan tarjetas": 1.0, "tarjeta de credito": 1.0, "tarjeta de debito": 1.0,
        "en efectivo": 1.0, "efectivo": 0.8,
        "transferencia": 0.9, "transferencias": 0.9, "deposito": 0.8, "cuotas": 0.8, "contra entrega": 0.9,
        "contraentrega": 0.9, "nequi": 1.0, "daviplata": 1.0, "mercado pago": 1.0, "mercadopago": 1.0,
        "oxxo": 1.0, "debito": 0.8, "credito": 0.6, "visa": 0.9, "mastercard": 0.9, "pse": 0.9, "webpay": 1.0,
    },
    RETURNS: {
        "devolucion": 1.0, "devoluciones": 1.0, "devolver": 1.0, "devuelven": 1.0, "devuelvo": 1.0,
        "reembolso": 1.0, "reembolsan": 1.0, "me devuelven la plata": 1.0, "me devuelven el dinero": 1.0,
        "politica de cambio": 1.0, "politica de cambios": 1.0, "cambios y devoluciones": 1.0,
        "me arrepiento": 0.8, "si me arrepiento": 0.9, "si no me gusta": 0.7, "cambio": 0.4, "cambiar": 0.4,
    },
    INSTALLATION: {
        "instalacion": 1.0, "instalaciones": 1.0, "instalar": 1.0, "instalan": 1.0, "instalen": 1.0,
        "instala": 0.9, "instalado": 0.8, "instalada": 0.8, "tecnico": 0.5, "tecnicos": 0.5,
    },
}

# A topic's cues do not count in a message that holds one of these: the customer says what they did
# ("ya te yapeé", "te envío mi DNI"), they do not ask the policy.
TOPIC_BLOCKERS: dict[str, tuple[str, ...]] = {
    DELIVERY: ("te envio", "le envio", "les envio", "ya envie", "te lo envio", "te la envio", "te mando",
               "le mando", "les mando", "envio mi", "envio la foto", "mi domicilio es", "mi domicilio queda"),
    PAYMENT: ("ya pague", "ya hice el pago", "hice el pago", "hice el yape", "ya yape", "te yape", "ya te yape",
              "ya yapee", "te yapee", "comprobante", "voucher", "captura del pago", "ya transferi",
              "tarjeta sim", "tarjeta chip", "sim card"),
}

_STOPWORDS = """
a al ante con contra de del desde e en entre hacia hasta para por segun sin so sobre tras y o u ni que
el la lo los las un una unos unas este esta esto estos estas ese esa eso esos esas mi mis tu tus su sus
me te se nos les le yo vos usted ustedes ellos ella el es son soy eres sea ser estar estoy esta estan
hay ha he han has tiene tienen tengo tienes tenemos hace hacen puedo puede pueden podria quiero quisiera
como cual cuales cuanto cuanta cuantos cuantas donde cuando quien porque pero si no ya muy mas tambien
hola buenas buenos dias tardes noches gracias favor porfa porfavor oye disculpa consulta pregunta
saber informacion info alguna algun algo ahi aca aqui bien ok okay q pues entonces che wey weon
"""
STOPWORDS = frozenset(_STOPWORDS.split())

_FUZZY_FACTOR = 0.85  # a keyword matched with a one-letter typo counts this much


@dataclass(frozen=True)
class KnowledgeItem:
    """One answer the business keeps. ``keywords`` as the supervisor wrote them; coordinates for the store."""

    id: str
    topic: str
    question: str
    answer: str
    keywords: tuple[str, ...] = ()
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class KnowledgeMatch:
    item: KnowledgeItem
    score: float  # 0..1
    matched: tuple[str, ...] = ()  # the keywords and cue words found in the message, folded


def split_keywords(raw: str) -> tuple[str, ...]:
    """``"delivery, envío ,despacho"`` -> ``("delivery", "envío", "despacho")`` (a model's comma list)."""
    return tuple(k.strip() for k in (raw or "").split(",") if k.strip())


# ---------------------------------------------------------------------------------------------
# Words, phrases and trigrams
# ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    return normalize(text, SPELLINGS).words


def _content(words: Iterable[str]) -> list[str]:
    return [w for w in words if w not in STOPWORDS and (len(w) > 2 or w.isdigit())]


def _trigrams(words: Iterable[str]) -> Counter[str]:
    grams: Counter[str] = Counter()
    for word in words:
        padded = f" {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return grams


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    return dot / (math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values())))


def _near(a: str, b: str) -> bool:
    """One edit apart (a letter added, dropped, changed or two swapped), for words of six letters or more."""
    if a == b:
        return True
    if min(len(a), len(b)) < 6 or abs(len(a) - len(b)) > 1 or a[:2] != b[:2]:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


@dataclass(frozen=True)
class _Cues:
    """Phrases as ``" w1 w2 "`` (found by substring in a padded message) and, for typos, long single words."""

    phrases: tuple[tuple[str, str, float], ...]  # (padded folded phrase, as written, weight)
    by_start: dict[str, tuple[tuple[str, str, float], ...]]  # first two letters -> (word, as written, weight)


def _cues(pairs: Iterable[tuple[str, float]]) -> _Cues:
    phrases: dict[str, tuple[str, float]] = {}
    for label, weight in pairs:
        words = _words(label)
        if words:
            phrases[f" {' '.join(words)} "] = (label, weight)
    by_start: dict[str, list[tuple[str, str, float]]] = {}
    for padded, (label, weight) in phrases.items():
        word = padded.strip()
        if " " not in word and len(word) >= 6:
            by_start.setdefault(word[:2], []).append((word, label, weight))
    return _Cues(phrases=tuple((p, label, w) for p, (label, w) in phrases.items()),
                 by_start={k: tuple(v) for k, v in by_start.items()})


def _found(cues: _Cues, padded: str, words: tuple[str, ...]) -> dict[str, float]:
    """``{folded cue: weight}`` of the cues in the message, a typo'd long word at ``_FUZZY_FACTOR``."""
    found = {phrase.strip(): weight for phrase, _, weight in cues.phrases if phrase in padded}
    for word in words:
        if len(word) < 6:
            continue
        for cue, _, weight in cues.by_start.get(word[:2], ()):
            if cue not in found and _near(word, cue):
                found[cue] = weight * _FUZZY_FACTOR
    return found


@lru_cache(maxsize=16)
def _topic_cues(topic: str) -> _Cues:
    return _cues(TOPIC_CUES.get(topic, {}).items())


@lru_cache(maxsize=16)
def _topic_blockers(topic: str) -> tuple[str, ...]:
    return tuple(f" {' '.join(_words(b))} " for b in TOPIC_BLOCKERS.get(topic, ()))


def _topic_found(topic: str, padded: str, words: tuple[str, ...]) -> dict[str, float]:
    if any(blocker in padded for blocker in _topic_blockers(topic)):
        return {}
    return _found(_topic_cues(topic), padded, words)


@dataclass(frozen=True)
class _Profile:
    keywords: _Cues
    question: Counter[str]
    answer: Counter[str]


@lru_cache(maxsize=1024)
def _profile(item: KnowledgeItem) -> _Profile:
    question_words = [*_content(_words(item.question)), *(w for k in item.keywords for w in _content(_words(k)))]
    return _Profile(
        keywords=_cues((k, 1.0) for k in item.keywords),  # the supervisor's keywords are strong evidence
        question=_trigrams(question_words),
        answer=_trigrams(_content(_words(item.answer))),
    )


def _score(padded: str, words: tuple[str, ...], grams: Counter[str], item: KnowledgeItem) -> KnowledgeMatch:
    profile = _profile(item)
    blocked = any(blocker in padded for blocker in _topic_blockers(item.topic))
    hits = {} if blocked else _found(_topic_cues(item.topic), padded, words)
    for cue, weight in ({} if blocked else _found(profile.keywords, padded, words)).items():
        hits[cue] = max(weight, hits.get(cue, 0.0))
    found = sorted(((w, label) for label, w in hits.items()), reverse=True)
    # The strongest cue, and a little for each further one (two hints make a question).
    evidence = min(1.0, found[0][0] + 0.25 * sum(w for w, _ in found[1:3])) if found else 0.0
    similarity = max(_cosine(grams, profile.question), 0.6 * _cosine(grams, profile.answer))
    score = max(0.7 * evidence + 0.3 * similarity, similarity)
    return KnowledgeMatch(item=item, score=round(score, 4), matched=tuple(label for _, label in found))


def rank(text: str, items: Sequence[KnowledgeItem]) -> list[KnowledgeMatch]:
    """Every entry scored against ``text``, the best first (ties: the order given)."""
    words = _words(text or "")
    padded = f" {' '.join(words)} "
    grams = _trigrams(_content(words))
    scored = [_score(padded, words, grams, item) for item in items]
    return sorted(scored, key=lambda m: -m.score)


def best_answer(text: str, items: Sequence[KnowledgeItem], *, threshold: float = THRESHOLD) -> KnowledgeMatch | None:
    """The entry ``text`` asks for, or None when none scores ``threshold`` (the message asks something else)."""
    if not items or not (text or "").strip():
        return None
    ranked = rank(text, items)
    return ranked[0] if ranked[0].score >= threshold else None


def ranked_for(text: str, items: Sequence[KnowledgeItem]) -> list[KnowledgeMatch]:
    """``rank(text, items)``, or nothing when there are no entries or no words: what ``answers`` and
    ``relevant`` read, computed once by a caller that asks both."""
    return rank(text, items) if items and (text or "").strip() else []


def answers(text: str, items: Sequence[KnowledgeItem], *, limit: int = 2, threshold: float = THRESHOLD,
            ranked: Sequence[KnowledgeMatch] | None = None) -> list[KnowledgeMatch]:
    """The entries that answer ``text``, at most one per topic and ``limit`` in all ("¿tienen delivery y
    aceptan Yape?" asks two things). ``ranked``: ``ranked_for(text, items)`` when the caller has it."""
    chosen: list[KnowledgeMatch] = []
    for match in ranked_for(text, items) if ranked is None else ranked:
        if match.score < threshold or len(chosen) >= limit:
            break
        if match.item.topic != OTHER and any(c.item.topic == match.item.topic for c in chosen):
            continue
        chosen.append(match)
    return chosen


def relevant(text: str, items: Sequence[KnowledgeItem], k: int = 3, *, threshold: float = RELEVANT_THRESHOLD,
             ranked: Sequence[KnowledgeMatch] | None = None) -> list[KnowledgeItem]:
    """Up to ``k`` entries near ``text``, the best first: an LLM's context, its only source of policy.
    ``ranked``: ``ranked_for(text, items)`` when the caller has it."""
    return [m.item for m in (ranked_for(text, items) if ranked is None else ranked)[:k] if m.score >= threshold]


def policy_topic(text: str) -> str | None:
    """The policy topic ``text`` asks about by its words alone (with no entry to answer it), or None."""
    words = _words(text or "")
    padded = f" {' '.join(words)} "
    best: tuple[float, str] | None = None
    for topic in TOPIC_CUES:
        hit = max(_topic_found(topic, padded, words).values(), default=0.0)
        if hit >= CUE_THRESHOLD and (best is None or hit > best[0]):
            best = (hit, topic)
    return best[1] if best else None
