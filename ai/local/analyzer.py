"""``analyze()``: intent, sentiment and entities of one customer message, by rules.

Intent: every intent is scored by the weighted phrases of the lexicon found in the message (whole words,
after normalisation; each phrase counts once). Then:

* greetings and thanks only win when nothing else was asked ("hola, cuánto cuesta?" is a price question);
* among strong intents (score >= 2.5), the *priority* ones win over questions, in this order when scores
  tie: human_request, complaint, support_issue, price_objection, purchase_intent; human_request and
  complaint are boosted (x1.5, x1.3) so they beat a product question in the same message;
* when only questions are strong (price, stock, coverage, comparison, warranty, product), the highest
  score wins and on a tie the question asked first;
* nothing matched but a product, size or service was named -> product_query; else other.

Confidence grows with the margin between the two best scores and with the strength of the best.
Other strong intents become ``secondary_intents`` (several questions in one message). ``history``
(earlier turns) only helps to tell the country, for currencies.

Then the learned model (``ai.local.learned``, word and character n-grams) reads the message too, and
:func:`combine` decides: the rules keep the last word where they are precise (an explicit ask for a person,
a strong complaint cue, an intent a supervisor added to the lexicon), the model's calibrated probabilities
decide otherwise, and a complaint the model finds likely enough wins (a missed complaint is a lost
customer). ``confidence`` is then the model's calibrated probability of the intent chosen, and
``alternatives`` the next likeliest readings, for a clarifying question when it is low.
"""

from __future__ import annotations

import re

from ai.local import entities as ent
from ai.local.catalog import match_products
from ai.local.compiled import Compiled
from ai.local.learned import IntentModel, current_model
from ai.local.lexicon import DEFAULT_LEXICON, Lexicon
from ai.local.money import parse_budget
from ai.local.normalize import WORD, Normalized, normalize, phrase_regex
from ai.types import Analysis, CatalogItem, Entities, Intent, Sentiment, Turn
from core.text import fold

STRONG = 2.5
_PRIORITY = ("human_request", "complaint", "support_issue", "price_objection", "purchase_intent")
_BOOST = {"human_request": 1.5, "complaint": 1.3}
_AVAILABILITY_WORDS = frozenset({"hay", "llega", "llegan", "instalan", "cobertura", "senal", "tienen"})
_PLAN_TYPES = frozenset({"internet_home", "mobile", "tv", "combo"})


MAX_ANALYSED_CHARS = 4096  # WhatsApp's longest message; a burst of lines read together can be longer


def bounded(text: str) -> str:
    """``text``, or its first and last ``MAX_ANALYSED_CHARS / 2`` characters when longer.

    The work of the rules grows with the text; a message pasted a hundred times over says nothing more.
    The start says who writes and what they want, the end is the newest line of a burst.
    """
    if len(text) <= MAX_ANALYSED_CHARS:
        return text
    half = MAX_ANALYSED_CHARS // 2
    return f"{text[:half]}\n{text[-half:]}"


def analyze(
    text: str, *, lexicon: Lexicon = DEFAULT_LEXICON, catalog: list[CatalogItem] | None = None,
    history: list[Turn] | None = None, model: IntentModel | None = None, rules_only: bool = False,
) -> Analysis:
    """Read one customer message with the local rules and the learned model; ``provider="local"``.

    ``model`` defaults to the one this process loaded (:func:`ai.local.learned.current_model`);
    ``rules_only`` reads with the rules alone (the baseline the evaluation prints).
    A text longer than :data:`MAX_ANALYSED_CHARS` is read by its start and its end (see :func:`bounded`).
    """
    c: Compiled = lexicon.compiled
    text = bounded(text or "")
    norm = normalize(ent.remove_emails(text), c.spellings)
    country = _country(norm, c, history)
    entities = _entities(text, norm, c, catalog, country)
    scores, first_at, notes = _intent_scores(norm, c)
    if entities.zone and set(norm.words) & _AVAILABILITY_WORDS:
        scores["coverage_query"] = scores.get("coverage_query", 0.0) + 2.0
        first_at.setdefault("coverage_query", 0)
        notes.append("coverage_query: zone named with an availability word")
    intent, confidence, secondary = _decide(scores, first_at, entities, c)
    alternatives: tuple[Intent, ...] = ()
    if not rules_only and _supervised_cue(lexicon, norm):
        notes.append("rule: a phrase a supervisor edited in the lexicon")
    elif not rules_only:
        learned = model if model is not None else current_model()
        if learned is not None:
            probabilities, known = learned.read(text)
            intent, confidence, secondary, alternatives, why = combine(
                intent, confidence, secondary, scores, probabilities)
            if known <= UNKNOWN_WORDS and why.startswith("model"):
                confidence = round(confidence * known, 2)  # mostly words it never saw: it cannot be sure
                why += f"; {known:.0%} of the words known"
            notes.append(why)
    sentiment, sentiment_score = _sentiment(text, norm, c, intent)
    return Analysis(
        intent=intent, confidence=confidence, sentiment=sentiment, sentiment_score=sentiment_score,
        entities=entities, secondary_intents=secondary, provider="local", notes=tuple(notes),
        alternatives=alternatives,
    )


