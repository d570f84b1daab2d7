"""Pre-scoring as the app uses it: the configured provider (``AI_PROVIDER``), the local fallback, the log.

With ``openai`` (and a transcript to read, and budget left) the model answers and its request is logged as an
``AIRequest`` (purpose analysis, as a call's reading is); any failure — error, timeout, an unreadable answer,
the monthly budget spent — falls back to the local rules for every criterion, logs what it cost, and says why
in the provider label: ``local (openai failed: timeout)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from django.conf import settings

from ai.errors import AIError, AIInvalidOutputError, AITimeoutError, AIUnavailableError
from ai.models import AIRequest
from ai.quality.llm import prescore_llm
from ai.quality.local import prescore_local
from ai.quality.types import CriterionSpec, Line, Prescoring
from ai.services import budget_exhausted, log_request, openai_provider, uses_openai
from ai.types import Usage


def failure_label(exc: AIError) -> str:
    """A short, secret-free why: ``timeout``, ``HTTP 500``, ``unavailable``, ``invalid output``."""
    if isinstance(exc, AITimeoutError):
        return "timeout"
    if isinstance(exc, AIInvalidOutputError):
        return "invalid output"
    if isinstance(exc, AIUnavailableError) and exc.status:
        return f"HTTP {exc.status}"
    return "unavailable"


def prescore(criteria: Sequence[CriterionSpec], lines: Sequence[Line], *, subject: str = "",
             reasons: Mapping[str, str] | None = None) -> Prescoring:
    """Every criterion's proposal by the configured provider, else by the local rules (and why)."""
    criteria = list(criteria)
    local = prescore_local(criteria, lines, reasons=reasons)
    if not uses_openai() or not criteria or not any(line.text.strip() for line in lines):
        return Prescoring(proposals=tuple(local), provider="local")
    model = settings.OPENAI_MODEL
    if budget_exhausted():
        log_request(Usage(provider="openai", model=model, outcome="budget", error="monthly budget spent"),
                    purpose=AIRequest.Purpose.ANALYSIS, subject=subject)
        return Prescoring(proposals=tuple(local), provider="local (openai failed: budget)", fallback=True)
    try:
        proposals, usage = prescore_llm(openai_provider(), criteria, lines, local=local, reasons=reasons)
    except AIError as exc:
        usage = exc.usage or Usage(provider="openai", model=model, outcome="error")
        log_request(replace(usage, error=usage.error or str(exc)[:300]), purpose=AIRequest.Purpose.ANALYSIS,
                    subject=subject)
        return Prescoring(proposals=tuple(local), provider=f"local (openai failed: {failure_label(exc)})",
                          fallback=True)
    log_request(usage, purpose=AIRequest.Purpose.ANALYSIS, subject=subject)
    return Prescoring(proposals=tuple(proposals), provider=f"openai:{model}")
