"""Calls with a stored recording (rows made directly, the audio in default storage) and a local fake
OpenAI-compatible audio endpoint (pytest-httpserver) for the transcription and analysis tests."""

from __future__ import annotations

import io
import json
import struct
import wave
from typing import Any

from django.core.files.base import ContentFile
from werkzeug import Request, Response

from calls.models import Call, CallRecording

TRANSCRIPTIONS = "/v1/audio/transcriptions"
MP3 = b"ID3\x04\x00fake-mp3-frames" * 32


def stereo_wav(*, left_silent: bool = True, frames: int = 800) -> bytes:
    """A 2-channel 16-bit PCM WAV: the left channel silent (all zeros), the right a square wave."""
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(2)
        target.setsampwidth(2)
        target.setframerate(8000)
        samples = []
        for i in range(frames):
            tone = 3000 if (i // 20) % 2 else -3000
            samples.append(struct.pack("<hh", 0 if left_silent else tone, tone))
        target.writeframes(b"".join(samples))
    return out.getvalue()


def is_silent_wav(data: bytes) -> bool:
    with wave.open(io.BytesIO(data), "rb") as source:
        return not any(source.readframes(source.getnframes()))


def call_with_recording(*, audio: bytes = MP3, content_type: str = "audio/mpeg", channels: int = 1,
                        direction: str = Call.Direction.OUTBOUND, sid: str = "RE" + "7" * 32, **fields: Any) -> Call:
    """An ended call and its recording, stored as the voice webhooks leave them."""
    call = Call.objects.create(direction=direction, from_number="+51940111222", to_number="+51987654321",
                               status=Call.Status.COMPLETED, duration=42, **fields)
    recording = CallRecording(call=call, recording_sid=sid, content_type=content_type, size=len(audio),
                              duration=42, channels=channels, state=CallRecording.State.STORED)
    extension = "wav" if "wav" in content_type else "mp3"
    recording.file.save(f"{sid}.{extension}", ContentFile(audio), save=False)
    recording.save()
    return call


def verbose_json(segments: list[tuple[float, float, str]], **extra_per_segment: Any) -> dict[str, Any]:
    """What a Whisper server answers for ``response_format=verbose_json``."""
    return {
        "task": "transcribe", "language": "spanish", "duration": segments[-1][1] if segments else 0.0,
        "text": " ".join(text for _s, _e, text in segments),
        "segments": [{"id": i, "seek": 0, "start": start, "end": end, "text": " " + text, "tokens": [],
                      "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.2, "no_speech_prob": 0.01,
                      **extra_per_segment}
                     for i, (start, end, text) in enumerate(segments)],
    }


def by_channel(silent: dict[str, Any], loud: dict[str, Any]):  # type: ignore[no-untyped-def]
    """A handler answering ``silent`` for the silent channel's upload and ``loud`` for the other one."""

    def handler(request: Request) -> Response:
        upload = request.files["file"].read()
        body = silent if is_silent_wav(upload) else loud
        return Response(json.dumps(body), content_type="application/json")

    return handler