# When the rules keep the last word, and how a likely complaint wins (measured by bench/ai_eval.py on the
# corpus' cross-validation folds, never on a held-out set).
HUMAN_REQUEST_CUE = 2.5  # a rule score this strong ("pásame con un asesor") is an explicit ask for a person
COMPLAINT_CUE = 4.0  # a rule score this strong ("voy a reclamar a OSIPTEL", "pésimo servicio") is a complaint
COMPLAINT_FLOOR = 0.2  # the model's probability of a complaint from which it wins over any other reading
ALTERNATIVE_FLOOR = 0.08  # a reading this likely is offered in a clarifying question
UNKNOWN_WORDS = 0.5  # at most this share of known words: the model's confidence is scaled down by it
SEVERAL_FLOOR = 0.05  # several intents in one message: the rules' choice wins when the model finds it this likely
CONFIDENT_RULE = 0.8  # a rules' reading this confident wins when the model finds it at least SEVERAL_FLOOR likely


def combine(
    rule_intent: Intent, rule_confidence: float, rule_secondary: tuple[Intent, ...], scores: dict[str, float],
    probabilities: dict[str, float],
) -> tuple[Intent, float, tuple[Intent, ...], tuple[Intent, ...], str]:
    """The rules' reading and the model's probabilities -> (intent, confidence, secondary, alternatives, note)."""
    ranked = sorted(probabilities, key=lambda k: -probabilities[k])
    best = ranked[0]
    why = f"model: {best} {probabilities[best]:.2f}"
    if rule_intent.value not in probabilities and rule_intent != Intent.OTHER:
        chosen, why = rule_intent.value, f"rule: {rule_intent.value} (an intent the model does not know)"
    elif rule_intent == Intent.HUMAN_REQUEST and scores.get("human_request", 0.0) >= HUMAN_REQUEST_CUE:
        chosen, why = "human_request", "rule: explicit ask for a person"
    elif rule_intent == Intent.COMPLAINT and scores.get("complaint", 0.0) >= COMPLAINT_CUE:
        chosen, why = "complaint", "rule: strong complaint cue"
    elif probabilities.get("complaint", 0.0) >= COMPLAINT_FLOOR:
        chosen, why = "complaint", f"model: complaint likely ({probabilities['complaint']:.2f})"
    elif rule_secondary and (probabilities.get(rule_intent.value, 0.0) >= SEVERAL_FLOOR
                             or Intent._value2member_map_.get(best) in rule_secondary):
        chosen, why = rule_intent.value, "rule: several intents, the one that comes first"
    elif rule_confidence >= CONFIDENT_RULE and probabilities.get(rule_intent.value, 0.0) >= SEVERAL_FLOOR:
        chosen, why = rule_intent.value, "rule: a confident reading the model finds likely"
    else:
        chosen = best
    if chosen not in Intent._value2member_map_:
        chosen = Intent.OTHER.value
    confidence = probabilities.get(chosen, 0.0)
    if why.startswith("rule"):
        confidence = max(confidence, rule_confidence)
    confidence = round(min(0.99, confidence), 2)
    secondary = tuple(i for i in (rule_intent, *rule_secondary) if i.value != chosen
                      and (i in rule_secondary or (rule_secondary and i != Intent.OTHER)))
    alternatives = tuple(Intent(k) for k in ranked if k != chosen and probabilities[k] >= ALTERNATIVE_FLOOR
                         and k in Intent._value2member_map_)[:2]
    return Intent(chosen), confidence, secondary, alternatives, why


_SUPERVISED: dict[int, tuple[Lexicon, re.Pattern[str] | None]] = {}


