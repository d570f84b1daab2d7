"""InstagramClient against a local fake Instagram Graph API (pytest-httpserver)."""

from __future__ import annotations

import pytest

from integrations import base
from integrations.base import Button, MediaRef, MessageType, SendResult
from integrations.errors import MediaTooLargeError, PermanentError, TransientError
from integrations.meta.client import InstagramClient

TOKEN = "IGAAtesttoken123"
IG_ACCOUNT = "17841405822304914"
CUSTOMER = "1103948522273991"
MID = (
    "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0"
    "MTcxMDMwMDk0OTEyODEzMjc0NDM1NzQ1NjE2NjozMTAw"
)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MESSAGES = f"/v21.0/{IG_ACCOUNT}/messages"
SENT = {"recipient_id": CUSTOMER, "message_id": MID}


@pytest.fixture
def client(httpserver):
    with InstagramClient(TOKEN, IG_ACCOUNT, base_url=httpserver.url_for("/v21.0"), timeout=2.0) as ig:
        yield ig


def expect_send(httpserver, body):
    httpserver.expect_oneshot_request(MESSAGES, method="POST", json=body, headers=AUTH).respond_with_json(SENT)


def test_send_text_posts_recipient_and_text_when_inside_the_window(httpserver, client):
    expect_send(httpserver, {"recipient": {"id": CUSTOMER}, "message": {"text": "¡Hola! Sí, hay talla S 😊"}})
    result = client.send_text(to=CUSTOMER, body="¡Hola! Sí, hay talla S 😊")
    httpserver.check_assertions()
    assert result == SendResult(external_id=MID, raw=SENT)


def test_send_text_adds_the_human_agent_tag_when_a_person_answers_late(httpserver, client):
    expect_send(
        httpserver,
        {
            "recipient": {"id": CUSTOMER},
            "message": {"text": "Perdona la demora"},
            "messaging_type": "MESSAGE_TAG",
            "tag": "HUMAN_AGENT",
        },
    )
    client.send_text(to=CUSTOMER, body="Perdona la demora", human_agent=True)
    httpserver.check_assertions()


def test_send_text_raises_value_error_when_longer_than_1000_utf8_bytes(httpserver, client):
    assert len("ñ" * 501) <= 1000 < len(("ñ" * 501).encode())
    with pytest.raises(ValueError):
        client.send_text(to=CUSTOMER, body="ñ" * 501)
    with pytest.raises(ValueError):
        client.send_text(to=CUSTOMER, body="")
    assert httpserver.log == []


def test_send_text_accepts_exactly_1000_bytes_when_at_the_limit(httpserver, client):
    expect_send(httpserver, {"recipient": {"id": CUSTOMER}, "message": {"text": "ñ" * 500}})
    client.send_text(to=CUSTOMER, body="ñ" * 500)
    httpserver.check_assertions()


@pytest.mark.parametrize(
    ("kind", "attachment_type"),
    [
        (MessageType.IMAGE, "image"),
        (MessageType.VIDEO, "video"),
        (MessageType.AUDIO, "audio"),
        (MessageType.DOCUMENT, "file"),
    ],
)
def test_send_media_posts_an_attachment_url_when_sending_a_file(httpserver, client, kind, attachment_type):
    url = "https://cdn.example.pe/archivo"
    expect_send(
        httpserver,
        {"recipient": {"id": CUSTOMER}, "message": {"attachment": {"type": attachment_type, "payload": {"url": url}}}},
    )
    assert client.send_media(to=CUSTOMER, url=url, kind=kind).external_id == MID
    httpserver.check_assertions()


@pytest.mark.parametrize(("kind", "caption"), [(MessageType.IMAGE, "Polo azul"), (MessageType.STICKER, "")])
def test_send_media_raises_value_error_when_instagram_cannot_carry_it(httpserver, client, kind, caption):
    with pytest.raises(ValueError):
        client.send_media(to=CUSTOMER, url="https://cdn.example.pe/a.jpg", kind=kind, caption=caption)
    assert httpserver.log == []


