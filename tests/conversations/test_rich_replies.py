"""Rich WhatsApp replies through the real, signed webhook path: reply buttons on a greeting, a list of variants,
the product's photo, the store's pin; a tap (or a typed "2") coming back as the option it chose, which the
assistant acts on. Meta's Graph API and Twilio's REST API are local fakes that record what they receive."""

from __future__ import annotations

import io
import itertools
import json
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from werkzeug import Response

from conversations.models import Conversation, Message
from operators.models import ProductImage
from tests.conversations.conftest import PHONE_NUMBER_ID, drain, now_ts, twilio_params, wa_payload, wa_text
from tests.operators.factories import OperatorFactory, ProductFactory

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)
GRAPH_SEND = f"/{PHONE_NUMBER_ID}/messages"


def png_bytes(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def graph(httpserver, settings):
    """A fake Graph API: every send accepted with a fresh wamid; ``graph.sent()`` the JSON bodies, in order."""
    settings.META_GRAPH_BASE_URL = httpserver.url_for("").rstrip("/")

    def accept(_request):
        return Response(json.dumps({"messaging_product": "whatsapp", "messages": [{"id": f"wamid.OUT{next(_ids)}"}]}),
                        content_type="application/json")

    httpserver.expect_request(GRAPH_SEND, method="POST").respond_with_handler(accept)
    httpserver.sent = lambda: [request.get_json() for request, _ in httpserver.log]
    return httpserver


@pytest.fixture
def twilio_api(httpserver, settings):
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")

    def accept(_request):
        return Response(f'{{"sid": "SMf{next(_ids):031d}", "status": "queued"}}', status=201,
                        content_type="application/json")

    httpserver.expect_request("/2010-04-01/Accounts/AC" + "1" * 32 + "/Messages.json",
                              method="POST").respond_with_handler(accept)
    httpserver.forms = lambda: [request.form for request, _ in httpserver.log]
    return httpserver


def wa_button_reply(button_id: str, title: str, *, context: str = "") -> dict:
    message = {"from": "51987654321", "id": f"wamid.IN{next(_ids)}", "timestamp": now_ts(), "type": "interactive",
               "interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}}
    if context:
        message["context"] = {"from": "51940111222", "id": context}
    return message


def wa_list_reply(row_id: str, title: str, description: str = "") -> dict:
    return {"from": "51987654321", "id": f"wamid.IN{next(_ids)}", "timestamp": now_ts(), "type": "interactive",
            "interactive": {"type": "list_reply",
                            "list_reply": {"id": row_id, "title": title, "description": description}}}


@pytest.fixture
def iphones(media_root):
    apple = OperatorFactory(name="Apple", slug="apple")
    black = ProductFactory(operator=apple, category="device", name="iPhone 15 128 GB negro", brand="Apple",
                           capacity_gb=128, color="negro", price=Decimal("3899.00"), stock=4)
    blue = ProductFactory(operator=apple, category="device", name="iPhone 15 256 GB azul", brand="Apple",
                          capacity_gb=256, color="azul", price=Decimal("4399.00"), stock=2)
    ProductImage.objects.create(product=blue, image=SimpleUploadedFile("iphone-azul.png", png_bytes("blue")))
    return black, blue


def test_greeting_gets_reply_buttons_on_whatsapp_cloud_api(post_meta, graph):
    post_meta(wa_payload(wa_text("wamid.IN-hello", "Hola")))
    drain()

    [body] = graph.sent()
    assert body["type"] == "interactive" and body["to"] == "51987654321"
    assert body["interactive"]["type"] == "button"
    assert "Hola" in body["interactive"]["body"]["text"]
    assert body["interactive"]["action"] == {"buttons": [
        {"type": "reply", "reply": {"id": "menu:products", "title": "Ver productos"}},
        {"type": "reply", "reply": {"id": "menu:agent", "title": "Hablar con un asesor"}},
    ]}
    sent = Message.objects.get(direction="out")
    assert sent.type == "interactive" and sent.payload["buttons"][1]["id"] == "menu:agent"


def test_hablar_con_un_asesor_tap_comes_back_structured_and_hands_over(post_meta, graph):
    post_meta(wa_payload(wa_text("wamid.IN-hello2", "Hola")))
    drain()
    offered = Message.objects.get(direction="out")

    answer = post_meta(wa_payload(wa_button_reply("menu:agent", "Hablar con un asesor",
                                                  context=offered.provider_message_id)))
    assert answer.status_code == 200
    drain()

    tap = Message.objects.filter(direction="in").latest("pk")
    assert (tap.type, tap.interactive_id, tap.text) == ("interactive", "menu:agent", "Hablar con un asesor")
    assert tap.payload == {"reply": {"id": "menu:agent", "title": "Hablar con un asesor"}}
    assert tap.reply_to_id == offered.pk
    assert tap.ai_flags.get("intent") == "human_request" or tap.intent == "human_request"
    assert Conversation.objects.get().needs_human
    last = graph.sent()[-1]
    assert last["type"] == "text" and "persona" in last["text"]["body"]


def test_ver_productos_tap_answers_with_a_list_of_the_catalog(post_meta, graph, iphones):
    post_meta(wa_payload(wa_text("wamid.IN-hello3", "Hola")))
    drain()
    post_meta(wa_payload(wa_button_reply("menu:products", "Ver productos")))
    drain()

    last = graph.sent()[-1]
    assert last["type"] == "interactive" and last["interactive"]["type"] == "list"
    assert last["interactive"]["action"]["button"] == "Ver categorías"
    rows = last["interactive"]["action"]["sections"][0]["rows"]
    assert {"id": "category:device", "title": "Equipos"} in rows


def test_several_variants_are_offered_as_a_list_and_the_chosen_row_gets_its_photo(post_meta, graph, iphones, client):
    black, blue = iphones
    post_meta(wa_payload(wa_text("wamid.IN-ask", "Hola, tienen el iphone 15?")))
    drain()

    offer = graph.sent()[-1]
    assert offer["type"] == "interactive" and offer["interactive"]["type"] == "list"
    assert offer["interactive"]["action"]["button"] == "Ver opciones"
    assert offer["interactive"]["action"]["sections"] == [{"rows": [
        {"id": f"product:{black.pk}", "title": "iPhone 15 128 GB negro", "description": "S/ 3,899.00"},
        {"id": f"product:{blue.pk}", "title": "iPhone 15 256 GB azul", "description": "S/ 4,399.00"},
    ]}]

    before = len(graph.sent())
    post_meta(wa_payload(wa_list_reply(f"product:{blue.pk}", "iPhone 15 256 GB azul", "S/ 4,399.00")))
    drain()

    choice = Message.objects.filter(direction="in").latest("pk")
    assert (choice.type, choice.interactive_id) == ("interactive", f"product:{blue.pk}")
    answer, photo = graph.sent()[before:]
    assert answer["type"] == "text" and "4,399.00" in answer["text"]["body"]
    assert photo["type"] == "image"
    assert photo["image"]["caption"] == "iPhone 15 256 GB azul: S/ 4,399.00"
    link = urlsplit(photo["image"]["link"])
    assert f"{link.scheme}://{link.netloc}" == "https://crm.example.com"
    # The link Meta fetches works without a session, and is the photo.
    fetched = client.get(f"{link.path}?{link.query}", secure=True)
    assert fetched.status_code == 200 and fetched["Content-Type"] == "image/png"
    assert b"".join(fetched.streaming_content) == png_bytes("blue")
    stored = Message.objects.filter(direction="out", type="image").get()
    assert stored.sender == "ai" and stored.media_state == "stored"


def test_a_photo_without_a_public_address_is_left_out_rather_than_failing(post_meta, graph, iphones, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    black, blue = iphones
    post_meta(wa_payload(wa_list_reply(f"product:{blue.pk}", "iPhone 15 256 GB azul")))
    drain()

    assert [body["type"] for body in graph.sent()] == ["text"]
    assert not Message.objects.filter(status="failed").exists()


def test_twilio_gets_numbered_options_and_a_typed_number_is_the_choice(post_twilio, twilio_api):
    post_twilio(twilio_params(MessageSid="SM" + "1" * 32, Body="Hola"))
    drain()

    [offer] = twilio_api.forms()
    assert offer["Body"].endswith(
        "\n\n1. Ver productos\n2. Hablar con un asesor\n\nResponde con el número de tu opción.")
    assert "ContentSid" not in offer

    post_twilio(twilio_params(MessageSid="SM" + "2" * 32, Body="2"))
    drain()

    typed = Message.objects.filter(direction="in").latest("pk")
    assert (typed.type, typed.interactive_id, typed.text) == ("interactive", "menu:agent", "Hablar con un asesor")
    assert typed.payload["reply"]["typed"] == "2"
    assert Conversation.objects.get().needs_human


def test_panel_shows_the_options_offered_and_the_customers_choice_as_a_chip(post_twilio, twilio_api, client,
                                                                            supervisor):
    post_twilio(twilio_params(MessageSid="SM" + "6" * 32, Body="Hola"))
    drain()
    post_twilio(twilio_params(MessageSid="SM" + "7" * 32, Body="1"))
    drain()

    client.force_login(supervisor)
    page = client.get(f"/panel/c/{Conversation.objects.get().pk}/", secure=True).content.decode()
    assert 'aria-label="Opciones ofrecidas"' in page or 'aria-label="Options offered"' in page
    assert 'title="menu:agent">Hablar con un asesor</span>' in page
    assert "↩ Ver productos" in page and "“1”" in page


def test_twilio_with_the_content_api_sends_real_buttons_and_their_tap_comes_back(post_twilio, twilio_api, settings):
    from integrations.twilio import client as twilio_client

    twilio_client._content_memo.clear()
    settings.TWILIO_CONTENT_BASE_URL = twilio_api.url_for("").rstrip("/")
    twilio_api.expect_request("/v1/Content", method="POST").respond_with_json(
        {"sid": "HX" + "c" * 32}, status=201)
    post_twilio(twilio_params(MessageSid="SM" + "8" * 32, Body="Hola"))
    drain()

    content = next(r.get_json() for r, _ in twilio_api.log if r.path == "/v1/Content")
    assert content["types"]["twilio/quick-reply"]["actions"] == [
        {"title": "Ver productos", "id": "menu:products"}, {"title": "Hablar con un asesor", "id": "menu:agent"}]
    [send] = [r.form for r, _ in twilio_api.log if r.path.endswith("/Messages.json")]
    assert send["ContentSid"] == "HX" + "c" * 32 and "Body" not in send

    post_twilio(twilio_params(MessageSid="SM" + "9" * 32, Body="Hablar con un asesor", MessageType="button",
                              ButtonText="Hablar con un asesor", ButtonPayload="menu:agent"))
    drain()
    tap = Message.objects.filter(direction="in").latest("pk")
    assert (tap.type, tap.interactive_id, tap.payload) == (
        "interactive", "menu:agent", {"reply": {"id": "menu:agent", "title": "Hablar con un asesor"}})
    assert Conversation.objects.get().needs_human
    twilio_client._content_memo.clear()


def test_messages_api_gives_the_options_offered_and_the_choice(post_twilio, twilio_api, api_client_for, supervisor):
    post_twilio(twilio_params(MessageSid="SM" + "a1" * 16, Body="Hola"))
    drain()
    post_twilio(twilio_params(MessageSid="SM" + "b2" * 16, Body="ver productos"))
    drain()

    conversation = Conversation.objects.get()
    response = api_client_for(supervisor).get(f"/api/v1/conversations/{conversation.pk}/messages/")
    assert response.status_code == 200
    rows = response.json()["results"]
    offered = next(m for m in rows if m["direction"] == "out" and m["type"] == "interactive")
    assert [b["id"] for b in offered["payload"]["buttons"]] == ["menu:products", "menu:agent"]
    chosen = next(m for m in rows if m["direction"] == "in" and m["interactive_id"])
    assert chosen["interactive_id"] == "menu:products" and chosen["text"] == "Ver productos"
    assert chosen["payload"]["reply"] == {"id": "menu:products", "title": "Ver productos", "typed": "ver productos"}


def test_twilio_quick_reply_button_payload_comes_back_structured(post_twilio, twilio_api):
    post_twilio(twilio_params(MessageSid="SM" + "3" * 32, Body="Hablar con un asesor", MessageType="button",
                              ButtonText="Hablar con un asesor", ButtonPayload="menu:agent"))
    drain()

    tap = Message.objects.get(direction="in")
    assert (tap.type, tap.interactive_id) == ("interactive", "menu:agent")
    assert Conversation.objects.get().needs_human


def test_twilio_photo_goes_as_media_url_with_the_caption(post_twilio, twilio_api, iphones, client):
    black, blue = iphones
    post_twilio(twilio_params(MessageSid="SM" + "4" * 32, Body="precio del iphone 15 256 GB azul"))
    drain()

    photo = twilio_api.forms()[-1]
    assert photo["Body"] == "iPhone 15 256 GB azul: S/ 4,399.00"
    link = urlsplit(photo["MediaUrl"])
    assert link.netloc == "crm.example.com"
    assert client.get(f"{link.path}?{link.query}", secure=True).status_code == 200


def test_a_number_without_options_offered_stays_plain_text(post_twilio, twilio_api):
    post_twilio(twilio_params(MessageSid="SM" + "5" * 32, Body="2"))
    drain()

    typed = Message.objects.get(direction="in")
    assert (typed.type, typed.interactive_id, typed.payload) == ("text", "", {})


def test_sandbox_phone_shows_the_buttons_and_a_tap_on_one_is_the_choice(client, settings):
    from conversations.services.accounts import channel_accounts_sync_from_env

    settings.SANDBOX_ENABLED = True
    channel_accounts_sync_from_env()
    token = client.post("/sandbox/start/", {"phone": "+51 987 654 321", "name": "Rosa Quispe"},
                        content_type="application/json").json()["token"]
    headers = {"X-Sandbox-Token": token}
    client.post("/sandbox/messages/", {"text": "Hola", "client_id": "line-rich-1"}, content_type="application/json",
                headers=headers)
    drain()

    shown = client.get("/sandbox/messages/", headers=headers).json()["messages"]
    assert shown[-1]["options"] == [{"title": "Ver productos", "description": ""},
                                    {"title": "Hablar con un asesor", "description": ""}]
    # The page sends a tapped option's title, as the customer would type it.
    client.post("/sandbox/messages/", {"text": "Hablar con un asesor", "client_id": "line-rich-2"},
                content_type="application/json", headers=headers)
    drain()

    tap = Message.objects.filter(direction="in").latest("pk")
    assert (tap.type, tap.interactive_id) == ("interactive", "menu:agent")
    assert Conversation.objects.get().needs_human


def test_store_address_answer_sends_a_location_pin(post_meta, graph):
    from ai.models import KnowledgeEntry

    KnowledgeEntry.objects.create(topic="hours", question="¿Dónde está la tienda?",
                                  answer="Estamos en Av. Larco 345, Miraflores. Atendemos de 9 a 8.",
                                  keywords="dirección, ubicación, dónde están, tienda",
                                  latitude=Decimal("-12.121900"), longitude=Decimal("-77.029700"))
    post_meta(wa_payload(wa_text("wamid.IN-where", "¿Dónde están ubicados?")))
    drain()

    answer, pin = graph.sent()
    assert answer["type"] == "text" and "Av. Larco 345" in answer["text"]["body"]
    assert pin == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "51987654321",
                   "type": "location",
                   "location": {"latitude": -12.1219, "longitude": -77.0297, "name": "Nuestra tienda"}}
    assert Message.objects.filter(direction="out", type="location").count() == 1


def test_long_product_names_are_listed_by_what_differs_under_what_they_share(post_meta, graph):
    samsung = OperatorFactory(name="Samsung", slug="samsung")
    for capacity, price in ((128, "1499.00"), (256, "1699.00")):
        ProductFactory(operator=samsung, category="device", brand="Samsung", capacity_gb=capacity, stock=3,
                       name=f"Samsung Galaxy A55 5G {capacity} GB Azul Marino", price=Decimal(price))
    post_meta(wa_payload(wa_text("wamid.IN-long", "hola, tienen el samsung galaxy a55?")))
    drain()

    offer = graph.sent()[-1]
    assert offer["interactive"]["type"] == "list"
    [section] = offer["interactive"]["action"]["sections"]
    assert section["title"] == "Samsung Galaxy A55 5G"  # what the rows share, once
    assert [(row["title"], row["description"]) for row in section["rows"]] == [
        ("128 GB Azul Marino", "S/ 1,499.00"), ("256 GB Azul Marino", "S/ 1,699.00")]
