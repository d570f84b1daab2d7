"""The app's use of the AI: the configured provider, the local fallback, the log and the budget."""

import time
from decimal import Decimal

import pytest
from werkzeug import Response

from ai.models import AIRequest, LexiconEntry
from ai.services import analyze_text, lexicon_changed, monthly_spend, write_reply
from ai.types import CatalogItem, Intent
from tests.ai.test_openai_provider import CHAT, analysis_json, completion

pytestmark = pytest.mark.django_db
IPHONE = CatalogItem(id="101", name="iPhone 15 128 GB", price=Decimal("3799.00"), currency="PEN", stock=3)


@pytest.fixture
def openai_server(httpserver, settings):
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_MODEL = "gpt-4o-mini"
    settings.AI_TIMEOUT_SECONDS = 0.5
    settings.AI_MONTHLY_BUDGET_USD = ""
    return httpserver


def test_valid_json_from_the_provider_is_used_and_logged_with_tokens_and_cost(openai_server):
    openai_server.expect_request(CHAT, method="POST").respond_with_json(completion(analysis_json()))
    analysis = analyze_text("cuanto cuesta el iphone 15 de 128 azul?", subject="message:1")
    assert (analysis.provider, analysis.intent, analysis.fallback) == ("openai", Intent.PRICE_QUERY, False)
    log = AIRequest.objects.get()
    assert (log.provider, log.purpose, log.tokens_in, log.tokens_out, log.outcome) == (
        "openai", "analysis", 1200, 150, "ok")
    assert log.cost_usd == Decimal("0.00027")  # 1200 * 0.15/1M + 150 * 0.60/1M
    assert monthly_spend()["cost_usd"] == Decimal("0.00027")


def test_invalid_json_falls_back_to_local_and_marks_the_analysis(openai_server):
    openai_server.expect_request(CHAT, method="POST").respond_with_json(completion("{not json"))
    analysis = analyze_text("hola, cuanto cuesta el plan de 20 gb?")
    assert analysis.provider == "local" and analysis.fallback
    assert analysis.intent == Intent.PRICE_QUERY
    outcomes = list(AIRequest.objects.order_by("pk").values_list("provider", "outcome"))
    assert outcomes == [("openai", "invalid"), ("local", "fallback")]


def test_timeout_falls_back_to_local(openai_server):
    def slow(_request):
        time.sleep(1.0)
        return Response(analysis_json(), content_type="application/json")

    openai_server.expect_request(CHAT, method="POST").respond_with_handler(slow)
    analysis = analyze_text("quiero contratar fibra")
    assert analysis.fallback and analysis.provider == "local"
    assert AIRequest.objects.filter(provider="openai", outcome="timeout").exists()


def test_spent_budget_stops_calling_the_provider(openai_server, settings):
    AIRequest.objects.create(provider="openai", model="gpt-4o-mini", purpose="analysis", cost_usd=Decimal("5"))
    settings.AI_MONTHLY_BUDGET_USD = "5"
    analysis = analyze_text("hola, precio del iphone?")
    assert analysis.fallback and analysis.provider == "local"
    assert openai_server.log == []
    assert AIRequest.objects.filter(outcome="budget").exists()


def test_an_invented_price_is_replaced_by_the_templated_reply(openai_server):
    openai_server.expect_request(CHAT, method="POST").respond_with_json(
        completion("¡Hola! El iPhone 15 está a S/ 2,999.00, ¡una ganga! 🎉"))
    reply = write_reply(instruction="answer price", history=[], catalog=[IPHONE], facts={},
                        fallback_text="iPhone 15 128 GB está a S/ 3,799.00")
    assert reply.text == "iPhone 15 128 GB está a S/ 3,799.00" and not reply.grounded
    assert AIRequest.objects.get(purpose="reply").outcome == "invalid"


def test_local_provider_is_logged_too_and_costs_nothing():
    analyze_text("buenas, tienen cobertura en Surco?")
    log = AIRequest.objects.get()
    assert (log.provider, log.cost_usd, log.outcome) == ("local", Decimal("0"), "ok")
    assert log.latency_ms < 200


def test_admin_lexicon_entries_change_what_the_local_analyzer_reads():
    assert analyze_text("quiero el plan gpon").entities.service_type != "tv"
    LexiconEntry.objects.create(kind="synonym", key="service_type:tv", phrase="gpon")
    lexicon_changed()
    assert analyze_text("quiero el plan gpon").entities.service_type == "tv"


def test_try_a_message_page_shows_the_analysis(admin_client):
    response = admin_client.post("/admin/ai/lexiconentry/try/", {"text": "cuanto cuesta el plan de 20 gb de entel?"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "price_query" in html and "entel" in html


def test_ai_requests_changelist_shows_the_month(admin_client, settings):
    settings.AI_MONTHLY_BUDGET_USD = "10"
    AIRequest.objects.create(provider="openai", model="gpt-4o-mini", purpose="reply", cost_usd=Decimal("2.5"),
                             tokens_in=1000, tokens_out=100)
    html = admin_client.get("/admin/ai/airequest/").content.decode()
    assert 'id="ai-month"' in html and "2,5000" in html and "crm-progress" in html  # es: decimal comma
