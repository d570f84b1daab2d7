"""OpenAIProvider against a local fake server speaking the OpenAI chat-completions wire format."""

from __future__ import annotations

import json
import logging
import threading
import time
from decimal import Decimal as D

import pytest
from werkzeug import Response

from ai.errors import AIInvalidOutputError, AITimeoutError, AIUnavailableError
from ai.openai_provider import ANALYSIS_SCHEMA, OpenAIProvider
from ai.pricing import cost_usd, is_priced, transcription_cost_usd
from ai.types import CatalogItem, Entities, Intent, Money, Sentiment, Turn

CHAT = "/v1/chat/completions"
MODEL = "gpt-4o-mini"
IPHONE = CatalogItem(id="101", name="iPhone 15 128 GB", price=D("3799.00"), currency="PEN", stock=3,
                     wholesale_price=D("3550.00"))
FALLBACK = "iPhone 15 128 GB está a S/ 3,799.00 💰 y hay stock disponible. ¿Te lo separo?"


def completion(content: str, *, prompt_tokens=1200, completion_tokens=150, finish_reason="stop") -> dict:
    return {
        "id": "chatcmpl-test123",
        "object": "chat.completion",
        "created": 1735689600,
        "model": f"{MODEL}-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def analysis_json(**overrides) -> str:
    data = {
        "intent": "price_query",
        "confidence": 0.92,
        "sentiment": "neutral",
        "sentiment_score": 0.1,
        "entities": {
            "service_type": "device", "operator": "", "products": ["101"], "product_terms": "iphone 15",
            "capacity_gb": 128, "color": "azul", "speed_mbps": None, "data_gb": None, "quantity": 2,
            "budget": {"amount": "4000", "currency": "PEN"}, "zone": "miraflores", "address": "", "name": "Ana",
            "email": "", "phone": "+51 987 654 321", "urgency": True,
        },
        "secondary_intents": ["stock_query", "price_query"],
    }
    data.update(overrides)
    return json.dumps(data)


@pytest.fixture
def provider(httpserver):
    return OpenAIProvider("sk-test", base_url=httpserver.url_for("/v1"), model=MODEL, timeout=2.0)


def expect_chat(httpserver, content: str, **kwargs):
    httpserver.expect_oneshot_request(CHAT, method="POST").respond_with_json(completion(content, **kwargs))


def sent_body(httpserver) -> dict:
    request, _ = httpserver.log[-1]
    return json.loads(request.data)


CONTEXT = {"catalog": [{"id": "101", "name": "iPhone 15 128 GB"}], "operators": ["claro", "movistar"],
           "zones": ["Miraflores", "San Isidro"]}


def test_analyze_maps_valid_json_to_an_analysis_with_usage(httpserver, provider):
    expect_chat(httpserver, analysis_json())
    analysis, usage = provider.analyze("hola, cuánto sale el iphone 15 azul? necesito 2 para hoy", context=CONTEXT)
    httpserver.check_assertions()
    assert analysis.intent is Intent.PRICE_QUERY
    assert analysis.confidence == pytest.approx(0.92)
    assert analysis.sentiment is Sentiment.NEUTRAL
    assert analysis.secondary_intents == (Intent.STOCK_QUERY,)
    assert analysis.provider == "openai"
    assert analysis.fallback is False
    assert analysis.entities == Entities(
        service_type="device", products=("101",), product_terms="iphone 15", capacity_gb=128, color="azul",
        quantity=2, budget=Money(D("4000"), "PEN"), zone="Miraflores", name="Ana", phone="+51987654321",
        urgency=True,
    )
    assert (usage.provider, usage.model, usage.outcome) == ("openai", MODEL, "ok")
    assert (usage.tokens_in, usage.tokens_out) == (1200, 150)
    assert usage.cost_usd == D("0.00027")  # 1200 * 0.15/1M + 150 * 0.60/1M
    assert usage.latency_ms > 0


def test_analyze_sends_model_json_schema_and_the_customer_text(httpserver, provider):
    expect_chat(httpserver, analysis_json())
    provider.analyze("¿tenés el iphone en azul?", history=[Turn("customer", "hola"), Turn("assistant", "¡Hola!")],
                     context=CONTEXT)
    body = sent_body(httpserver)
    assert body["model"] == MODEL
    assert body["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "analysis", "strict": True, "schema": ANALYSIS_SCHEMA}}
    assert body["messages"][-1] == {"role": "user", "content": "¿tenés el iphone en azul?"}
    assert body["messages"][0]["role"] == "system"
    background = body["messages"][1]["content"]
    assert "101: iPhone 15 128 GB" in background
    assert "claro, movistar" in background
    assert "Cliente: hola" in background


def test_analyze_drops_products_and_operators_outside_the_context(httpserver, provider):
    entities = json.loads(analysis_json())["entities"] | {"products": ["999", "iphone 15 128 gb"], "operator": "wom"}
    expect_chat(httpserver, analysis_json(entities=entities))
    analysis, _ = provider.analyze("precio", context=CONTEXT)
    assert analysis.entities.products == ("101",)
    assert analysis.entities.operator == ""
    assert any("999" in note for note in analysis.notes)


def test_analyze_without_budget_gives_none(httpserver, provider):
    entities = json.loads(analysis_json())["entities"] | {"budget": None}
    expect_chat(httpserver, analysis_json(entities=entities))
    analysis, _ = provider.analyze("hola")
    assert analysis.entities.budget is None
    assert analysis.entities.products == ()  # no catalog in the context: nothing can be grounded


@pytest.mark.parametrize(
    "content",
    [
        "no es json",
        "",
        analysis_json(intent="buy_now"),
        analysis_json(confidence=1.5),
        analysis_json(sentiment_score="bad"),
        analysis_json(extra=1),
        json.dumps({"intent": "greeting"}),
        analysis_json(entities=json.loads(analysis_json())["entities"] | {"budget": {"amount": "1,500",
                                                                                     "currency": "PEN"}}),
        analysis_json(entities=json.loads(analysis_json())["entities"] | {"capacity_gb": "128"}),
        analysis_json(secondary_intents=["nope"]),
    ],
)
def test_analyze_raises_invalid_output_with_usage_when_json_breaks_the_schema(httpserver, provider, content):
    expect_chat(httpserver, content)
    with pytest.raises(AIInvalidOutputError) as caught:
        provider.analyze("hola")
    usage = caught.value.usage
    assert usage is not None
    assert usage.outcome == "invalid"
    assert (usage.tokens_in, usage.tokens_out) == (1200, 150)
    assert usage.cost_usd > 0
    assert usage.error


def test_analyze_raises_invalid_output_when_the_json_was_cut_at_the_token_limit(httpserver, provider):
    expect_chat(httpserver, analysis_json()[:40], finish_reason="length")
    with pytest.raises(AIInvalidOutputError):
        provider.analyze("hola")


def test_analyze_raises_timeout_when_the_server_is_slower_than_the_timeout(httpserver):
    done = threading.Event()

    def slow(request):
        time.sleep(0.6)
        done.set()
        return Response(json.dumps(completion(analysis_json())), content_type="application/json")

    httpserver.expect_request(CHAT, method="POST").respond_with_handler(slow)
    provider = OpenAIProvider("sk-test", base_url=httpserver.url_for("/v1"), model=MODEL, timeout=0.2)
    with pytest.raises(AITimeoutError) as caught:
        provider.analyze("hola")
    assert caught.value.usage.outcome == "timeout"
    assert caught.value.retryable
    assert done.wait(2)  # let the slow handler finish so it does not leak into the next test
    time.sleep(0.05)
    assert len(httpserver.log) == 1  # max_retries=0: no second attempt


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (429, True), (401, False)])
def test_analyze_raises_unavailable_on_server_errors(httpserver, provider, status, retryable):
    httpserver.expect_request(CHAT, method="POST").respond_with_json(
        {"error": {"message": "boom", "type": "server_error", "code": None}}, status=status)
    with pytest.raises(AIUnavailableError) as caught:
        provider.analyze("hola")
    assert caught.value.status == status
    assert caught.value.retryable is retryable
    assert caught.value.usage.outcome == "error"
    assert str(status) in caught.value.usage.error
    assert [response.status_code for _, response in httpserver.log] == [status]  # max_retries=0


