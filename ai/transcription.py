"""Speech to text through an OpenAI-compatible ``/audio/transcriptions`` endpoint (Whisper and successors)."""

from __future__ import annotations

import io
import math
import time
import wave
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import openai

from ai.clients import openai_client
from ai.errors import AIError, AIInvalidOutputError, AITimeoutError, AIUnavailableError
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


def _request(audio: bytes, *, filename: str, mime_type: str, api_key: str, base_url: str, model: str,
             timeout: float, options: dict[str, Any]) -> tuple[Any, float]:
    """POST ``{base_url}/audio/transcriptions``; the response and when it started. Failures raised as ``AIError``."""
    client = openai_client(api_key, base_url, float(timeout))
    started = time.perf_counter()
    try:
        return client.audio.transcriptions.create(model=model, file=(filename, audio, mime_type), **options), started
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


def transcribe(audio: bytes, *, filename: str, mime_type: str, api_key: str, base_url: str, model: str = "whisper-1",
               timeout: float = 30, language: str = "es") -> tuple[str, Usage]:
    """The text said in ``audio`` (may be "" for silence) and the ``Usage``; cost is 0 when the duration is
    unknown. ``whisper-*`` models are asked for ``verbose_json`` so the duration comes back."""
    options: dict[str, Any] = {"response_format": "verbose_json" if model.startswith("whisper") else "json"}
    if language:
        options["language"] = language
    response, started = _request(audio, filename=filename, mime_type=mime_type, api_key=api_key, base_url=base_url,
                                 model=model, timeout=timeout, options=options)
    text = response if isinstance(response, str) else getattr(response, "text", None)
    seconds, tokens_in, tokens_out = _seconds_and_tokens(response)
    usage = _usage(model, started, seconds=seconds, tokens_in=tokens_in, tokens_out=tokens_out)
    if not isinstance(text, str):
        raise AIInvalidOutputError("transcription: no text in the response",
                                   _usage(model, started, outcome="invalid", error="no text in the response"))
    return text.strip(), usage


# --------------------------------------------------------------------------------------------
# Calls: timed segments, speaker turns when the server or the recording gives them
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One stretch of speech. ``speaker`` is "" when nobody told who spoke."""

    start: float
    end: float
    text: str
    speaker: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "start": round(self.start, 2), "end": round(self.end, 2), "text": self.text}


@dataclass(frozen=True)
class Transcript:
    text: str
    segments: tuple[Segment, ...] = ()
    duration: float | None = None


@dataclass(frozen=True)
class CallTranscription:
    """What became of a call's transcription: ``done`` (text and segments), ``pending`` (no provider: try when
    there is one), ``retry`` (timed out or the provider is down: try again later) or ``failed`` (refused for good)."""

    state: str
    text: str = ""
    segments: tuple[Segment, ...] = ()
    reason: str = ""
    retry_after: float | None = None
    usages: tuple[Usage, ...] = field(default=(), repr=False)


def _field(item: Any, name: str) -> Any:
    if isinstance(item, dict):
        return item.get(name)
    value = getattr(item, name, None)
    if value is None:
        extra = getattr(item, "model_extra", None) or {}
        value = extra.get(name)
    return value


def _float(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _speaker(item: Any) -> str:
    """A segment's speaker as servers write it: ``speaker`` (diarized_json), ``speaker_label``, ``channel``."""
    for name in ("speaker", "speaker_label", "channel"):
        value = _field(item, name)
        if value not in (None, ""):
            return str(value)[:40]
    return ""


