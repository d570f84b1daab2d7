"""RFM segments, the six outreach profiles at their boundaries, the opening message and its wa.me link."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from werkzeug import Response

from ai.models import AIRequest
from conversations.models import Conversation
from leads.outreach import outreach_message_build, time_ago, whatsapp_url
from leads.rfm import Profile, Segment, outreach_profile, purchase_summary, rfm_score, segment_for
from operators.models import Category
from tests.ai.test_openai_provider import CHAT, completion
from tests.leads.factories import ContactFactory, LeadFactory
from tests.operators.factories import ProductFactory
from tests.reports.conftest import make_quote, make_sale

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def channel_account(db):  # type: ignore[no-untyped-def]
    from conversations.models import ChannelAccount

    return ChannelAccount.objects.create(provider="twilio_whatsapp", name="WhatsApp Lima", account_ref="+14155238886",
                                         ai_mode=ChannelAccount.AIMode.OFF)


def buy(contact, agent, *days_ago: float, total: str = "100.00", status: str = "validated", lines=()):
    for days in days_ago:
        make_sale(contact=contact, agent=agent, total=total, status=status, sold_at=NOW - timedelta(days=days),
                  lines=lines)


def profile_of(contact) -> Profile:
    return outreach_profile(purchase_summary(contact.pk, now=NOW), now=NOW)


# -- RFM -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("r", "f", "m", "segment"),
    [
        (5, 5, 5, Segment.CHAMPIONS), (4, 4, 4, Segment.CHAMPIONS), (3, 5, 5, Segment.LOYAL),
        (4, 3, 3, Segment.LOYAL), (5, 2, 2, Segment.POTENTIAL_LOYALIST), (5, 1, 1, Segment.NEW),
        (4, 1, 1, Segment.PROMISING), (3, 1, 2, Segment.NEED_ATTENTION), (2, 4, 3, Segment.AT_RISK),
        (1, 5, 5, Segment.AT_RISK), (2, 1, 2, Segment.HIBERNATING), (1, 1, 1, Segment.LOST),
    ],
)
def test_segment_grid(r, f, m, segment):
    assert segment_for(r, f, m) == segment


def test_rfm_counts_only_validated_sales(agent):
    contact = ContactFactory()
    buy(contact, agent, 10, total="2500.00")
    buy(contact, agent, 5, status="cancelled")
    rfm = rfm_score(purchase_summary(contact.pk, now=NOW), now=NOW)
    assert (rfm.recency, rfm.frequency, rfm.monetary, rfm.days_since_last) == (5, 1, 4, 10)


# -- profiles at their boundaries ----------------------------------------------------------------
def test_new_customer_when_no_validated_purchase(agent):
    contact = ContactFactory()
    buy(contact, agent, 3, status="pending_validation")
    assert profile_of(contact) == Profile.NEW_CUSTOMER


def test_first_purchase_with_three_purchases_within_30_days(agent):
    contact = ContactFactory()
    buy(contact, agent, 29.9, 10, 1)
    assert profile_of(contact) == Profile.FIRST_PURCHASE


def test_not_first_purchase_with_a_fourth_purchase(agent):
    contact = ContactFactory()
    buy(contact, agent, 29, 10, 5, 1)
    assert profile_of(contact) != Profile.FIRST_PURCHASE


def test_not_first_purchase_when_customer_for_30_days(agent):
    contact = ContactFactory()
    buy(contact, agent, 30)
    assert profile_of(contact) == Profile.ACTIVE_REPEAT


def test_vip_when_spend_is_above_the_configured_amount(agent, settings):
    settings.OUTREACH_VIP_AMOUNT = "1000"
    at_limit, above = ContactFactory(), ContactFactory()
    buy(at_limit, agent, 60, total="1000.00")
    buy(above, agent, 60, total="1000.01")
    assert profile_of(at_limit) == Profile.ACTIVE_REPEAT
    assert profile_of(above) == Profile.VIP


def test_vip_when_champions_whatever_the_amount(agent, settings):
    settings.OUTREACH_VIP_AMOUNT = "999999"
    contact = ContactFactory()
    buy(contact, agent, *range(40, 90, 5), total="500.00")  # 10 purchases, 5000 spent, last 40 days ago
    assert rfm_score(purchase_summary(contact.pk, now=NOW), now=NOW).segment == Segment.CHAMPIONS
    assert profile_of(contact) == Profile.VIP


def test_at_risk_only_after_more_than_180_days(agent):
    dormant, borderline = ContactFactory(), ContactFactory()
    buy(dormant, agent, 400, 180 + 1 / 1440)  # one minute past 180 days
    buy(borderline, agent, 400, 180)
    summary = purchase_summary(dormant.pk, now=NOW)
    assert rfm_score(summary, now=NOW).segment == Segment.HIBERNATING
    assert profile_of(dormant) == Profile.AT_RISK
    assert profile_of(borderline) != Profile.AT_RISK


def test_reactivated_after_a_long_silence_with_up_to_three_recent_purchases(agent):
    back, busy = ContactFactory(), ContactFactory()
    buy(back, agent, 400, 20, 10, 1)
    buy(busy, agent, 400, 25, 20, 10, 1)  # four recent purchases: an active customer
    assert profile_of(back) == Profile.REACTIVATED
    assert profile_of(busy) == Profile.ACTIVE_REPEAT


def test_active_repeat_when_buying_steadily(agent):
    contact = ContactFactory()
    buy(contact, agent, 400, 100, 10)  # bought between 30 and 180 days ago: never went silent
    assert profile_of(contact) == Profile.ACTIVE_REPEAT


# -- the message ---------------------------------------------------------------------------------
def test_whatsapp_link_encodes_the_text():
    contact = ContactFactory(phone="+51987654321")
    text = "¡Hola Rosa! ¿Seguimos con tu plan? 50% & más #1"
    url = whatsapp_url(contact, text)
    parsed = urlparse(url)
    assert (parsed.scheme, parsed.netloc, parsed.path) == ("https", "wa.me", "/51987654321")
    assert parse_qs(parsed.query)["text"] == [text]
    assert " " not in url and "#" not in url


def test_no_link_without_a_phone():
    contact = ContactFactory(phone="", whatsapp_id="", instagram_id="1789", name="Solo IG")
    assert whatsapp_url(contact, "hola") == ""


def test_template_message_uses_the_real_history(agent):
    contact = ContactFactory(name="rosa quispe")
    product = ProductFactory(category=Category.INTERNET_HOME, name="Fibra 300 Mbps")
    buy(contact, agent, 400, 200, lines=[(product, 1, "99.00")])
    result = outreach_message_build(contact=contact)
    assert result.profile == Profile.AT_RISK and result.source == "template"
    assert "Rosa" in result.message and "internet para tu hogar" in result.message
    assert "Fibra 300 Mbps" in result.message and "meses" in result.message
    assert parse_qs(urlparse(result.whatsapp_url).query)["text"] == [result.message]


def test_new_customer_message_mentions_visits_and_interest(agent, channel_account):
    contact = ContactFactory(name="Luis Flores")
    LeadFactory(contact=contact, service_type=Category.MOBILE)
    Conversation.objects.create(contact=contact, channel_account=channel_account)
    Conversation.objects.create(contact=contact, channel_account=channel_account, status="resolved")
    result = outreach_message_build(contact=contact)
    assert result.profile == Profile.NEW_CUSTOMER
    assert "Luis" in result.message and "2 veces" in result.message and "planes móviles" in result.message


def test_time_ago_in_spanish():
    assert time_ago(NOW, now=NOW) == "hoy"
    assert time_ago(NOW - timedelta(days=1), now=NOW) == "ayer"
    assert time_ago(NOW - timedelta(days=21), now=NOW) == "hace 3 semanas"
    assert time_ago(NOW - timedelta(days=200), now=NOW) == "hace 6 meses"
    assert time_ago(NOW - timedelta(days=800), now=NOW) == "hace más de 2 años"


@pytest.fixture
def openai_server(httpserver, settings):
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_MODEL = "gpt-4o-mini"
    settings.AI_TIMEOUT_SECONDS = 0.5
    settings.AI_MONTHLY_BUDGET_USD = ""
    return httpserver


def test_ai_writes_the_message_from_the_history_and_it_is_logged(openai_server, agent):
    contact = ContactFactory(name="Rosa Quispe", phone="+51987654321")
    product = ProductFactory(category=Category.DEVICE, name="Galaxy A15")
    buy(contact, agent, 5, lines=[(product, 1, "699.00")])
    written = "¡Hola Rosa! 😊 ¿Qué tal te va con tu Galaxy A15? Cuéntame si necesitas algo."
    openai_server.expect_request(CHAT, method="POST").respond_with_json(completion(written))
    result = outreach_message_build(contact=contact)
    assert (result.profile, result.message, result.source) == (Profile.FIRST_PURCHASE, written, "ai")
    assert parse_qs(urlparse(result.whatsapp_url).query)["text"] == [written]
    request, _ = openai_server.log[-1]
    prompt = request.get_json()["messages"][0]["content"]
    assert "Galaxy A15" in prompt and "Rosa" in prompt and "equipos" in prompt
    log = AIRequest.objects.get()
    assert (log.provider, log.purpose, log.outcome, log.subject) == (
        "openai", "reply", "ok", f"outreach:contact:{contact.pk}")


def test_template_is_used_when_the_provider_fails(openai_server):
    openai_server.expect_request(CHAT, method="POST").respond_with_response(Response("boom", status=500))
    contact = ContactFactory(name="Ana Torres")
    result = outreach_message_build(contact=contact)
    assert result.source == "template" and result.message.startswith("¡Hola Ana!")
    assert AIRequest.objects.get().outcome == "error"


def test_template_is_used_when_the_ai_invents_a_price(openai_server):
    openai_server.expect_request(CHAT, method="POST").respond_with_json(
        completion("¡Hola Ana! Tenemos planes desde S/ 29.90 🎉"))
    result = outreach_message_build(contact=ContactFactory(name="Ana Torres"))
    assert result.source == "template" and "29.90" not in result.message


# -- API -----------------------------------------------------------------------------------------
def test_outreach_api_returns_profile_message_and_link(api_client_for, agent):
    contact = ContactFactory(name="Rosa Quispe", phone="+51987654321")
    LeadFactory(contact=contact, assignee=agent)
    response = api_client_for(agent).post(f"/api/v1/contacts/{contact.pk}/outreach-message/")
    assert response.status_code == 200, response.content
    data = response.json()
    assert {"profile", "profile_name", "message", "whatsapp_url"} <= set(data)
    assert data["profile"] == "new_customer"
    assert parse_qs(urlparse(data["whatsapp_url"]).query)["text"] == [data["message"]]


def test_outreach_api_is_404_for_a_contact_the_agent_may_not_see(api_client_for, agent, other_agent):
    contact = ContactFactory()
    LeadFactory(contact=contact, assignee=other_agent)
    response = api_client_for(agent).post(f"/api/v1/contacts/{contact.pk}/outreach-message/")
    assert response.status_code == 404
    assert api_client_for(agent).post("/api/v1/contacts/999999/outreach-message/").status_code == 404


def test_outreach_api_needs_authentication(api_client_for):
    contact = ContactFactory()
    assert api_client_for(None).post(f"/api/v1/contacts/{contact.pk}/outreach-message/").status_code in (401, 403)


def test_contact_detail_is_the_360_profile(api_client_for, agent, other_agent, settings):
    settings.OUTREACH_VIP_AMOUNT = "100"
    contact = ContactFactory(name="Rosa Quispe")
    LeadFactory(contact=contact, assignee=agent)
    buy(contact, agent, 60, total="150.00")
    buy(contact, other_agent, 50, total="20.00")
    make_quote(contact=contact, agent=agent, total="80.00")
    data = api_client_for(agent).get(f"/api/v1/contacts/{contact.pk}/").json()
    assert data["channels"] == ["whatsapp"] and len(data["leads"]) == 1
    assert [s["total"] for s in data["sales"]] == ["150.00"]  # the other agent's sale is not theirs to see
    assert [q["total"] for q in data["quotes"]] == ["80.00"]
    assert data["segment"]["code"] == "potential_loyalist" and data["segment"]["purchases"] == 2
    assert data["profile"]["code"] == "vip" and data["profile"]["name"]


def test_contact_list_shows_segment_and_profile_in_flat_queries(api_client_for, admin_user, agent):
    client = api_client_for(admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/contacts/").status_code == 200
        return len(ctx)

    buy(ContactFactory(), agent, 5)
    few = queries()
    for _ in range(5):
        buy(ContactFactory(), agent, 10, 400)
    ContactFactory()
    assert queries() == few
    results = client.get("/api/v1/contacts/").json()["results"]
    profiles = {r["profile"]["code"] for r in results}
    assert {"new_customer", "first_purchase", "reactivated"} == profiles
    assert any(r["segment"] is None for r in results) and any(r["segment"] for r in results)


def test_contact_admin_page_has_the_start_conversation_button(client, supervisor):
    contact = ContactFactory()
    client.force_login(supervisor)
    html = client.get(f"/admin/leads/contact/{contact.pk}/change/").content.decode()
    assert 'id="outreach-start"' in html and f"/api/v1/contacts/{contact.pk}/outreach-message/" in html
    assert 'id="outreach-copy"' in html and 'id="outreach-regenerate"' in html and 'id="outreach-whatsapp"' in html


def test_outreach_api_works_with_the_admin_session(client, supervisor):
    contact = ContactFactory(name="Rosa Quispe")
    client.force_login(supervisor)
    response = client.post(f"/api/v1/contacts/{contact.pk}/outreach-message/")
    assert response.status_code == 200 and response.json()["message"].startswith("¡Hola Rosa!")