def test_analyze_raises_unavailable_when_nothing_listens():
    provider = OpenAIProvider("sk-test", base_url="http://127.0.0.1:9/v1", model=MODEL, timeout=1.0)
    with pytest.raises(AIUnavailableError) as caught:
        provider.analyze("hola")
    assert caught.value.usage.outcome == "error"
    assert caught.value.retryable


def test_reply_keeps_a_reply_that_states_only_catalog_prices(httpserver, provider):
    text = "¡Hola Ana! 😊 El iPhone 15 128 GB está a S/ 3,799.00 y nos quedan 3. ¿Te lo separo?"
    expect_chat(httpserver, text, prompt_tokens=800, completion_tokens=40)
    reply = provider.reply(instruction="Responde el precio.", history=[Turn("customer", "precio del iphone 15")],
                           catalog=[IPHONE], facts={"name": "Ana", "zone": "Miraflores"}, fallback_text=FALLBACK)
    assert reply.text == text
    assert reply.grounded is True
    assert reply.usage.outcome == "ok"
    assert (reply.usage.tokens_in, reply.usage.tokens_out) == (800, 40)


def test_reply_falls_back_to_the_template_when_it_invents_a_price(httpserver, provider):
    expect_chat(httpserver, "¡Claro! Te lo dejo en S/ 3,499.00 por hoy 🎉")
    reply = provider.reply(instruction="Responde el precio.", history=[Turn("customer", "precio?")],
                           catalog=[IPHONE], facts={}, fallback_text=FALLBACK)
    assert reply.text == FALLBACK
    assert reply.grounded is False
    assert reply.usage.outcome == "fallback"
    assert "3499" in reply.usage.error


