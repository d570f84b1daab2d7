"""Lead scoring: facts of a lead, weighed by the editable scoring table, give 0-100 and a class.

The computation is pure (``score_facts``) so it is cheap to run over many leads with one copy of
the rules; ``load_scoring_table`` reads the rules once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from core.config_cache import config_cached
from core.text import fold
from leads.models import Classification, Lead, ScoringFactor, ScoringRule, ScoringSettings

DEFAULT_POINTS = {
    ScoringFactor.PRODUCT: 30,
    ScoringFactor.BUDGET: 25,
    ScoringFactor.ZONE: 10,
    ScoringFactor.ADDRESS: 10,
    ScoringFactor.CONVERSATION: 5,
    ScoringFactor.PURCHASE_KEYWORDS: 10,
}
DEFAULT_PURCHASE_KEYWORDS = [
    "quiero contratar",
    "quiero comprar",
    "lo quiero",
    "la quiero",
    "me interesa",
    "cómo pago",
    "como lo compro",
    "dónde pago",
    "cuánto cuesta",
    "cuánto sale",
    "cuánto es",
    "precio",
    "contratar",
    "comprar",
    "adquirir",
    "separar",
    "reservar",
    "instalación",
    "portabilidad",
    "me lo llevo",
]
DEFAULT_HOT_FROM = 80
DEFAULT_WARM_FROM = 50

# A street address names a way and a number: "Av. Arequipa 1234", "Jr. Lampa 540 dpto 3".
_ADDRESS_NUMBER = re.compile(r"\b\d{1,5}\b")


@dataclass(frozen=True)
class ScoringTable:
    points: dict[str, int]
    keywords: tuple[str, ...]
    hot_from: int = DEFAULT_HOT_FROM
    warm_from: int = DEFAULT_WARM_FROM

    def classify(self, score: int) -> str:
        if score >= self.hot_from:
            return Classification.HOT
        if score >= self.warm_from:
            return Classification.WARM
        return Classification.COLD


@dataclass(frozen=True)
class LeadFacts:
    has_product: bool = False
    has_budget: bool = False
    has_zone: bool = False
    has_full_address: bool = False
    conversations: int = 0
    text: str = ""


@dataclass(frozen=True)
class ScoreResult:
    score: int
    classification: str
    breakdown: dict[str, int] = field(default_factory=dict)


def scoring_defaults_ensure(rule_model: type = ScoringRule, settings_model: type = ScoringSettings) -> None:
    """Create the rows of the default scoring table that are missing; never overwrite edits.

    The data migration passes its historical models; everything else uses the defaults.
    """
    for factor, points in DEFAULT_POINTS.items():
        keywords = DEFAULT_PURCHASE_KEYWORDS if factor == ScoringFactor.PURCHASE_KEYWORDS else []
        rule_model.objects.get_or_create(factor=factor, defaults={"points": points, "keywords": keywords})
    if not settings_model.objects.exists():
        settings_model.objects.create(hot_from=DEFAULT_HOT_FROM, warm_from=DEFAULT_WARM_FROM)


def load_scoring_table() -> ScoringTable:
    rules = {rule.factor: rule for rule in ScoringRule.objects.filter(is_active=True)}
    points = {factor: rule.points for factor, rule in rules.items()}
    keyword_rule = rules.get(ScoringFactor.PURCHASE_KEYWORDS)
    keywords = tuple(fold(k).strip() for k in (keyword_rule.keywords if keyword_rule else []) if k.strip())
    thresholds = ScoringSettings.objects.order_by("pk").first()
    if thresholds is None:
        return ScoringTable(points=points, keywords=keywords)
    return ScoringTable(
        points=points, keywords=keywords, hot_from=thresholds.hot_from, warm_from=thresholds.warm_from
    )


SCORING_TABLE_KEY = "leads.scoring_table"
SCORING_TABLE_MODELS = (ScoringRule, ScoringSettings)


def _scoring_table_snapshot() -> ScoringTable:
    table = load_scoring_table()
    return ScoringTable(points=MappingProxyType(dict(table.points)), keywords=table.keywords,  # type: ignore[arg-type]
                        hot_from=table.hot_from, warm_from=table.warm_from)


def scoring_table() -> ScoringTable:
    """The scoring table as every message's scoring reads it: kept per process (``core.config_cache``; any change
    to the rules or thresholds drops it, registered in ``LeadsConfig.ready``). ``load_scoring_table`` reads the
    database (a bulk rescore uses it)."""
    return config_cached(SCORING_TABLE_KEY, _scoring_table_snapshot)


def is_full_address(address: str) -> bool:
    """An address with a street and a number, not just a district ("Miraflores")."""
    words = address.split()
    return len(words) >= 2 and bool(_ADDRESS_NUMBER.search(address))


def has_purchase_keyword(text: str, keywords: tuple[str, ...]) -> bool:
    folded = f" {' '.join(re.findall(r'[a-z0-9]+', fold(text)))} "
    return any(f" {' '.join(re.findall(r'[a-z0-9]+', k))} " in folded for k in keywords)


def lead_facts(lead: Lead) -> LeadFacts:
    """What scoring looks at. Customer words come from notes and the AI's last reading of the chat."""
    analysis = lead.ai_analysis if isinstance(lead.ai_analysis, dict) else {}
    text_parts = [lead.product_interest, lead.notes, str(analysis.get("customer_text", ""))]
    return LeadFacts(
        has_product=bool(lead.product_id or lead.product_interest.strip()),
        has_budget=lead.budget is not None and lead.budget > Decimal("0"),
        has_zone=bool(lead.zone.strip()),
        has_full_address=is_full_address(lead.address),
        conversations=lead.conversation_count,
        text=" ".join(p for p in text_parts if p),
    )


def score_facts(facts: LeadFacts, table: ScoringTable) -> ScoreResult:
    breakdown: dict[str, int] = {}

    def add(factor: str, times: int = 1) -> None:
        points = table.points.get(factor, 0) * times
        if points:
            breakdown[factor] = points

    if facts.has_product:
        add(ScoringFactor.PRODUCT)
    if facts.has_budget:
        add(ScoringFactor.BUDGET)
    if facts.has_zone:
        add(ScoringFactor.ZONE)
    if facts.has_full_address:
        add(ScoringFactor.ADDRESS)
    if facts.conversations:
        add(ScoringFactor.CONVERSATION, facts.conversations)
    if facts.text and table.keywords and has_purchase_keyword(facts.text, table.keywords):
        add(ScoringFactor.PURCHASE_KEYWORDS)
    score = max(0, min(100, sum(breakdown.values())))
    return ScoreResult(score=score, classification=table.classify(score), breakdown=breakdown)