def _supervised_cue(lexicon: Lexicon, norm: Normalized) -> bool:
    """True when the message holds an intent phrase a supervisor added, reweighted or removed: their edit
    of the lexicon is their word on such messages, so the rules' reading stands."""
    if lexicon is DEFAULT_LEXICON:
        return False
    cached = _SUPERVISED.get(id(lexicon))
    if cached is None or cached[0] is not lexicon:
        changed: set[str] = set()
        base = DEFAULT_LEXICON.intent_phrases
        for intent in set(base) | set(lexicon.intent_phrases):
            mine, theirs = lexicon.intent_phrases.get(intent, {}), base.get(intent, {})
            changed |= {p for p in set(mine) | set(theirs) if mine.get(p) != theirs.get(p)}
        if len(_SUPERVISED) > 32:
            _SUPERVISED.clear()
        cached = _SUPERVISED[id(lexicon)] = (lexicon, phrase_regex(sorted(changed)))
    pattern = cached[1]
    return pattern is not None and pattern.search(norm.text) is not None


def _intent_scores(norm: Normalized, c: Compiled) -> tuple[dict[str, float], dict[str, int], list[str]]:
    scores: dict[str, float] = {}
    first_at: dict[str, int] = {}
    notes: list[str] = []
    for intent, table in c.intents.items():
        seen: set[str] = set()
        for match in table.finditer(norm.text):
            phrase = match.group(0)
            if phrase in seen:
                continue
            seen.add(phrase)
            weight = float(table.values[phrase])  # type: ignore[arg-type]
            if intent in c.social_intents:  # "hola buenas" greets once
                scores[intent] = max(scores.get(intent, 0.0), weight)
            else:
                scores[intent] = scores.get(intent, 0.0) + weight
            first_at.setdefault(intent, match.start())
        if seen:
            notes.append(f"{intent}: {', '.join(sorted(seen))}")
    return scores, first_at, notes


def _decide(
    scores: dict[str, float], first_at: dict[str, int], entities: Entities, c: Compiled,
) -> tuple[Intent, float, tuple[Intent, ...]]:
    social = {k: v for k, v in scores.items() if k in c.social_intents}
    business = {k: v for k, v in scores.items() if k not in c.social_intents and v >= 1.2}
    top_social = max(social.values(), default=0.0)
    top_business = max(business.values(), default=0.0)
    if not business or (top_business < 2.0 and top_social >= 2.0):
        if social:
            best = max(social, key=lambda k: (social[k], k == "thanks_goodbye"))
            return Intent(best), _confidence(social[best], max(top_business, min(social.values())
                                                                   if len(social) > 1 else 0.0)), ()
        if entities.products or entities.service_type or entities.capacity_gb or entities.speed_mbps:
            return Intent.PRODUCT_QUERY, 0.45, ()
        return Intent.OTHER, 0.3, ()
    adjusted = {k: v * (_BOOST.get(k, 1.0) if v >= STRONG else 1.0) for k, v in business.items()}
    strong_priority = [k for k in _PRIORITY if adjusted.get(k, 0.0) >= STRONG]
    if scores.get("complaint", 0.0) >= 4.0:
        best = "complaint"  # an angry message that asks for a person is still a complaint
    elif scores.get("warranty_query", 0.0) >= 3.5 and "support_issue" in strong_priority:
        best = "warranty_query"  # "no carga, tiene garantia?": the question is the warranty
    elif strong_priority:
        best = max(strong_priority, key=lambda k: (adjusted[k], -_PRIORITY.index(k)))
    else:
        questions = [k for k, v in adjusted.items() if v >= STRONG]
        if len(questions) > 1:
            best = min(questions, key=lambda k: (first_at.get(k, 0), -adjusted[k]))  # the first question asked
        else:
            best = max(adjusted, key=lambda k: (adjusted[k], -first_at.get(k, 0)))
    if best == "stock_query" and scores[best] < STRONG and entities.service_type in _PLAN_TYPES:
        best = "product_query"  # "tienen el plan de 20 gb?": plans have no stock
        adjusted.setdefault(best, max(scores.get(best, 0.0), 1.2))
    runner_up = max((v for k, v in adjusted.items() if k != best), default=top_social)
    confidence = _confidence(adjusted.get(best, 1.2), runner_up)
    secondary = tuple(
        Intent(k) for k, v in sorted(adjusted.items(), key=lambda kv: (-kv[1], first_at.get(kv[0], 0)))
        if k != best and v >= STRONG and k in Intent._value2member_map_
    )
    if best not in Intent._value2member_map_:  # an intent a supervisor invented: keep the rule, report other
        return Intent.OTHER, confidence, secondary
    return Intent(best), confidence, secondary


