"""Rich WhatsApp sends (lists, location pins, photos with a caption) as each provider's local fake receives them,
and the text a channel without them gets instead."""

from __future__ import annotations

import json

import httpx
import pytest
from werkzeug import Response

from integrations.base import Button, ListRow, MessageType
from integrations.meta.client import InstagramClient, WhatsAppCloudClient
from integrations.twilio.client import TwilioClient

TOKEN = "EAAGm0PX4ZCpsBAtesttoken"
PNID = "106540352242922"
TO = "+51987654321"
WAMID = "wamid.HBgLNTE5ODc2NTQzMjEVAgARGBI5QU9VVEJPVU5EMDAwMDAwMDEA"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SENT = {"messaging_product": "whatsapp", "contacts": [{"input": TO, "wa_id": "51987654321"}],
        "messages": [{"id": WAMID}]}
ACCOUNT_SID = "ACe268443e43d93dab7ebef303bbe9642f"
AUTH_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
TWILIO_MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
IG_ACCOUNT = "17841405822304914"
IGSID = "1103948522273991"

ROWS = [
    ListRow("product:11", "iPhone 15 128 GB negro", "S/ 3,899.00"),
    ListRow("product:12", "iPhone 15 256 GB azul", "S/ 4,399.00"),
]


@pytest.fixture
def whatsapp(httpserver):
    with WhatsAppCloudClient(TOKEN, PNID, base_url=httpserver.url_for("/v21.0"), timeout=2.0) as client:
        yield client


@pytest.fixture
def twilio(httpserver):
    with TwilioClient(ACCOUNT_SID, AUTH_TOKEN, "+51940111222", base_url=httpserver.url_for("").rstrip("/"),
                      timeout=httpx.Timeout(2.0, connect=0.5)) as client:
        yield client


def expect_graph(httpserver, body):
    httpserver.expect_oneshot_request(f"/v21.0/{PNID}/messages", method="POST", json=body,
                                      headers=AUTH).respond_with_json(SENT)


def twilio_form(httpserver):
    assert len(httpserver.log) == 1
    return httpserver.log[0][0].form


def expect_twilio(httpserver):
    httpserver.expect_request(TWILIO_MESSAGES, method="POST").respond_with_json(
        {"sid": "SM3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c", "status": "queued"}, status=201)


def test_whatsapp_list_posts_one_section_of_rows_when_the_customer_must_pick_a_variant(httpserver, whatsapp):
    expect_graph(httpserver, {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": TO, "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "¿Cuál prefieres?"},
            "action": {"button": "Ver opciones", "sections": [{"title": "iPhone 15", "rows": [
                {"id": "product:11", "title": "iPhone 15 128 GB negro", "description": "S/ 3,899.00"},
                {"id": "product:12", "title": "iPhone 15 256 GB azul", "description": "S/ 4,399.00"},
            ]}]},
        },
    })
    result = whatsapp.send_list(to=TO, body="¿Cuál prefieres?", button="Ver opciones", rows=ROWS, section="iPhone 15")
    httpserver.check_assertions()
    assert result.external_id == WAMID


@pytest.mark.parametrize("rows", [
    [ListRow(f"r{i}", f"Plan {i}") for i in range(11)],  # more than 10 rows
    [ListRow("a", "Un título de fila demasiado largo")],  # title over 24 characters
    [ListRow("a", "Uno"), ListRow("a", "Dos")],  # repeated ids
])
def test_whatsapp_list_is_refused_before_sending_when_rows_break_the_limits(httpserver, whatsapp, rows):
    with pytest.raises(ValueError):
        whatsapp.send_list(to=TO, body="Elige", button="Ver", rows=rows)
    assert httpserver.log == []


def test_whatsapp_location_posts_the_pin_with_name_and_address(httpserver, whatsapp):
    expect_graph(httpserver, {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": TO, "type": "location",
        "location": {"latitude": -12.1219, "longitude": -77.0297, "name": "Tienda Miraflores",
                     "address": "Av. Larco 345, Miraflores"},
    })
    whatsapp.send_location(to=TO, latitude=-12.1219, longitude=-77.0297, name="Tienda Miraflores",
                           address="Av. Larco 345, Miraflores")
    httpserver.check_assertions()