def test_reply_falls_back_when_it_states_a_price_without_catalog_hits(httpserver, provider):
    expect_chat(httpserver, "Ese modelo sale 899 soles 😊")
    reply = provider.reply(instruction="Pide más detalles.", history=[Turn("customer", "tienen el X9?")],
                           catalog=[], facts={}, fallback_text="¿Me das más detalles?")
    assert (reply.text, reply.grounded) == ("¿Me das más detalles?", False)


def test_reply_sends_rules_facts_catalog_instruction_and_the_last_ten_turns(httpserver, provider):
    expect_chat(httpserver, "¡Con gusto! 😊")
    history = [Turn("customer" if i % 2 == 0 else "assistant", f"mensaje {i}") for i in range(14)]
    provider.reply(instruction="Pregunta por el presupuesto.", history=history, catalog=[IPHONE],
                   facts={"name": "Ana", "budget": None}, fallback_text=FALLBACK)
    body = sent_body(httpserver)
    assert body["model"] == MODEL
    assert "response_format" not in body
    system = body["messages"][0]["content"]
    assert "iPhone 15 128 GB (precio: S/ 3,799.00; precio por mayor: S/ 3,550.00; stock: 3)" in system
    assert "- name: Ana" in system
    assert "budget" not in system.split("Datos del cliente:")[1].split("Catálogo")[0]
    assert "Instrucción de la tienda para este mensaje: Pregunta por el presupuesto." in system
    turns = body["messages"][1:]
    assert len(turns) == 10
    assert turns[0] == {"role": "user", "content": "mensaje 4"}
    assert turns[-1] == {"role": "assistant", "content": "mensaje 13"}


def test_reply_raises_unavailable_on_server_errors(httpserver, provider):
    httpserver.expect_request(CHAT, method="POST").respond_with_json({"error": {"message": "down"}}, status=502)
    with pytest.raises(AIUnavailableError):
        provider.reply(instruction="x", history=[], catalog=[], facts={}, fallback_text="y")


def test_summarize_returns_at_most_four_lines_and_usage(httpserver, provider):
    expect_chat(httpserver, "Ana busca iPhone 15 azul.\nZona: Miraflores.\nPresupuesto S/ 4000.\n\nEnviar cotización."
                "\nExtra línea.")
    summary, usage = provider.summarize([Turn("customer", "hola, soy Ana"), Turn("assistant", "¡Hola Ana!")])
    assert summary.splitlines() == ["Ana busca iPhone 15 azul.", "Zona: Miraflores.", "Presupuesto S/ 4000.",
                                    "Enviar cotización."]
    assert usage.outcome == "ok"
    assert "Cliente: hola, soy Ana\nAsistente: ¡Hola Ana!" in sent_body(httpserver)["messages"][1]["content"]