def _confidence(top: float, runner_up: float) -> float:
    if top <= 0:
        return 0.3
    margin = max(0.0, (top - runner_up) / top)
    strength = min(1.0, top / 4.0)
    return round(min(0.99, 0.3 + 0.4 * margin + 0.3 * strength), 2)


def _sentiment(text: str, norm: Normalized, c: Compiled, intent: Intent) -> tuple[Sentiment, float]:
    words = norm.words
    total = 0.0
    matches = list(c.sentiment.finditer(norm.text))
    skip_next_intensifier: set[int] = set()
    for position, match in enumerate(matches):
        phrase = match.group(0)
        start = norm.word_at(match.start())
        if position in skip_next_intensifier:
            continue
        # "muy bien": "bien" scored as a word but "muy" intensifies; "bien caro": "bien" intensifies "caro".
        if phrase in c.intensifiers and position + 1 < len(matches):
            next_start = norm.word_at(matches[position + 1].start())
            if next_start == start + len(phrase.split()):
                continue
        weight = float(c.sentiment.values[phrase])  # type: ignore[arg-type]
        if start > 0 and words[start - 1] in c.intensifiers:
            weight *= c.intensifiers[words[start - 1]]
        window = words[max(0, start - 3):start]
        if any(w in c.negators for w in window) and not phrase.startswith(("no ", "sin ", "nunca", "nadie")):
            weight *= -0.6
        total += weight
    if c.emoji_regex is not None:
        for emoji in c.emoji_regex.findall(text or ""):
            total += c.emojis[emoji]
    if intent == Intent.COMPLAINT:
        total -= 1.5
    elif intent == Intent.THANKS_GOODBYE:
        total += 0.5
    if text.count("!") >= 3:
        total *= 1.2
    score = round(max(-1.0, min(1.0, total / (abs(total) + 2.0))), 3)
    if score >= 0.2:
        return Sentiment.POSITIVE, score
    if score <= -0.2:
        return Sentiment.NEGATIVE, score
    return Sentiment.NEUTRAL, score


def _country(norm: Normalized, c: Compiled, history: list[Turn] | None) -> str:
    votes: dict[str, int] = {}
    texts = [" " + " ".join(WORD.findall(norm.folded)) + " "]
    for turn in history or ():
        if turn.role == "customer":
            texts.append(" " + " ".join(WORD.findall(normalize(bounded(turn.text), {}).folded)) + " ")
    for chunk in texts:
        for match in c.country_hints.finditer(chunk):
            country = str(c.country_hints.values[match.group(0)])
            votes[country] = votes.get(country, 0) + 1
    if not votes:
        return ""
    return max(votes, key=lambda k: votes[k])


def _entities(text: str, norm: Normalized, c: Compiled, catalog: list[CatalogItem] | None, country: str
              ) -> Entities:
    service = ent.service_type(norm, c)
    name = ent.name(norm, c)
    operator = ent.operator(norm, c)
    capacity, data = ent.capacity_and_data(norm, service)
    skip = {" ".join(WORD.findall(ent_word)) for ent_word in (name.lower(), operator) if ent_word}
    skip |= {" ".join(WORD.findall(part.lower())) for part in name.split()}
    address = ent.address(text)
    zone, zone_country = ent.zone(norm, c, skip=skip, inside=" ".join(WORD.findall(fold(address))))
    budget = parse_budget(norm.folded, country=country or zone_country)
    colour = ent.color(norm, c, name, zone)
    speed = ent.speed(norm, service)
    products: tuple[str, ...] = ()
    terms = ""
    if catalog:
        products, terms = match_products(norm.words, catalog, service=service, capacity=capacity, color=colour,
                                         speed=speed, data=data, operator=operator)
    return Entities(
        service_type=service, operator=operator, products=products, product_terms=terms, capacity_gb=capacity,
        color=colour, speed_mbps=speed, data_gb=data, quantity=ent.quantity(norm, c), budget=budget, zone=zone,
        address=address, name=name, email=ent.email(text), phone=ent.phone(text, region=None),
        urgency=ent.urgency(norm, c),
    )
