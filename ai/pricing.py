"""What model calls cost, in USD. Data, not logic: update the table when the providers change prices.

Prices as published by the providers (USD per 1M tokens, uncached input; transcription per minute of
audio), checked 2025. Unknown models cost 0 and a warning is logged once per model, so the gap shows
in the logs instead of as a wrong number.
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal

logger = logging.getLogger(__name__)

# model -> (input, output) USD per 1M tokens
TOKEN_PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4.1-nano": (Decimal("0.10"), Decimal("0.40")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1": (Decimal("2.00"), Decimal("8.00")),
    "gpt-5-nano": (Decimal("0.05"), Decimal("0.40")),
    "gpt-5-mini": (Decimal("0.25"), Decimal("2.00")),
    "gpt-5": (Decimal("1.25"), Decimal("10.00")),
    "o4-mini": (Decimal("1.10"), Decimal("4.40")),
    "gpt-3.5-turbo": (Decimal("0.50"), Decimal("1.50")),
    "deepseek-chat": (Decimal("0.28"), Decimal("0.42")),
    "deepseek-reasoner": (Decimal("0.28"), Decimal("0.42")),
}

# model -> USD per minute of audio
TRANSCRIPTION_PRICES_PER_MINUTE: dict[str, Decimal] = {
    "whisper-1": Decimal("0.006"),
    "gpt-4o-transcribe": Decimal("0.006"),
    "gpt-4o-mini-transcribe": Decimal("0.003"),
}

COST_PLACES = Decimal("0.00000001")  # costs are rounded to 8 decimal places
_MILLION = Decimal(1_000_000)
_DATED_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{4}|latest)$")
_warned: set[str] = set()


def _lookup(model: str, table: dict[str, Decimal] | dict[str, tuple[Decimal, Decimal]]):
    """Exact name, then without a provider prefix ("openai/gpt-4o") or a dated suffix ("-2024-08-06")."""
    name = (model or "").strip().lower()
    candidates = [name, name.rsplit("/", 1)[-1]]
    candidates += [_DATED_SUFFIX.sub("", c) for c in candidates]
    for candidate in candidates:
        if candidate in table:
            return table[candidate]
    return None


def _warn_unknown(model: str, kind: str) -> None:
    if model not in _warned:
        _warned.add(model)
        logger.warning("no %s price for model %r: its cost is logged as 0", kind, model)


def is_priced(model: str) -> bool:
    return _lookup(model, TOKEN_PRICES) is not None or _lookup(model, TRANSCRIPTION_PRICES_PER_MINUTE) is not None


def cost_usd(model: str, tokens_in: int, tokens_out: int) -> Decimal:
    """USD cost of a chat call; ``Decimal("0")`` (and a warning) when the model is not in the table."""
    prices = _lookup(model, TOKEN_PRICES)
    if prices is None:
        _warn_unknown(model, "token")
        return Decimal("0")
    price_in, price_out = prices
    cost = (Decimal(max(tokens_in, 0)) * price_in + Decimal(max(tokens_out, 0)) * price_out) / _MILLION
    return cost.quantize(COST_PLACES)


def transcription_cost_usd(model: str, seconds: float | Decimal | None) -> Decimal:
    """USD cost of transcribing ``seconds`` of audio; 0 when the duration or the model's price is unknown."""
    if seconds is None:
        return Decimal("0")
    per_minute = _lookup(model, TRANSCRIPTION_PRICES_PER_MINUTE)
    if per_minute is None:
        _warn_unknown(model, "transcription")
        return Decimal("0")
    minutes = Decimal(str(max(float(seconds), 0.0))) / Decimal(60)
    return (minutes * per_minute).quantize(COST_PLACES)