def transcript_from_response(response: Any, *, speaker: str = "") -> Transcript:
    """A ``Transcript`` out of a ``json``, ``verbose_json`` or ``diarized_json`` answer (SDK object or dict);
    ``speaker`` labels every segment when the audio was one person's channel."""
    if isinstance(response, str):
        text = response.strip()
        return Transcript(text=text, segments=(Segment(0.0, 0.0, text, speaker),) if text else ())
    segments = []
    for item in _field(response, "segments") or ():
        seg_text = str(_field(item, "text") or "").strip()
        if not seg_text:
            continue
        segments.append(Segment(start=_float(_field(item, "start")), end=_float(_field(item, "end")), text=seg_text,
                                speaker=speaker or _speaker(item)))
    text = _field(response, "text")
    if not isinstance(text, str):
        if not segments:
            raise ValueError("no text in the response")
        text = " ".join(segment.text for segment in segments)
    duration = _field(response, "duration")
    return Transcript(text=text.strip(), segments=tuple(segments),
                      duration=_float(duration) if duration is not None else None)


def response_format_for(model: str) -> dict[str, Any]:
    """``verbose_json`` (timed segments) for Whisper-style servers; diarizing models give speaker turns; OpenAI's
    gpt-4o transcribers answer plain ``json`` only."""
    name = model.lower()
    if "diarize" in name:
        return {"response_format": "diarized_json", "chunking_strategy": "auto"}
    if name.startswith("gpt-4o"):
        return {"response_format": "json"}
    return {"response_format": "verbose_json"}


def transcribe_segments(audio: bytes, *, filename: str, mime_type: str, api_key: str, base_url: str, model: str,
                        timeout: float, language: str = "es", speaker: str = "") -> tuple[Transcript, Usage]:
    """``audio``'s transcript with its timed segments (and speakers when the server gives them), and the ``Usage``."""
    options = response_format_for(model)
    if language:
        options["language"] = language
    response, started = _request(audio, filename=filename, mime_type=mime_type, api_key=api_key, base_url=base_url,
                                 model=model, timeout=timeout, options=options)
    seconds, tokens_in, tokens_out = _seconds_and_tokens(response)
    try:
        transcript = transcript_from_response(response, speaker=speaker)
    except ValueError as exc:
        raise AIInvalidOutputError("transcription: no text in the response",
                                   _usage(model, started, outcome="invalid", error=str(exc))) from exc
    return transcript, _usage(model, started, seconds=seconds, tokens_in=tokens_in, tokens_out=tokens_out)


def split_wav_channels(audio: bytes) -> list[bytes] | None:
    """A two-channel PCM WAV as one mono WAV per channel (a dual-channel call recording: one side each);
    None for anything else (mono, MP3, unreadable)."""
    try:
        with wave.open(io.BytesIO(audio), "rb") as source:
            channels, width, rate = source.getnchannels(), source.getsampwidth(), source.getframerate()
            if channels != 2:
                return None
            frames = source.readframes(source.getnframes())
    except (wave.Error, EOFError):
        return None
    frame = width * channels
    sides = [bytearray(), bytearray()]
    view = memoryview(frames)
    for offset in range(0, len(frames) - frame + 1, frame):
        sides[0] += view[offset:offset + width]
        sides[1] += view[offset + width:offset + frame]
    result = []
    for side in sides:
        out = io.BytesIO()
        with wave.open(out, "wb") as target:
            target.setnchannels(1)
            target.setsampwidth(width)
            target.setframerate(rate)
            target.writeframes(bytes(side))
        result.append(out.getvalue())
    return result


_DEFAULT_OPENAI_HOST = "api.openai.com"


#: The longest wait for one transcription request, however long the call (the task's time limit is above two).
MAX_TRANSCRIPTION_TIMEOUT = 120.0


def transcription_timeout(per_minute: float, audio_seconds: float | None) -> float:
    """``per_minute`` seconds for each started minute of audio (one minute when the length is unknown), at most
    ``MAX_TRANSCRIPTION_TIMEOUT``."""
    minutes = max(1, math.ceil((audio_seconds or 0) / 60))
    return min(float(per_minute) * minutes, max(float(per_minute), MAX_TRANSCRIPTION_TIMEOUT))