def test_summarize_raises_invalid_output_when_empty(httpserver, provider):
    expect_chat(httpserver, "  ")
    with pytest.raises(AIInvalidOutputError):
        provider.summarize([Turn("customer", "hola")])


@pytest.mark.parametrize(
    ("model", "tokens_in", "tokens_out", "expected"),
    [
        ("gpt-4o-mini", 1_000_000, 1_000_000, "0.75"),
        ("gpt-4o", 2000, 500, "0.01"),  # 2000 * 2.50/1M + 500 * 10/1M
        ("gpt-4o-2024-08-06", 2000, 500, "0.01"),
        ("openai/gpt-4.1-mini", 1_000_000, 0, "0.40"),
        ("gpt-4.1", 0, 1_000_000, "8.00"),
        ("deepseek-chat", 1_000_000, 1_000_000, "0.70"),
        ("gpt-4o-mini", 1, 0, "0.00000015"),
    ],
)
def test_cost_usd_uses_the_price_table(model, tokens_in, tokens_out, expected):
    assert cost_usd(model, tokens_in, tokens_out) == D(expected)


def test_cost_usd_is_zero_and_warns_for_an_unknown_model(caplog):
    with caplog.at_level(logging.WARNING, logger="ai.pricing"):
        assert cost_usd("llama3.1:8b-local-test", 5000, 5000) == D("0")
    assert "llama3.1:8b-local-test" in caplog.text
    assert not is_priced("llama3.1:8b-local-test")
    assert is_priced("gpt-4o-mini")


def test_transcription_cost_usd_is_per_minute_and_zero_without_duration():
    assert transcription_cost_usd("whisper-1", 60) == D("0.006")
    assert transcription_cost_usd("whisper-1", 30) == D("0.003")
    assert transcription_cost_usd("gpt-4o-mini-transcribe", 120) == D("0.006")
    assert transcription_cost_usd("whisper-1", None) == D("0")
    assert transcription_cost_usd("unknown-stt", 60) == D("0")


# -- servers without JSON-schema output (DeepSeek) ---------------------------------------------------------------
def test_json_mode_follows_the_servers_host_unless_set():
    from ai.openai_provider import json_mode_for

    assert json_mode_for("https://api.openai.com/v1") == "json_schema"
    assert json_mode_for("https://api.deepseek.com/v1") == "json_object"
    assert json_mode_for("https://api.deepseek.com") == "json_object"
    assert json_mode_for("https://notdeepseek.com.example/v1") == "json_schema"
    assert json_mode_for("https://api.deepseek.com/v1", "json_schema") == "json_schema"
    assert json_mode_for("http://127.0.0.1:8000/v1", "json_object") == "json_object"
    with pytest.raises(ValueError, match="unknown JSON mode"):
        json_mode_for("https://api.openai.com/v1", "yaml")


def test_a_json_object_server_gets_the_schema_in_the_prompt_and_its_answer_is_checked_as_ever(httpserver):
    provider = OpenAIProvider("sk-test", base_url=httpserver.url_for("/v1"), model="deepseek-chat", timeout=2.0,
                              json_mode="json_object")
    expect_chat(httpserver, analysis_json())
    analysis, _ = provider.analyze("hola, cuánto sale el iphone 15 azul?", context=CONTEXT)
    body = sent_body(httpserver)
    assert body["response_format"] == {"type": "json_object"}
    instruction = body["messages"][-1]
    assert instruction["role"] == "system" and "JSON" in instruction["content"]
    assert json.loads(instruction["content"].split("\n", 1)[1]) == ANALYSIS_SCHEMA
    assert analysis.intent is Intent.PRICE_QUERY

    expect_chat(httpserver, '{"intent": "no_such_intent"}')
    with pytest.raises(AIInvalidOutputError):
        provider.analyze("hola", context=CONTEXT)


def test_the_configured_provider_asks_deepseek_for_a_json_object(settings):
    from ai.services import openai_provider

    settings.OPENAI_BASE_URL = "https://api.deepseek.com/v1"
    settings.OPENAI_JSON_MODE = "auto"
    assert openai_provider().json_mode == "json_object"
    settings.OPENAI_JSON_MODE = "json_schema"
    assert openai_provider().json_mode == "json_schema"