def test_whatsapp_photo_posts_an_image_with_link_and_caption(httpserver, whatsapp):
    expect_graph(httpserver, {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": TO, "type": "image",
        "image": {"link": "https://crm.example.pe/media/operators/products/iphone.jpg", "caption": "iPhone 15"},
    })
    whatsapp.send_media(to=TO, url="https://crm.example.pe/media/operators/products/iphone.jpg",
                        kind=MessageType.IMAGE, caption="iPhone 15")
    httpserver.check_assertions()


def test_twilio_list_sends_numbered_rows_with_how_to_answer_when_there_is_no_list_picker(httpserver, twilio):
    expect_twilio(httpserver)
    twilio.send_list(to=TO, body="¿Cuál prefieres?", button="Ver opciones", rows=ROWS)
    form = twilio_form(httpserver)
    assert form["Body"] == ("¿Cuál prefieres?\n\n1. iPhone 15 128 GB negro — S/ 3,899.00\n"
                            "2. iPhone 15 256 GB azul — S/ 4,399.00\n\nResponde con el número de tu opción.")
    assert form["To"] == f"whatsapp:{TO}"
    assert "ContentSid" not in form


def test_twilio_location_sends_a_persistent_action_pin_and_the_place_in_words(httpserver, twilio):
    expect_twilio(httpserver)
    twilio.send_location(to=TO, latitude=-12.1219, longitude=-77.0297, name="Tienda Miraflores",
                         address="Av. Larco 345, Miraflores")
    form = twilio_form(httpserver)
    assert form["PersistentAction"] == "geo:-12.121900,-77.029700|Tienda Miraflores"
    assert form["Body"].startswith("📍 Tienda Miraflores — Av. Larco 345, Miraflores\n")
    assert "https://maps.google.com/?q=-12.121900,-77.029700" in form["Body"]


def test_twilio_photo_sends_media_url_with_the_caption_as_body(httpserver, twilio):
    expect_twilio(httpserver)
    twilio.send_media(to=TO, url="https://crm.example.pe/media/operators/products/iphone.jpg",
                      kind=MessageType.IMAGE, caption="iPhone 15 128 GB: S/ 3,899.00")
    form = twilio_form(httpserver)
    assert form["MediaUrl"] == "https://crm.example.pe/media/operators/products/iphone.jpg"
    assert form["Body"] == "iPhone 15 128 GB: S/ 3,899.00"


@pytest.fixture
def instagram(httpserver):
    with InstagramClient("IGAAtesttoken123", IG_ACCOUNT, base_url=httpserver.url_for("/v21.0"), timeout=2.0) as ig:
        yield ig


def test_instagram_list_becomes_quick_replies_when_the_titles_fit(httpserver, instagram):
    httpserver.expect_oneshot_request(f"/v21.0/{IG_ACCOUNT}/messages", method="POST", json={
        "recipient": {"id": IGSID},
        "message": {"text": "¿Qué plan?", "quick_replies": [
            {"content_type": "text", "title": "Fibra 200 Mbps", "payload": "product:1"},
            {"content_type": "text", "title": "Fibra 400 Mbps", "payload": "product:2"},
        ]},
    }).respond_with_json({"recipient_id": IGSID, "message_id": "mid.1"})
    instagram.send_list(to=IGSID, body="¿Qué plan?", button="Ver planes",
                        rows=[ListRow("product:1", "Fibra 200 Mbps"), ListRow("product:2", "Fibra 400 Mbps")])
    httpserver.check_assertions()


def test_instagram_location_is_sent_as_text_with_a_map_link(httpserver, instagram):
    httpserver.expect_oneshot_request(f"/v21.0/{IG_ACCOUNT}/messages", method="POST", json={
        "recipient": {"id": IGSID},
        "message": {"text": "📍 Tienda Miraflores\nhttps://maps.google.com/?q=-12.121900,-77.029700"},
    }).respond_with_json({"recipient_id": IGSID, "message_id": "mid.2"})
    instagram.send_location(to=IGSID, latitude=-12.1219, longitude=-77.0297, name="Tienda Miraflores")
    httpserver.check_assertions()


def test_whatsapp_buttons_keep_their_ids_for_the_reply(httpserver, whatsapp):
    expect_graph(httpserver, {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": TO, "type": "interactive",
        "interactive": {"type": "button", "body": {"text": "¿En qué te ayudo?"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": "menu:products", "title": "Ver productos"}},
            {"type": "reply", "reply": {"id": "menu:agent", "title": "Hablar con un asesor"}},
        ]}},
    })
    whatsapp.send_buttons(to=TO, body="¿En qué te ayudo?", buttons=[
        Button("menu:products", "Ver productos"), Button("menu:agent", "Hablar con un asesor")])
    httpserver.check_assertions()


