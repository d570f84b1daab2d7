"""The AI as the app uses it: the configured provider, the local fallback, the budget and the log.

Every call is written as an ``AIRequest``. With ``AI_PROVIDER=openai`` an error, a timeout, an
invalid answer or a spent monthly budget falls back to the local rules and says so
(``Analysis.fallback``), so a customer always gets an answer or a person.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Sum
from django.utils import timezone

from ai.models import AIRequest, LexiconEntry
from ai.types import Analysis, CatalogItem, Reply, Turn, Usage
from core.prepared import insert_rows

logger = logging.getLogger(__name__)
LEXICON_CACHE_KEY = "ai:lexicon:version"


# ---------------------------------------------------------------------------------------------
# Lexicon: built-in entries plus the supervisors' edits
# ---------------------------------------------------------------------------------------------
def lexicon_extra() -> dict[str, Any]:
    """The admin's lexicon entries in the shape ``Lexicon.merged()`` takes."""
    extra: dict[str, Any] = {"intent_phrases": {}, "sentiment_words": {}, "synonyms": {}, "zones": []}
    for entry in LexiconEntry.objects.filter(is_active=True).order_by("pk"):
        phrase = entry.phrase.strip().lower()
        if entry.kind == LexiconEntry.Kind.INTENT_PHRASE:
            extra["intent_phrases"].setdefault(entry.key, {})[phrase] = entry.weight
        elif entry.kind == LexiconEntry.Kind.SENTIMENT_WORD:
            sign = -1 if entry.key.startswith("neg") else 1
            extra["sentiment_words"][phrase] = sign * abs(entry.weight)
        elif entry.kind == LexiconEntry.Kind.SYNONYM and ":" in entry.key:
            group, value = entry.key.split(":", 1)
            extra["synonyms"].setdefault(group.strip(), {})[phrase] = value.strip()
        elif entry.kind == LexiconEntry.Kind.ZONE:
            extra["zones"].append(entry.phrase.strip())
    return extra


_lexicon_memo: dict[str, Any] = {}


def current_lexicon():  # type: ignore[no-untyped-def]
    """The built-in lexicon merged with the admin's entries; rebuilt when an entry changes."""
    from ai.local.lexicon import DEFAULT_LEXICON

    version = cache.get(LEXICON_CACHE_KEY, 0)
    if _lexicon_memo.get("version") != version or "lexicon" not in _lexicon_memo:
        extra = lexicon_extra()
        has_extra = any(extra.values())
        _lexicon_memo["lexicon"] = DEFAULT_LEXICON.merged(extra) if has_extra else DEFAULT_LEXICON
        _lexicon_memo["version"] = version
    return _lexicon_memo["lexicon"]


def lexicon_changed() -> None:
    """Call after editing lexicon entries: every process rebuilds its lexicon on next use."""
    try:
        cache.incr(LEXICON_CACHE_KEY)
    except ValueError:
        cache.set(LEXICON_CACHE_KEY, 1, timeout=None)
    _lexicon_memo.clear()


# ---------------------------------------------------------------------------------------------
# Budget and log
# ---------------------------------------------------------------------------------------------
def month_start(now: datetime | None = None) -> datetime:
    now = timezone.localtime(now or timezone.now())
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def monthly_spend(now: datetime | None = None) -> dict[str, Any]:
    row = AIRequest.objects.filter(created_at__gte=month_start(now)).aggregate(
        cost=Sum("cost_usd"), requests=Count("pk"), tokens_in=Sum("tokens_in"), tokens_out=Sum("tokens_out")
    )
    return {
        "cost_usd": row["cost"] or Decimal("0"),
        "requests": row["requests"] or 0,
        "tokens_in": row["tokens_in"] or 0,
        "tokens_out": row["tokens_out"] or 0,
    }


