"""WhatsAppCloudClient against a local fake Graph API (pytest-httpserver)."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest
from werkzeug import Request, Response

from integrations import base
from integrations.base import Button, MediaRef, MessageType, SendResult
from integrations.errors import AmbiguousError, MediaTooLargeError, PermanentError, TransientError
from integrations.meta.client import WhatsAppCloudClient

TOKEN = "EAAGm0PX4ZCpsBAtesttoken"
PNID = "106540352242922"
TO = "+51987654321"
WAMID = "wamid.HBgLNTE5ODc2NTQzMjEVAgARGBI5QU9VVEJPVU5EMDAwMDAwMDEA"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MESSAGES = f"/v21.0/{PNID}/messages"
SENT = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": TO, "wa_id": "51987654321"}],
    "messages": [{"id": WAMID}],
}


@pytest.fixture
def client(httpserver):
    with WhatsAppCloudClient(TOKEN, PNID, base_url=httpserver.url_for("/v21.0"), timeout=2.0) as wa:
        yield wa


def expect_send(httpserver, body, *, response=None, status=200):
    httpserver.expect_oneshot_request(MESSAGES, method="POST", json=body, headers=AUTH).respond_with_json(
        response if response is not None else SENT, status=status
    )


def graph_error(code, message="error", *, subcode=None, type_="OAuthException"):
    error = {"message": message, "type": type_, "code": code, "fbtrace_id": "AbCdEf123"}
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error}


def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/v21.0"


# -- sending ------------------------------------------------------------------------------------
def test_send_text_posts_the_documented_json_when_inside_the_window(httpserver, client):
    expect_send(
        httpserver,
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": TO,
            "type": "text",
            "text": {"preview_url": False, "body": "Hola Ana, sí tenemos envío a Arequipa 🚚"},
        },
    )
    result = client.send_text(to=TO, body="Hola Ana, sí tenemos envío a Arequipa 🚚")
    httpserver.check_assertions()
    assert result == SendResult(external_id=WAMID, raw=SENT)
    assert result.status == base.DeliveryStatus.SENT


def test_send_text_adds_context_when_replying_to_a_message(httpserver, client):
    expect_send(
        httpserver,
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": TO,
            "type": "text",
            "text": {"preview_url": False, "body": "Sí, en talla L también"},
            "context": {"message_id": "wamid.CUSTOMER"},
        },
    )
    assert client.send_text(to=TO, body="Sí, en talla L también", reply_to="wamid.CUSTOMER").external_id == WAMID
    httpserver.check_assertions()


def test_send_text_accepts_a_bsuid_when_the_customer_hides_their_phone(httpserver, client):
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "US.13491208655302741918",
        "type": "text",
        "text": {"preview_url": False, "body": "Hola"},
    }
    expect_send(httpserver, body)
    client.send_text(to="US.13491208655302741918", body="Hola")
    httpserver.check_assertions()


@pytest.mark.parametrize("body", ["", "x" * 4097])
def test_send_text_raises_value_error_when_body_is_empty_or_too_long(httpserver, client, body):
    with pytest.raises(ValueError):
        client.send_text(to=TO, body=body)
    assert httpserver.log == []


def test_send_media_sends_link_and_caption_when_sending_an_image(httpserver, client):
    expect_send(
        httpserver,
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": TO,
            "type": "image",
            "image": {"link": "https://cdn.example.pe/polo-azul.jpg", "caption": "Polo azul, S/ 59.90"},
        },
    )
    result = client.send_media(
        to=TO, url="https://cdn.example.pe/polo-azul.jpg", kind=MessageType.IMAGE, caption="Polo azul, S/ 59.90"
    )
    assert result.external_id == WAMID
    httpserver.check_assertions()


def test_send_media_sends_filename_when_sending_a_document(httpserver, client):
    expect_send(
        httpserver,
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": TO,
            "type": "document",
            "document": {
                "link": "https://cdn.example.pe/catalogo.pdf",
                "caption": "Catálogo",
                "filename": "catalogo.pdf",
            },
        },
    )
    client.send_media(
        to=TO,
        url="https://cdn.example.pe/catalogo.pdf",
        kind=MessageType.DOCUMENT,
        caption="Catálogo",
        filename="catalogo.pdf",
    )
    httpserver.check_assertions()


@pytest.mark.parametrize(
    ("kind", "caption"),
    [(MessageType.AUDIO, "escucha"), (MessageType.STICKER, "hola"), (MessageType.TEXT, ""), (MessageType.LOCATION, "")],
)
def test_send_media_raises_value_error_when_kind_or_caption_is_not_allowed(httpserver, client, kind, caption):
    with pytest.raises(ValueError):
        client.send_media(to=TO, url="https://cdn.example.pe/a.ogg", kind=kind, caption=caption)
    assert httpserver.log == []


def test_send_template_fills_body_parameters_when_variables_are_given(httpserver, client):
    expect_send(
        httpserver,
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": TO,
            "type": "template",
            "template": {
                "name": "seguimiento_pedido",
                "language": {"code": "es"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "PED-1042"}],
                    }
                ],
            },
        },
        response={**SENT, "messages": [{"id": WAMID, "message_status": "accepted"}]},
    )
    result = client.send_template(to=TO, template="seguimiento_pedido", variables=["Ana", "PED-1042"])
    assert result.external_id == WAMID
    httpserver.check_assertions()


def test_send_template_omits_components_when_there_are_no_variables(httpserver, client):
    expect_send(
        httpserver,
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": TO,
            "type": "template",
            "template": {"name": "hello_world", "language": {"code": "en_US"}},
        },
    )
    client.send_template(to=TO, template="hello_world", language="en_US")
    httpserver.check_assertions()


def test_send_buttons_posts_reply_buttons_when_given_up_to_three(httpserver, client):
    expect_send(
        httpserver,
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": TO,
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "¿Confirmas tu pedido?"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "confirm_order", "title": "Sí, confirmo"}},
                        {"type": "reply", "reply": {"id": "talk_to_agent", "title": "Hablar con asesor"}},
                    ]
                },
            },
        },
    )
    buttons = [Button(id="confirm_order", title="Sí, confirmo"), Button(id="talk_to_agent", title="Hablar con asesor")]
    assert client.send_buttons(to=TO, body="¿Confirmas tu pedido?", buttons=buttons).external_id == WAMID
    httpserver.check_assertions()


@pytest.mark.parametrize(
    "buttons",
    [
        [],
        [Button(id=str(i), title=f"Opción {i}") for i in range(4)],
        [Button(id="a", title="x" * 21)],
        [Button(id="a", title="")],
        [Button(id="a", title="Uno"), Button(id="a", title="Dos")],
        [Button(id="", title="Uno")],
    ],
)
def test_send_buttons_raises_value_error_when_buttons_break_whatsapp_limits(httpserver, client, buttons):
    with pytest.raises(ValueError):
        client.send_buttons(to=TO, body="Elige", buttons=buttons)
    assert httpserver.log == []


def test_mark_read_posts_the_read_status_when_an_agent_opens_the_chat(httpserver, client):
    httpserver.expect_oneshot_request(
        MESSAGES,
        method="POST",
        headers=AUTH,
        json={"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.CUSTOMER"},
    ).respond_with_json({"success": True})
    assert client.mark_read("wamid.CUSTOMER") is None
    httpserver.check_assertions()


# -- failures -----------------------------------------------------------------------------------
def test_send_raises_permanent_error_with_code_131047_when_outside_the_window(httpserver, client):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(
        graph_error(131047, "Re-engagement message", type_="OAuthException"), status=400
    )
    with pytest.raises(PermanentError) as info:
        client.send_text(to=TO, body="Hola")
    assert info.value.code == "131047"
    assert info.value.status == 400
    assert not info.value.retryable
    assert "Re-engagement message" in info.value.message


@pytest.mark.parametrize("code", [4, 80007, 130429, 131056])
def test_send_raises_transient_error_when_graph_reports_a_rate_limit(httpserver, client, code):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(
        graph_error(code, "Rate limit hit", type_="OAuthException"), status=400
    )
    with pytest.raises(TransientError) as info:
        client.send_text(to=TO, body="Hola")
    assert info.value.code == str(code)
    assert info.value.retryable


def test_send_raises_permanent_error_when_the_token_is_invalid(httpserver, client):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(
        graph_error(190, "Error validating access token: Session has expired", subcode=463), status=401
    )
    with pytest.raises(PermanentError) as info:
        client.send_text(to=TO, body="Hola")
    assert info.value.code == "190"
    assert TOKEN not in str(info.value)


def test_send_raises_permanent_error_without_code_when_4xx_is_not_json(httpserver, client):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_data("Bad Request", status=400)
    with pytest.raises(PermanentError) as info:
        client.send_text(to=TO, body="Hola")
    assert info.value.code == ""


def test_send_raises_transient_error_when_graph_answers_429(httpserver, client):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_data(
        "Too Many Requests", status=429, headers={"Retry-After": "7"}
    )
    with pytest.raises(TransientError) as info:
        client.send_text(to=TO, body="Hola")
    assert info.value.retry_after == 7.0


def test_send_raises_ambiguous_error_when_graph_answers_500(httpserver, client):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(
        graph_error(131000, "Something went wrong"), status=500
    )
    with pytest.raises(AmbiguousError):
        client.send_text(to=TO, body="Hola")


def test_send_raises_ambiguous_error_when_the_answer_is_slower_than_the_read_timeout(httpserver):
    def slow(request: Request) -> Response:
        time.sleep(0.4)
        return Response(json.dumps(SENT), content_type="application/json")

    httpserver.expect_request(MESSAGES, method="POST").respond_with_handler(slow)
    timeout = httpx.Timeout(0.1, connect=2.0)
    with (
        WhatsAppCloudClient(TOKEN, PNID, base_url=httpserver.url_for("/v21.0"), timeout=timeout) as wa,
        pytest.raises(AmbiguousError),
    ):
        wa.send_text(to=TO, body="Hola")


def test_send_raises_transient_error_when_nothing_listens_on_the_port():
    with (
        WhatsAppCloudClient(TOKEN, PNID, base_url=closed_port_url(), timeout=2.0) as wa,
        pytest.raises(TransientError) as info,
    ):
        wa.send_text(to=TO, body="Hola")
    assert TOKEN not in str(info.value)


def test_send_raises_ambiguous_error_when_2xx_has_no_message_id(httpserver, client):
    expect_send(
        httpserver,
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": TO,
            "type": "text",
            "text": {"preview_url": False, "body": "Hola"},
        },
        response={"messaging_product": "whatsapp", "messages": []},
    )
    with pytest.raises(AmbiguousError):
        client.send_text(to=TO, body="Hola")


def test_send_raises_permanent_error_without_a_request_when_no_token_is_configured(httpserver):
    with (
        WhatsAppCloudClient("", PNID, base_url=httpserver.url_for("/v21.0")) as wa,
        pytest.raises(PermanentError) as info,
    ):
        wa.send_text(to=TO, body="Hola")
    assert info.value.code == "not_configured"
    assert httpserver.log == []


def test_repr_hides_the_token_when_logged(client):
    assert TOKEN not in repr(client)


# -- media --------------------------------------------------------------------------------------
MEDIA_ID = "1003383421387256"
IMAGE = MediaRef(media_id=MEDIA_ID, mime_type="image/jpeg", sha256="8nl6...")


def media_object(httpserver, *, url_path="/whatsapp_business/attachments/", size=11, query="mid=1&hash=a"):
    return {
        "messaging_product": "whatsapp",
        "url": httpserver.url_for(url_path) + "?" + query,
        "mime_type": "image/jpeg",
        "sha256": "8nl6...",
        "file_size": str(size),
        "id": MEDIA_ID,
    }


def test_download_media_looks_up_the_id_then_fetches_the_file_with_the_token(httpserver, client):
    httpserver.expect_oneshot_request(
        f"/v21.0/{MEDIA_ID}", method="GET", headers=AUTH, query_string={"phone_number_id": PNID}
    ).respond_with_json(media_object(httpserver))
    httpserver.expect_oneshot_request(
        "/whatsapp_business/attachments/", method="GET", headers=AUTH, query_string="mid=1&hash=a"
    ).respond_with_data(b"\xff\xd8jpegdata", content_type="image/jpeg")
    downloaded = client.download_media(IMAGE, kind=MessageType.IMAGE)
    httpserver.check_assertions()
    assert downloaded.content == b"\xff\xd8jpegdata"
    assert downloaded.mime_type == "image/jpeg"
    assert downloaded.size == 10


def test_download_media_refuses_before_downloading_when_declared_size_is_over_the_limit(
    httpserver, client, monkeypatch
):
    monkeypatch.setitem(base.MEDIA_LIMITS, MessageType.IMAGE, 1000)
    httpserver.expect_request(f"/v21.0/{MEDIA_ID}").respond_with_json(media_object(httpserver, size=1001))
    httpserver.expect_request("/whatsapp_business/attachments/").respond_with_data(b"x" * 1001)
    with pytest.raises(MediaTooLargeError):
        client.download_media(IMAGE, kind=MessageType.IMAGE)
    assert [request.path for request, _ in httpserver.log] == [f"/v21.0/{MEDIA_ID}"]


def test_download_media_stops_streaming_when_the_file_passes_the_limit(httpserver, client, monkeypatch):
    monkeypatch.setitem(base.MEDIA_LIMITS, MessageType.AUDIO, 1000)

    def chunked(request: Request) -> Response:
        return Response((b"x" * 100 for _ in range(50)), content_type="audio/ogg")  # 5000 bytes, no length

    httpserver.expect_request(f"/v21.0/{MEDIA_ID}").respond_with_json({**media_object(httpserver), "file_size": None})
    httpserver.expect_request("/whatsapp_business/attachments/").respond_with_handler(chunked)
    with pytest.raises(MediaTooLargeError):
        client.download_media(MediaRef(media_id=MEDIA_ID), kind=MessageType.AUDIO)


def test_download_media_refuses_when_content_length_is_over_the_limit(httpserver, client, monkeypatch):
    monkeypatch.setitem(base.MEDIA_LIMITS, MessageType.VIDEO, 1000)
    httpserver.expect_request(f"/v21.0/{MEDIA_ID}").respond_with_json({**media_object(httpserver), "file_size": ""})
    httpserver.expect_request("/whatsapp_business/attachments/").respond_with_data(b"v" * 2000)
    with pytest.raises(MediaTooLargeError):
        client.download_media(MediaRef(media_id=MEDIA_ID), kind=MessageType.VIDEO)


def test_download_media_gets_a_fresh_url_when_the_file_url_expired(httpserver, client):
    httpserver.expect_ordered_request(f"/v21.0/{MEDIA_ID}").respond_with_json(media_object(httpserver, query="v=1"))
    httpserver.expect_ordered_request("/whatsapp_business/attachments/", query_string="v=1").respond_with_data(
        "URL expired", status=404
    )
    httpserver.expect_ordered_request(f"/v21.0/{MEDIA_ID}").respond_with_json(media_object(httpserver, query="v=2"))
    httpserver.expect_ordered_request(
        "/whatsapp_business/attachments/", query_string="v=2", headers=AUTH
    ).respond_with_data(b"fresh-bytes", content_type="image/jpeg")
    assert client.download_media(IMAGE, kind=MessageType.IMAGE).content == b"fresh-bytes"
    httpserver.check_assertions()
    assert len(httpserver.log) == 4


def test_download_media_raises_permanent_error_when_the_fresh_url_is_gone_too(httpserver, client):
    httpserver.expect_request(f"/v21.0/{MEDIA_ID}").respond_with_json(media_object(httpserver))
    httpserver.expect_request("/whatsapp_business/attachments/").respond_with_data("gone", status=404)
    with pytest.raises(PermanentError) as info:
        client.download_media(IMAGE, kind=MessageType.IMAGE)
    assert info.value.code == "media_expired"
    assert len(httpserver.log) == 4  # lookup, file, one refresh, file: then give up


def test_download_media_raises_permanent_error_when_the_media_id_is_unknown(httpserver, client):
    httpserver.expect_request(f"/v21.0/{MEDIA_ID}").respond_with_json(
        graph_error(100, "Unsupported get request.", subcode=33, type_="GraphMethodException"), status=404
    )
    with pytest.raises(PermanentError) as info:
        client.download_media(IMAGE, kind=MessageType.IMAGE)
    assert not isinstance(info.value, MediaTooLargeError)
    assert info.value.code == "100"


def test_download_media_raises_transient_error_when_the_lookup_gets_a_5xx(httpserver, client):
    httpserver.expect_request(f"/v21.0/{MEDIA_ID}").respond_with_data("oops", status=502)
    with pytest.raises(TransientError):
        client.download_media(IMAGE, kind=MessageType.IMAGE)


def test_download_media_raises_transient_error_when_the_file_server_fails(httpserver, client):
    httpserver.expect_request(f"/v21.0/{MEDIA_ID}").respond_with_json(media_object(httpserver))
    httpserver.expect_request("/whatsapp_business/attachments/").respond_with_data("busy", status=503)
    with pytest.raises(TransientError):
        client.download_media(IMAGE, kind=MessageType.IMAGE)