def test_send_template_raises_permanent_error_when_called_on_instagram(httpserver, client):
    with pytest.raises(PermanentError) as info:
        client.send_template(to=CUSTOMER, template="seguimiento_pedido", variables=["Ana"])
    assert info.value.code == "templates_unsupported"
    assert httpserver.log == []


def test_send_buttons_posts_quick_replies_when_given_buttons(httpserver, client):
    expect_send(
        httpserver,
        {
            "recipient": {"id": CUSTOMER},
            "message": {
                "text": "¿Qué talla buscas?",
                "quick_replies": [
                    {"content_type": "text", "title": "Talla S", "payload": "SIZE_S"},
                    {"content_type": "text", "title": "Talla M", "payload": "SIZE_M"},
                ],
            },
        },
    )
    buttons = [Button(id="SIZE_S", title="Talla S"), Button(id="SIZE_M", title="Talla M")]
    client.send_buttons(to=CUSTOMER, body="¿Qué talla buscas?", buttons=buttons)
    httpserver.check_assertions()


@pytest.mark.parametrize(
    "buttons",
    [[Button(id=str(i), title=f"Opción {i}") for i in range(14)], [Button(id="a", title="x" * 21)], []],
)
def test_send_buttons_raises_value_error_when_quick_replies_break_limits(httpserver, client, buttons):
    with pytest.raises(ValueError):
        client.send_buttons(to=CUSTOMER, body="Elige", buttons=buttons)
    assert httpserver.log == []


def test_send_raises_permanent_error_with_meta_code_when_outside_the_window(httpserver, client):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(
        {
            "error": {
                "message": "This message is sent outside of allowed window.",
                "type": "IGApiException",
                "code": 10,
                "error_subcode": 2534022,
                "fbtrace_id": "AyZ0x",
            }
        },
        status=400,
    )
    with pytest.raises(PermanentError) as info:
        client.send_text(to=CUSTOMER, body="Hola")
    assert info.value.code == "10"
    assert "2534022" in info.value.message


def test_send_raises_transient_error_when_instagram_throttles(httpserver, client):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(
        {"error": {"message": "Application request limit reached", "type": "OAuthException", "code": 4}}, status=400
    )
    with pytest.raises(TransientError):
        client.send_text(to=CUSTOMER, body="Hola")


# -- media --------------------------------------------------------------------------------------
def test_download_media_fetches_the_cdn_url_without_our_token_when_customer_sent_a_photo(httpserver, client):
    httpserver.expect_request("/ig_messaging_cdn/", query_string="asset_id=1&signature=s").respond_with_data(
        b"png-bytes", content_type="image/png"
    )
    media = MediaRef(url=httpserver.url_for("/ig_messaging_cdn/") + "?asset_id=1&signature=s")
    downloaded = client.download_media(media, kind=MessageType.IMAGE)
    assert downloaded.content == b"png-bytes"
    assert downloaded.mime_type == "image/png"
    ((request, _),) = httpserver.log
    assert "Authorization" not in request.headers


def test_download_media_raises_media_too_large_when_the_file_passes_the_limit(httpserver, client, monkeypatch):
    monkeypatch.setitem(base.MEDIA_LIMITS, MessageType.VIDEO, 100)
    httpserver.expect_request("/ig_messaging_cdn/").respond_with_data(b"v" * 101, content_type="video/mp4")
    with pytest.raises(MediaTooLargeError):
        client.download_media(MediaRef(url=httpserver.url_for("/ig_messaging_cdn/")), kind=MessageType.VIDEO)


def test_download_media_raises_permanent_error_when_the_cdn_url_expired(httpserver, client):
    httpserver.expect_request("/ig_messaging_cdn/").respond_with_data("gone", status=404)
    with pytest.raises(PermanentError) as info:
        client.download_media(MediaRef(url=httpserver.url_for("/ig_messaging_cdn/")), kind=MessageType.IMAGE)
    assert info.value.code == "media_expired"
    assert len(httpserver.log) == 1


def test_download_media_raises_permanent_error_when_the_url_is_not_http(client):
    with pytest.raises(PermanentError):
        client.download_media(MediaRef(url="file:///etc/passwd"), kind=MessageType.IMAGE)