def transcription_provider_reason() -> str:
    """Why no call can be transcribed now ("" when a provider is there): the OpenAI provider, a key, or a
    self-hosted OpenAI-compatible server (``OPENAI_BASE_URL`` other than OpenAI's) make one."""
    from django.conf import settings

    from ai.services import budget_exhausted

    base_url = settings.OPENAI_BASE_URL or ""
    self_hosted = bool(base_url) and urlsplit(base_url).hostname not in (None, _DEFAULT_OPENAI_HOST)
    if not base_url or not (settings.AI_PROVIDER == "openai" or settings.OPENAI_API_KEY or self_hosted):
        return "no transcription provider configured"
    if urlsplit(base_url).hostname == _DEFAULT_OPENAI_HOST and not settings.OPENAI_API_KEY:
        return "no transcription provider configured"
    if budget_exhausted():
        return "AI monthly budget reached"
    return ""


def transcribe_call_audio(audio: bytes, *, filename: str, mime_type: str, channels: int = 1,
                          channel_speakers: tuple[str, str] = ("customer", "agent"), mono_speaker: str = "",
                          audio_seconds: float | None = None, subject: str = "") -> CallTranscription:
    """A call recording's transcript through the configured OpenAI-compatible audio endpoint, each request logged
    as an ``AIRequest`` (purpose transcription). Never raises: no provider, a timeout or a refusal come back as
    the ``state`` of the result. A dual-channel WAV is sent one side at a time, each side labelled with
    ``channel_speakers`` (Twilio's first channel is the call's first leg), and the turns merged by time; a mono
    recording's segments are labelled ``mono_speaker`` when the caller knows who spoke (a voicemail).

    The timeout is ``AI_TIMEOUT_SECONDS`` per started minute of audio (``audio_seconds``): a server needs longer
    for a five-minute call than for a voice note, and a stuck one is still given up on."""
    from django.conf import settings

    from ai.models import AIRequest
    from ai.services import log_request

    reason = transcription_provider_reason()
    if reason:
        return CallTranscription(state="pending", reason=reason)
    model = settings.OPENAI_TRANSCRIBE_MODEL
    timeout = transcription_timeout(settings.AI_TIMEOUT_SECONDS, audio_seconds)
    sides = split_wav_channels(audio) if channels != 1 or mime_type in {"audio/wav", "audio/x-wav", "audio/wave"} \
        else None
    parts: list[tuple[bytes, str]] = [(side, channel_speakers[i]) for i, side in enumerate(sides)] if sides \
        else [(audio, mono_speaker)]
    transcripts: list[Transcript] = []
    usages: list[Usage] = []
    for part, speaker in parts:
        try:
            transcript, usage = transcribe_segments(
                part, filename=filename, mime_type=mime_type if not sides else "audio/wav",
                api_key=settings.OPENAI_API_KEY or "not-needed", base_url=settings.OPENAI_BASE_URL, model=model,
                timeout=timeout, speaker=speaker,
            )
        except AIError as exc:
            usage = exc.usage or Usage(provider=PROVIDER, model=model, outcome="error", error=str(exc)[:300])
            log_request(usage, purpose=AIRequest.Purpose.TRANSCRIPTION, subject=subject)
            state = "retry" if exc.retryable else "failed"
            return CallTranscription(state=state, reason=exc.message[:255], usages=(*usages, usage))
        log_request(usage, purpose=AIRequest.Purpose.TRANSCRIPTION, subject=subject)
        usages.append(usage)
        transcripts.append(transcript)
    if len(transcripts) == 1:
        only = transcripts[0]
        return CallTranscription(state="done", text=only.text, segments=only.segments, usages=tuple(usages))
    segments = tuple(sorted((s for t in transcripts for s in t.segments), key=lambda s: (s.start, s.end)))
    text = "\n".join(s.text for s in segments)  # one line a turn; who said it is in the segments
    return CallTranscription(state="done", text=text, segments=segments, usages=tuple(usages))
