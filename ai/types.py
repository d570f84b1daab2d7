"""The AI library's language: plain data in, typed results out. No Django models here.

Callers (``conversations`` and ``leads`` services) pass the text, the conversation history, the
lead's known facts and catalog hits; providers return an ``Analysis`` or a ``Reply`` with the
``Usage`` of the call, so the caller can log tokens, cost and latency as an ``AIRequest``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol


class Intent(StrEnum):
    GREETING = "greeting"
    PRODUCT_QUERY = "product_query"
    PRICE_QUERY = "price_query"
    STOCK_QUERY = "stock_query"
    COVERAGE_QUERY = "coverage_query"
    PURCHASE_INTENT = "purchase_intent"
    COMPARISON = "comparison"
    PRICE_OBJECTION = "price_objection"
    WARRANTY_QUERY = "warranty_query"
    COMPLAINT = "complaint"
    SUPPORT_ISSUE = "support_issue"
    HUMAN_REQUEST = "human_request"
    THANKS_GOODBYE = "thanks_goodbye"
    OTHER = "other"


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class ServiceType(StrEnum):
    """Same values as ``operators.models.Category`` (the caller maps them)."""

    INTERNET_HOME = "internet_home"
    MOBILE = "mobile"
    TV = "tv"
    COMBO = "combo"
    DEVICE = "device"
    ACCESSORY = "accessory"


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = ""  # ISO 4217 when it can be told ("PEN", "USD", "CLP", "ARS", "MXN", "COP"), else ""


@dataclass(frozen=True)
class Entities:
    service_type: str = ""  # a ServiceType value or ""
    operator: str = ""  # operator slug as given in the catalog context ("claro", "movistar", ...)
    products: tuple[str, ...] = ()  # catalog product ids (as strings) or SKUs the text refers to
    product_terms: str = ""  # the words that named the product ("iphone 15 pro")
    capacity_gb: int | None = None
    color: str = ""
    speed_mbps: int | None = None
    data_gb: int | None = None
    quantity: int | None = None
    budget: Money | None = None
    zone: str = ""  # district / neighbourhood / city as written, normalised capitalisation
    address: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""  # E.164 when it parses
    urgency: bool = False


@dataclass(frozen=True)
class Analysis:
    intent: Intent
    confidence: float  # 0..1
    sentiment: Sentiment
    sentiment_score: float  # -1..1
    entities: Entities = field(default_factory=Entities)
    secondary_intents: tuple[Intent, ...] = ()  # several questions in one message
    provider: str = "local"
    fallback: bool = False  # True when another provider failed and this came from local rules
    notes: tuple[str, ...] = ()  # why: matched phrases, for agents and for tuning
    alternatives: tuple[Intent, ...] = ()  # the next likeliest readings, best first (for a clarifying question)


@dataclass(frozen=True)
class CatalogItem:
    """A catalog hit the caller found for the message (prices and stock are the only truth)."""

    id: str
    name: str
    price: Decimal
    currency: str
    stock: int | None  # None: not tracked (plans)
    category: str = ""
    operator: str = ""
    wholesale_price: Decimal | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    role: str  # "customer" | "assistant" | "agent"
    text: str


@dataclass(frozen=True)
class LeadState:
    """What the CRM knows of the customer (their contact and open lead) before the turn being answered."""

    name: str = ""  # the contact's name when it is a person's ("" for a profile name such as "📱" or "User")
    is_wholesale: bool = False
    contact_zone: str = ""
    has_lead: bool = False
    has_interest: bool = False  # the lead names a product, a product interest or a service type
    service_type: str = ""  # the lead's, a ServiceType value or ""
    budget: Decimal | None = None  # the lead's
    zone: str = ""  # the lead's
    address: str = ""  # the lead's


@dataclass(frozen=True)
class Usage:
    provider: str
    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0
    cost_usd: Decimal = Decimal("0")
    outcome: str = "ok"  # ok | error | timeout | invalid | fallback | budget
    error: str = ""


@dataclass(frozen=True)
class Reply:
    text: str
    usage: Usage | None = None
    grounded: bool = True  # False when a generated reply was replaced by the templated one


class AIProvider(Protocol):
    name: str

    def analyze(self, text: str, *, history: list[Turn] | None = None, context: dict[str, Any] | None = None
                ) -> tuple[Analysis, Usage]: ...

    def reply(self, *, instruction: str, history: list[Turn], catalog: list[CatalogItem], facts: dict[str, Any],
              fallback_text: str) -> Reply: ...
