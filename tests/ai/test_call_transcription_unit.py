"""ai/transcription.py's call pieces on plain data: a dual-channel WAV split into its sides, the answers of
Whisper-style and diarizing servers read into timed (speaker) segments, the response format asked of each kind
of model, and when there is a transcription provider at all."""

from __future__ import annotations

import io
import wave

import pytest

from ai.transcription import (
    Segment,
    response_format_for,
    split_wav_channels,
    transcript_from_response,
    transcription_provider_reason,
)
from tests.calls.transcript_fakes import MP3, is_silent_wav, stereo_wav


def mono_wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(8000)
        target.writeframes(b"\x01\x00" * 100)
    return out.getvalue()


def test_a_stereo_wav_is_split_into_one_mono_wav_per_channel():
    sides = split_wav_channels(stereo_wav(left_silent=True, frames=400))
    assert sides is not None and len(sides) == 2
    for side in sides:
        with wave.open(io.BytesIO(side), "rb") as mono:
            assert (mono.getnchannels(), mono.getsampwidth(), mono.getframerate(), mono.getnframes()) == (
                1, 2, 8000, 400)
    assert is_silent_wav(sides[0]) and not is_silent_wav(sides[1])


@pytest.mark.parametrize("audio", [mono_wav(), MP3, b""])
def test_anything_but_a_stereo_wav_is_not_split(audio):
    assert split_wav_channels(audio) is None


def test_verbose_json_segments_become_timed_segments_labelled_with_the_channels_speaker():
    answer = {"text": " Hola. ¿Qué tal? ", "duration": 3.5,
              "segments": [{"id": 0, "start": 0, "end": 1.2, "text": " Hola. "},
                           {"id": 1, "start": 1.2, "end": 3.5, "text": "¿Qué tal?"},
                           {"id": 2, "start": 3.5, "end": 3.5, "text": "  "}]}
    transcript = transcript_from_response(answer, speaker="agent")
    assert transcript.text == "Hola. ¿Qué tal?"
    assert transcript.duration == 3.5
    assert transcript.segments == (Segment(0.0, 1.2, "Hola.", "agent"), Segment(1.2, 3.5, "¿Qué tal?", "agent"))
    assert transcript.segments[0].as_dict() == {"speaker": "agent", "start": 0.0, "end": 1.2, "text": "Hola."}


@pytest.mark.parametrize("field", ["speaker", "speaker_label", "channel"])
def test_a_servers_own_speaker_labels_are_kept(field):
    answer = {"segments": [{"start": 0, "end": 1, "text": "Aló", field: "SPEAKER_01"}]}
    transcript = transcript_from_response(answer)
    assert transcript.text == "Aló"  # no top-level text: the segments' text
    assert transcript.segments[0].speaker == "SPEAKER_01"


def test_plain_json_gives_the_text_and_no_timing():
    transcript = transcript_from_response({"text": "hola"})
    assert (transcript.text, transcript.segments) == ("hola", ())


def test_an_answer_without_text_or_segments_is_refused():
    with pytest.raises(ValueError, match="no text"):
        transcript_from_response({"segments": []})


@pytest.mark.parametrize(("model", "expected"), [
    ("whisper-1", {"response_format": "verbose_json"}),
    ("Systran/faster-whisper-large-v3", {"response_format": "verbose_json"}),
    ("gpt-4o-transcribe", {"response_format": "json"}),
    ("gpt-4o-transcribe-diarize", {"response_format": "diarized_json", "chunking_strategy": "auto"}),
])
def test_each_kind_of_model_is_asked_for_the_format_it_gives(model, expected):
    assert response_format_for(model) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("provider", "base_url", "key", "reason"), [
    ("local", "https://api.openai.com/v1", "", "no transcription provider configured"),
    ("openai", "https://api.openai.com/v1", "", "no transcription provider configured"),
    ("local", "", "sk-test", "no transcription provider configured"),
    ("local", "https://api.openai.com/v1", "sk-test", ""),
    ("openai", "https://api.openai.com/v1", "sk-test", ""),
    ("local", "http://whisper.internal:8000/v1", "", ""),  # a self-hosted faster-whisper server
])
def test_a_provider_is_there_with_a_key_or_a_self_hosted_server(settings, provider, base_url, key, reason):
    settings.AI_PROVIDER, settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = provider, base_url, key
    assert transcription_provider_reason() == reason


@pytest.mark.parametrize(("seconds", "timeout"), [(None, 8.0), (0, 8.0), (42, 8.0), (60, 8.0), (61, 16.0),
                                                  (300, 40.0), (3600, 120.0)])
def test_the_timeout_grows_with_each_started_minute_of_audio(seconds, timeout):
    from ai.transcription import transcription_timeout

    assert transcription_timeout(8, seconds) == timeout