# -- Twilio's Content API: real quick-reply buttons and list pickers ------------------------------------------
HX = "HXb5b62575e6e4ff6129ad7c8efe1f983e"


@pytest.fixture
def twilio_content(httpserver):
    from integrations.twilio import client as twilio_client

    twilio_client._content_memo.clear()
    with TwilioClient(ACCOUNT_SID, AUTH_TOKEN, "+51940111222", base_url=httpserver.url_for("").rstrip("/"),
                      content_base_url=httpserver.url_for("").rstrip("/"),
                      timeout=httpx.Timeout(2.0, connect=0.5)) as client:
        yield client
    twilio_client._content_memo.clear()


def test_twilio_buttons_become_a_quick_reply_content_sent_by_its_sid(httpserver, twilio_content):
    created = []

    def create(request):
        created.append(request.get_json())
        assert request.authorization.username == ACCOUNT_SID and request.authorization.password == AUTH_TOKEN
        return Response(json.dumps({"sid": HX, "account_sid": ACCOUNT_SID, "types": created[-1]["types"]}),
                        status=201, content_type="application/json")

    httpserver.expect_request("/v1/Content", method="POST").respond_with_handler(create)
    expect_twilio(httpserver)
    buttons = [Button("menu:products", "Ver productos"), Button("menu:agent", "Hablar con un asesor")]

    twilio_content.send_buttons(to=TO, body="¿En qué te ayudo?", buttons=buttons)
    twilio_content.send_buttons(to=TO, body="¿En qué te ayudo?", buttons=buttons)  # the same content again

    assert len(created) == 1  # made once, sent twice
    assert created[0]["language"] == "es" and created[0]["friendly_name"].startswith("crm_")
    assert created[0]["types"] == {"twilio/quick-reply": {"body": "¿En qué te ayudo?", "actions": [
        {"title": "Ver productos", "id": "menu:products"}, {"title": "Hablar con un asesor", "id": "menu:agent"}]}}
    sends = [request.form for request, _ in httpserver.log if request.path.endswith("/Messages.json")]
    assert [form["ContentSid"] for form in sends] == [HX, HX]
    assert all("Body" not in form and form["To"] == f"whatsapp:{TO}" for form in sends)


def test_twilio_list_becomes_a_list_picker_content(httpserver, twilio_content):
    httpserver.expect_request("/v1/Content", method="POST").respond_with_json({"sid": HX}, status=201)
    expect_twilio(httpserver)

    twilio_content.send_list(to=TO, body="¿Cuál prefieres?", button="Ver opciones",
                             rows=[*ROWS, ListRow("product:13", "iPhone 15 Pro")])

    content = httpserver.log[0][0].get_json()
    assert content["types"] == {"twilio/list-picker": {"body": "¿Cuál prefieres?", "button": "Ver opciones", "items": [
        {"item": "iPhone 15 128 GB negro", "id": "product:11", "description": "S/ 3,899.00"},
        {"item": "iPhone 15 256 GB azul", "id": "product:12", "description": "S/ 4,399.00"},
        {"item": "iPhone 15 Pro", "id": "product:13", "description": "iPhone 15 Pro"},
    ]}}
    assert httpserver.log[1][0].form["ContentSid"] == HX


def test_twilio_content_api_refusal_is_a_permanent_error_and_nothing_is_sent(httpserver, twilio_content):
    from integrations.errors import PermanentError

    httpserver.expect_request("/v1/Content", method="POST").respond_with_json(
        {"code": 20001, "message": "Invalid content", "status": 400}, status=400)

    with pytest.raises(PermanentError) as refused:
        twilio_content.send_buttons(to=TO, body="Elige", buttons=[Button("a", "Uno")])
    assert refused.value.code == "20001"
    assert not [r for r, _ in httpserver.log if r.path.endswith("/Messages.json")]


def test_twilio_buttons_over_the_quick_reply_limits_go_as_numbered_text(httpserver, twilio_content):
    expect_twilio(httpserver)
    buttons = [Button(f"b{i}", f"Opción {i}") for i in range(4)]  # WhatsApp quick replies: at most 3 here

    twilio_content.send_buttons(to=TO, body="Elige", buttons=buttons)

    [(request, _)] = httpserver.log
    assert request.path.endswith("/Messages.json") and request.form["Body"].startswith("Elige\n\n1. Opción 0\n")