def monthly_budget() -> Decimal | None:
    raw = (settings.AI_MONTHLY_BUDGET_USD or "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        logger.warning("AI_MONTHLY_BUDGET_USD is not a number; no cap applied")
        return None


def budget_exhausted() -> bool:
    budget = monthly_budget()
    return budget is not None and monthly_spend()["cost_usd"] >= budget


def log_request(usage: Usage, *, purpose: str, subject: str = "") -> AIRequest:
    request = AIRequest(
        provider=usage.provider,
        model=usage.model[:60],
        purpose=purpose,
        tokens_in=usage.tokens_in,
        tokens_out=usage.tokens_out,
        cost_usd=usage.cost_usd,
        latency_ms=round(usage.latency_ms, 2),
        outcome=usage.outcome,
        error=usage.error[:300],
        subject=subject[:60],
    )
    insert_rows(request)  # one for every message the AI reads
    return request


# ---------------------------------------------------------------------------------------------
# Providers
# ---------------------------------------------------------------------------------------------
def openai_provider():  # type: ignore[no-untyped-def]
    from ai.openai_provider import OpenAIProvider

    return OpenAIProvider(
        settings.OPENAI_API_KEY or "not-needed",
        base_url=settings.OPENAI_BASE_URL,
        model=settings.OPENAI_MODEL,
        timeout=settings.AI_TIMEOUT_SECONDS,
        json_mode=settings.OPENAI_JSON_MODE,
    )


def uses_openai() -> bool:
    return settings.AI_PROVIDER == "openai"


def local_analysis(text: str, *, history: list[Turn] | None, catalog: list[CatalogItem] | None) -> Analysis:
    from ai.local.analyzer import analyze

    return analyze(text, lexicon=current_lexicon(), catalog=catalog, history=history)


def analyze_text(
    text: str,
    *,
    history: list[Turn] | None = None,
    catalog: list[CatalogItem] | None = None,
    context: dict[str, Any] | None = None,
    subject: str = "",
) -> Analysis:
    """Analyse with the configured provider; fall back to the local rules on any failure.

    A text past ``MAX_ANALYSED_CHARS`` is read by its start and end, by either provider.
    """
    from ai.errors import AIError
    from ai.local.analyzer import bounded

    text = bounded(text)
    failure = ""
    if uses_openai():
        if budget_exhausted():
            failure = "budget"
            log_request(Usage(provider="openai", model=settings.OPENAI_MODEL, outcome="budget",
                              error="monthly budget spent"), purpose=AIRequest.Purpose.ANALYSIS, subject=subject)
        else:
            try:
                analysis, usage = openai_provider().analyze(text, history=history, context=context)
            except AIError as exc:
                failure = type(exc).__name__
                usage = exc.usage or Usage(provider="openai", model=settings.OPENAI_MODEL, outcome="error")
                log_request(replace(usage, error=usage.error or str(exc)[:300]),
                            purpose=AIRequest.Purpose.ANALYSIS, subject=subject)
            else:
                log_request(usage, purpose=AIRequest.Purpose.ANALYSIS, subject=subject)
                return analysis
    started = time.perf_counter()
    analysis = local_analysis(text, history=history, catalog=catalog)
    elapsed = (time.perf_counter() - started) * 1000
    log_request(Usage(provider="local", model="rules", latency_ms=elapsed,
                      outcome="fallback" if failure else "ok", error=failure),
                purpose=AIRequest.Purpose.ANALYSIS, subject=subject)
    if failure:
        analysis = replace(analysis, fallback=True, notes=(*analysis.notes, f"fallback: {failure}"))
    return analysis


def write_reply(
    *,
    instruction: str,
    history: list[Turn],
    catalog: list[CatalogItem],
    facts: dict[str, Any],
    fallback_text: str,
    subject: str = "",
) -> Reply:
    """A generated reply with the OpenAI provider (grounded in the catalog), else the templated one."""
    from ai.errors import AIError

    if not uses_openai() or budget_exhausted():
        return Reply(text=fallback_text)
    try:
        reply = openai_provider().reply(instruction=instruction, history=history, catalog=catalog, facts=facts,
                                        fallback_text=fallback_text)
    except AIError as exc:
        usage = exc.usage or Usage(provider="openai", model=settings.OPENAI_MODEL, outcome="error")
        log_request(replace(usage, error=usage.error or str(exc)[:300]), purpose=AIRequest.Purpose.REPLY,
                    subject=subject)
        return Reply(text=fallback_text, grounded=True)
    if reply.usage:
        usage = reply.usage if reply.grounded else replace(reply.usage, outcome="invalid",
                                                           error="price not in the catalog")
        log_request(usage, purpose=AIRequest.Purpose.REPLY, subject=subject)
    return reply


def summarize(history: list[Turn], *, subject: str = "") -> str:
    """Two to four lines for an agent: the provider's summary, or the last messages when local."""
    from ai.errors import AIError

    if uses_openai() and not budget_exhausted():
        try:
            text, usage = openai_provider().summarize(history)
        except AIError as exc:
            usage = exc.usage or Usage(provider="openai", model=settings.OPENAI_MODEL, outcome="error")
            log_request(usage, purpose=AIRequest.Purpose.SUMMARY, subject=subject)
        else:
            log_request(usage, purpose=AIRequest.Purpose.SUMMARY, subject=subject)
            return text
    customer = [t.text for t in history if t.role == "customer"][-3:]
    return " / ".join(customer)[:500]


def transcribe_audio(audio: bytes, *, filename: str, mime_type: str, subject: str = "") -> str | None:
    """The text of a voice note, or None when no transcription provider is configured (or it failed)."""
    from ai.errors import AIError
    from ai.transcription import transcribe

    if not uses_openai() or budget_exhausted():
        return None
    try:
        text, usage = transcribe(audio, filename=filename, mime_type=mime_type, api_key=settings.OPENAI_API_KEY,
                                 base_url=settings.OPENAI_BASE_URL, model=settings.OPENAI_TRANSCRIBE_MODEL,
                                 timeout=max(settings.AI_TIMEOUT_SECONDS, 30))
    except AIError as exc:
        usage = exc.usage or Usage(provider="openai", model=settings.OPENAI_TRANSCRIBE_MODEL, outcome="error")
        log_request(usage, purpose=AIRequest.Purpose.TRANSCRIPTION, subject=subject)
        return None
    log_request(usage, purpose=AIRequest.Purpose.TRANSCRIPTION, subject=subject)
    return text
