"""Speech to text through an OpenAI-compatible ``/audio/transcriptions`` endpoint (Whisper and successors)."""

from __future__ import annotations

import time
from typing import Any

import openai

from ai.clients import openai_client
from ai.errors import AIInvalidOutputError, AITimeoutError, AIUnavailableError
from ai.pricing import transcription_cost_usd
from ai.types import Usage

PROVIDER = "openai"
_TRANSIENT_STATUS = {408, 409, 429}


def _usage(model: str, started: float, *, seconds: float | None = None, tokens_in: int = 0, tokens_out: int = 0,
           outcome: str = "ok", error: str = "") -> Usage:
    return Usage(
        provider=PROVIDER,
        model=model,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
        cost_usd=transcription_cost_usd(model, seconds),
        outcome=outcome,
        error=error[:500],
    )


def _seconds_and_tokens(response: Any) -> tuple[float | None, int, int]:
    """Audio duration when the server tells it: ``duration`` (verbose_json) or ``usage`` of type duration."""
    seconds = getattr(response, "duration", None)
    usage = getattr(response, "usage", None)
    tokens_in = tokens_out = 0
    if usage is not None:
        if seconds is None and getattr(usage, "type", "") == "duration":
            seconds = getattr(usage, "seconds", None)
        tokens_in = int(getattr(usage, "input_tokens", 0) or 0)
        tokens_out = int(getattr(usage, "output_tokens", 0) or 0)
    try:
        return (float(seconds) if seconds is not None else None), tokens_in, tokens_out
    except (TypeError, ValueError):
        return None, tokens_in, tokens_out


def transcribe(audio: bytes, *, filename: str, mime_type: str, api_key: str, base_url: str, model: str = "whisper-1",
               timeout: float = 30, language: str = "es") -> tuple[str, Usage]:
    """The text said in ``audio`` (may be "" for silence) and the ``Usage``; cost is 0 when the duration is
    unknown. ``whisper-*`` models are asked for ``verbose_json`` so the duration comes back."""
    client = openai_client(api_key, base_url, float(timeout))
    options: dict[str, Any] = {"response_format": "verbose_json" if model.startswith("whisper") else "json"}
    if language:
        options["language"] = language
    started = time.perf_counter()
    try:
        response = client.audio.transcriptions.create(model=model, file=(filename, audio, mime_type), **options)
    except openai.APITimeoutError as exc:
        usage = _usage(model, started, outcome="timeout", error=f"timeout after {timeout}s")
        raise AITimeoutError(f"transcription: no answer within {timeout}s", usage) from exc
    except openai.APIStatusError as exc:
        status = exc.status_code
        usage = _usage(model, started, outcome="error", error=f"HTTP {status}: {exc.message}")
        raise AIUnavailableError(f"transcription: HTTP {status}: {exc.message}", usage, status=status,
                                 retryable=status in _TRANSIENT_STATUS or status >= 500) from exc
    except openai.APIConnectionError as exc:
        usage = _usage(model, started, outcome="error", error=f"connection error: {exc}")
        raise AIUnavailableError(f"transcription: cannot connect: {exc}", usage, retryable=True) from exc
    except openai.OpenAIError as exc:
        usage = _usage(model, started, outcome="error", error=f"{type(exc).__name__}: {exc}")
        raise AIUnavailableError(f"transcription: {type(exc).__name__}: {exc}", usage) from exc

    text = response if isinstance(response, str) else getattr(response, "text", None)
    seconds, tokens_in, tokens_out = _seconds_and_tokens(response)
    usage = _usage(model, started, seconds=seconds, tokens_in=tokens_in, tokens_out=tokens_out)
    if not isinstance(text, str):
        raise AIInvalidOutputError("transcription: no text in the response",
                                   _usage(model, started, outcome="invalid", error="no text in the response"))
    return text.strip(), usage
