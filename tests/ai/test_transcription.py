"""transcribe() against a local fake server speaking the OpenAI audio-transcriptions wire format."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal as D

import pytest
from werkzeug import Response

from ai.errors import AITimeoutError, AIUnavailableError
from ai.transcription import transcribe

PATH = "/v1/audio/transcriptions"
AUDIO = b"OggS\x00fake-opus-voice-note"


def call(httpserver, **kwargs):
    options = {"filename": "nota.ogg", "mime_type": "audio/ogg", "api_key": "sk-test",
               "base_url": httpserver.url_for("/v1"), "timeout": 2.0} | kwargs
    return transcribe(AUDIO, **options)


def test_transcribe_posts_multipart_with_model_file_and_language_and_returns_the_text(httpserver):
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(
        {"text": " Hola, ¿cuánto sale el iPhone 15? "})
    text, usage = call(httpserver)
    httpserver.check_assertions()
    assert text == "Hola, ¿cuánto sale el iPhone 15?"
    request, _ = httpserver.log[-1]
    assert request.mimetype == "multipart/form-data"
    assert request.form["model"] == "whisper-1"
    assert request.form["language"] == "es"
    assert request.form["response_format"] == "verbose_json"
    upload = request.files["file"]
    assert upload.filename == "nota.ogg"
    assert upload.mimetype == "audio/ogg"
    assert upload.read() == AUDIO
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert (usage.provider, usage.model, usage.outcome) == ("openai", "whisper-1", "ok")
    assert usage.cost_usd == D("0")  # no duration in the answer


def test_transcribe_prices_the_audio_when_the_server_gives_its_duration(httpserver):
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(
        {"task": "transcribe", "language": "spanish", "duration": 90.0, "text": "hola", "segments": []})
    _, usage = call(httpserver)
    assert usage.cost_usd == D("0.009")  # 1.5 min * 0.006


def test_transcribe_with_a_gpt4o_model_asks_for_json_and_reads_duration_usage(httpserver):
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(
        {"text": "hola", "usage": {"type": "duration", "seconds": 60}})
    text, usage = call(httpserver, model="gpt-4o-mini-transcribe", language="")
    request, _ = httpserver.log[-1]
    assert request.form["response_format"] == "json"
    assert "language" not in request.form
    assert (text, usage.cost_usd) == ("hola", D("0.003"))


@pytest.mark.parametrize("status", [500, 401, 429])
def test_transcribe_raises_unavailable_on_server_errors(httpserver, status):
    httpserver.expect_request(PATH, method="POST").respond_with_json({"error": {"message": "no"}}, status=status)
    with pytest.raises(AIUnavailableError) as caught:
        call(httpserver)
    assert caught.value.status == status
    assert caught.value.usage.outcome == "error"


def test_transcribe_raises_timeout_when_the_server_is_slow(httpserver):
    done = threading.Event()

    def slow(request):
        time.sleep(0.6)
        done.set()
        return Response(json.dumps({"text": "tarde"}), content_type="application/json")

    httpserver.expect_request(PATH, method="POST").respond_with_handler(slow)
    with pytest.raises(AITimeoutError) as caught:
        call(httpserver, timeout=0.2)
    assert caught.value.usage.outcome == "timeout"
    assert done.wait(2)  # let the slow handler finish so it does not leak into the next test
    time.sleep(0.05)
