"""TwilioClient against a local fake of Twilio's REST API (pytest-httpserver) speaking its wire format."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from integrations import base
from integrations.base import Button, DeliveryStatus, DownloadedMedia, MediaRef, MessageType, SendResult
from integrations.errors import (
    AmbiguousError,
    MediaTooLargeError,
    PermanentError,
    TransientError,
)
from integrations.twilio.client import TwilioClient

ACCOUNT_SID = "ACe268443e43d93dab7ebef303bbe9642f"
AUTH_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
OUR_NUMBER = "+51940111222"
CUSTOMER = "+51987654321"
STATUS_CALLBACK = "https://crm.example.pe/webhooks/twilio/status/"
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
MESSAGE_SID = "SM3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c"
MEDIA_SID = "ME9f8e7d6c5b4a39281706f5e4d3c2b1a0"
MEDIA_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM0a1b2c3d4e5f60718293a4b5c6d7e8f9/Media/{MEDIA_SID}"


def twilio_message(*, body: str = "", status: str = "queued", num_media: str = "0") -> dict[str, object]:
    """What Twilio answers (201) to ``POST …/Messages.json``."""
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": "Mon, 02 Jun 2025 15:30:00 +0000",
        "date_sent": None,
        "date_updated": "Mon, 02 Jun 2025 15:30:00 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": f"whatsapp:{OUR_NUMBER}",
        "messaging_service_sid": None,
        "num_media": num_media,
        "num_segments": "1",
        "price": None,
        "price_unit": None,
        "sid": MESSAGE_SID,
        "status": status,
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}/Media.json"},
        "to": f"whatsapp:{CUSTOMER}",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}.json",
    }


def twilio_error(code: int, message: str, status: int) -> dict[str, object]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def base_url(server: HTTPServer) -> str:
    return server.url_for("/").rstrip("/")


@pytest.fixture
def twilio(httpserver: HTTPServer) -> Iterator[TwilioClient]:
    with TwilioClient(
        ACCOUNT_SID,
        AUTH_TOKEN,
        OUR_NUMBER,
        base_url=base_url(httpserver),
        status_callback_url=STATUS_CALLBACK,
        timeout=httpx.Timeout(2.0, connect=0.5),
    ) as client:
        yield client


@pytest.fixture(scope="module")
def _threaded_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="localhost", port=0, threaded=True)  # the API's host: media may be fetched there
    server.start()
    yield server
    server.stop()


@pytest.fixture
def threaded_server(_threaded_server: HTTPServer) -> HTTPServer:
    """A second server (another origin on the API's host), threaded so it answers in HTTP/1.1 and streams
    chunked bodies."""
    _threaded_server.clear()
    return _threaded_server


def posted(server: HTTPServer) -> Request:
    assert len(server.log) == 1
    return server.log[0][0]


def assert_basic_auth(request: Request) -> None:
    assert request.authorization is not None
    assert request.authorization.type == "basic"
    assert request.authorization.username == ACCOUNT_SID
    assert request.authorization.password == AUTH_TOKEN


# ---------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------
def test_send_text_posts_twilio_form_with_basic_auth_when_recipient_is_e164(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(
        twilio_message(body="Hola María"), status=201
    )

    result = twilio.send_text(to=CUSTOMER, body="Hola María")

    request = posted(httpserver)
    assert request.mimetype == "application/x-www-form-urlencoded"
    assert request.form.to_dict(flat=False) == {
        "From": ["whatsapp:+51940111222"],
        "To": ["whatsapp:+51987654321"],
        "Body": ["Hola María"],
        "StatusCallback": [STATUS_CALLBACK],
    }
    assert_basic_auth(request)
    assert result == SendResult(
        external_id=MESSAGE_SID, status=DeliveryStatus.QUEUED, raw=twilio_message(body="Hola María")
    )


@pytest.mark.parametrize("to", ["51987654321", "whatsapp:+51987654321", "+51 987 654 321", "987654321"])
def test_send_text_prefixes_recipient_when_given_in_other_forms(httpserver, twilio, to):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(twilio_message(), status=201)

    twilio.send_text(to=to, body="Hola")

    assert posted(httpserver).form["To"] == "whatsapp:+51987654321"


def test_send_text_leaves_out_status_callback_when_not_configured(httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(twilio_message(), status=201)

    with TwilioClient(ACCOUNT_SID, AUTH_TOKEN, "whatsapp:+51940111222", base_url=base_url(httpserver)) as client:
        client.send_text(to=CUSTOMER, body="Hola")

    form = posted(httpserver).form
    assert "StatusCallback" not in form
    assert form["From"] == "whatsapp:+51940111222"


def test_send_result_is_queued_when_messaging_service_answers_accepted(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(
        twilio_message(status="accepted"), status=201
    )

    assert twilio.send_text(to=CUSTOMER, body="Hola").status == DeliveryStatus.QUEUED


def test_send_media_posts_media_url_and_caption_when_sending_a_file(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(
        twilio_message(body="Su cotización", num_media="1"), status=201
    )

    result = twilio.send_media(
        to=CUSTOMER,
        url="https://media.example.pe/cotizacion-123.pdf",
        kind=MessageType.DOCUMENT,
        caption="Su cotización",
        filename="cotizacion-123.pdf",
    )

    assert posted(httpserver).form.to_dict(flat=False) == {
        "From": ["whatsapp:+51940111222"],
        "To": ["whatsapp:+51987654321"],
        "MediaUrl": ["https://media.example.pe/cotizacion-123.pdf"],
        "Body": ["Su cotización"],
        "StatusCallback": [STATUS_CALLBACK],
    }
    assert result.external_id == MESSAGE_SID


def test_send_media_sends_no_body_when_caption_is_empty(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(twilio_message(), status=201)

    twilio.send_media(to=CUSTOMER, url="https://media.example.pe/foto.jpg", kind=MessageType.IMAGE)

    form = posted(httpserver).form
    assert form["MediaUrl"] == "https://media.example.pe/foto.jpg"
    assert "Body" not in form


def test_send_template_posts_content_sid_and_numbered_variables_when_outside_the_window(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(twilio_message(), status=201)

    result = twilio.send_template(
        to=CUSTOMER, template="HXb5b62575e6e4ff6129ad7c8efe1f983e", variables=["María", "15 de junio"]
    )

    form = posted(httpserver).form.to_dict(flat=False)
    assert form.keys() == {"From", "To", "ContentSid", "ContentVariables", "StatusCallback"}
    assert form["ContentSid"] == ["HXb5b62575e6e4ff6129ad7c8efe1f983e"]
    assert json.loads(form["ContentVariables"][0]) == {"1": "María", "2": "15 de junio"}
    assert result.external_id == MESSAGE_SID


def test_send_template_sends_no_variables_when_template_has_none(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(twilio_message(), status=201)

    twilio.send_template(to=CUSTOMER, template="HXb5b62575e6e4ff6129ad7c8efe1f983e")

    assert "ContentVariables" not in posted(httpserver).form


def test_send_buttons_sends_numbered_options_as_text_when_no_content_template(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(twilio_message(), status=201)

    twilio.send_buttons(
        to=CUSTOMER,
        body="¿Cuándo le visitamos?",
        buttons=[Button(id="morning", title="Mañana"), Button(id="afternoon", title="Tarde")],
    )

    form = posted(httpserver).form
    assert form["Body"] == "¿Cuándo le visitamos?\n\n1. Mañana\n2. Tarde\n\nResponde con el número de tu opción."
    assert "ContentSid" not in form


def test_send_raises_permanent_error_with_twilio_code_when_number_is_invalid(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(
        twilio_error(21211, "Invalid 'To' Phone Number: whatsapp:+5198765XXXX", 400), status=400
    )

    with pytest.raises(PermanentError) as info:
        twilio.send_text(to=CUSTOMER, body="Hola")

    assert info.value.code == "21211"
    assert info.value.status == 400
    assert not info.value.retryable
    assert "Invalid 'To' Phone Number" in info.value.message


def test_permanent_error_hides_phone_numbers_when_twilio_quotes_them(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(
        twilio_error(21211, "The 'To' number +51987654321 is not a valid phone number.", 400), status=400
    )

    with pytest.raises(PermanentError) as info:
        twilio.send_text(to=CUSTOMER, body="Hola")

    assert "987654321" not in str(info.value)
    assert info.value.code == "21211"


@pytest.mark.parametrize("status", [401, 403])
def test_send_raises_permanent_error_when_credentials_are_refused(httpserver, twilio, status):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(
        {
            "code": 20003,
            "detail": "Your AccountSid or AuthToken was incorrect.",
            "message": "Authenticate",
            "more_info": "https://www.twilio.com/docs/errors/20003",
            "status": status,
        },
        status=status,
    )

    with pytest.raises(PermanentError) as info:
        twilio.send_text(to=CUSTOMER, body="Hola")

    assert info.value.status == status
    assert info.value.code == "20003"
    assert AUTH_TOKEN not in str(info.value)


def test_send_raises_permanent_error_when_error_body_is_not_json(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_data("Bad Request", status=400)

    with pytest.raises(PermanentError) as info:
        twilio.send_text(to=CUSTOMER, body="Hola")

    assert info.value.status == 400
    assert info.value.code == ""


def test_send_raises_transient_error_with_retry_after_when_rate_limited(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(
        twilio_error(20429, "Too Many Requests", 429), status=429, headers={"Retry-After": "3"}
    )

    with pytest.raises(TransientError) as info:
        twilio.send_text(to=CUSTOMER, body="Hola")

    assert info.value.status == 429
    assert info.value.retry_after == 3.0
    assert info.value.retryable


def test_send_raises_transient_error_when_twilio_is_unavailable(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_data("", status=503)

    with pytest.raises(TransientError):
        twilio.send_text(to=CUSTOMER, body="Hola")


def test_send_raises_ambiguous_error_when_twilio_fails_with_500(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_data("", status=500)

    with pytest.raises(AmbiguousError):
        twilio.send_text(to=CUSTOMER, body="Hola")


def test_send_raises_ambiguous_error_when_answer_has_no_sid(httpserver, twilio):
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_data("<html>ok</html>", status=201)

    with pytest.raises(AmbiguousError):
        twilio.send_text(to=CUSTOMER, body="Hola")


def test_send_raises_ambiguous_error_when_twilio_answers_after_the_read_timeout(httpserver):
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(timeout=5)
        return Response(json.dumps(twilio_message()), status=201, mimetype="application/json")

    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_handler(slow)
    client = TwilioClient(ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, base_url=base_url(httpserver), timeout=0.2)
    try:
        with pytest.raises(AmbiguousError):
            client.send_text(to=CUSTOMER, body="Hola")
    finally:
        release.set()  # let the fake server finish so the next test finds it free
        client.close()


def test_send_raises_transient_error_when_connection_is_refused():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is closed now: nothing listens there.

    closed = f"http://127.0.0.1:{port}"
    with (
        TwilioClient(ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, base_url=closed, timeout=0.5) as client,
        pytest.raises(TransientError) as info,
    ):
        client.send_text(to=CUSTOMER, body="Hola")

    assert info.value.retryable


def test_send_raises_permanent_error_without_calling_twilio_when_recipient_is_not_a_phone(httpserver, twilio):
    with pytest.raises(PermanentError):
        twilio.send_text(to="hola", body="Hola")

    assert httpserver.log == []


def test_client_refuses_to_start_when_credentials_are_missing():
    with pytest.raises(ValueError, match="Auth Token"):
        TwilioClient(ACCOUNT_SID, "", OUR_NUMBER)


def test_client_repr_hides_auth_token_when_printed(twilio):
    assert AUTH_TOKEN not in repr(twilio)


def test_client_satisfies_the_messaging_client_protocol_when_type_checked(twilio):
    client: base.MessagingClient = twilio
    for name in ("send_text", "send_media", "send_template", "send_buttons", "download_media"):
        assert callable(getattr(client, name))


# ---------------------------------------------------------------------------------------------
# Media download
# ---------------------------------------------------------------------------------------------
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2044


def test_download_media_fetches_bytes_with_basic_auth_when_media_exists(httpserver, twilio):
    httpserver.expect_request(MEDIA_PATH, method="GET").respond_with_data(JPEG, content_type="image/jpeg")

    media = twilio.download_media(
        MediaRef(url=httpserver.url_for(MEDIA_PATH), mime_type="image/jpeg"), kind=MessageType.IMAGE
    )

    assert media == DownloadedMedia(content=JPEG, mime_type="image/jpeg", filename=f"{MEDIA_SID}.jpg")
    assert_basic_auth(posted(httpserver))


def test_download_media_follows_redirect_without_leaking_credentials_when_storage_is_elsewhere(
    httpserver, twilio, threaded_server
):
    threaded_server.expect_request("/storage/voice.ogg").respond_with_data(
        b"OggS" + b"\x01" * 500, content_type="audio/ogg"
    )
    httpserver.expect_request(MEDIA_PATH).respond_with_data(
        "", status=307, headers={"Location": threaded_server.url_for("/storage/voice.ogg")}
    )

    media = twilio.download_media(
        MediaRef(url=httpserver.url_for(MEDIA_PATH), mime_type="audio/ogg", is_voice=True), kind=MessageType.AUDIO
    )

    assert media.content.startswith(b"OggS")
    assert media.size == 504
    assert media.mime_type == "audio/ogg"
    assert media.filename == f"{MEDIA_SID}.ogg"
    assert_basic_auth(posted(httpserver))
    assert posted(threaded_server).authorization is None


def test_download_media_sends_no_credentials_when_url_is_not_on_twilio_host(twilio, threaded_server):
    threaded_server.expect_request("/file.pdf").respond_with_data(b"%PDF-1.7", content_type="application/pdf")

    media = twilio.download_media(MediaRef(url=threaded_server.url_for("/file.pdf")), kind=MessageType.DOCUMENT)

    assert media.filename == "file.pdf"
    assert posted(threaded_server).authorization is None


def test_download_media_uses_webhook_mime_type_when_server_says_octet_stream(httpserver, twilio):
    httpserver.expect_request(MEDIA_PATH).respond_with_data(b"%PDF-1.7", content_type="application/octet-stream")

    media = twilio.download_media(
        MediaRef(url=httpserver.url_for(MEDIA_PATH), mime_type="application/pdf"), kind=MessageType.DOCUMENT
    )

    assert media.mime_type == "application/pdf"
    assert media.filename.endswith(".pdf")


def test_download_media_raises_too_large_when_content_length_passes_the_limit(httpserver, twilio, monkeypatch):
    monkeypatch.setitem(base.MEDIA_LIMITS, MessageType.IMAGE, 1024)
    httpserver.expect_request(MEDIA_PATH).respond_with_data(JPEG, content_type="image/jpeg")  # 2048 bytes

    with pytest.raises(MediaTooLargeError) as info:
        twilio.download_media(MediaRef(url=httpserver.url_for(MEDIA_PATH)), kind=MessageType.IMAGE)

    assert "2048" in str(info.value)
    assert not info.value.retryable


def test_download_media_accepts_file_when_exactly_at_the_limit(httpserver, twilio, monkeypatch):
    monkeypatch.setitem(base.MEDIA_LIMITS, MessageType.IMAGE, len(JPEG))
    httpserver.expect_request(MEDIA_PATH).respond_with_data(JPEG, content_type="image/jpeg")

    assert twilio.download_media(MediaRef(url=httpserver.url_for(MEDIA_PATH)), kind=MessageType.IMAGE).size == len(JPEG)


def test_download_media_raises_too_large_while_streaming_when_chunked_without_content_length(
    twilio, threaded_server, monkeypatch
):
    monkeypatch.setitem(base.MEDIA_LIMITS, MessageType.VIDEO, 4096)

    def chunked(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(64):
                yield b"\x00" * 1024

        return Response(body(), mimetype="video/mp4")

    threaded_server.expect_request("/video.mp4").respond_with_handler(chunked)
    url = threaded_server.url_for("/video.mp4")
    with httpx.stream("GET", url) as probe:  # the fake really streams without Content-Length
        assert "content-length" not in probe.headers
        assert probe.headers["transfer-encoding"] == "chunked"

    with pytest.raises(MediaTooLargeError, match="4096"):
        twilio.download_media(MediaRef(url=url, mime_type="video/mp4"), kind=MessageType.VIDEO)


def test_download_media_raises_permanent_error_when_media_was_deleted(httpserver, twilio):
    httpserver.expect_request(MEDIA_PATH).respond_with_json(
        twilio_error(20404, f"The requested resource {MEDIA_PATH} was not found", 404), status=404
    )

    with pytest.raises(PermanentError) as info:
        twilio.download_media(MediaRef(url=httpserver.url_for(MEDIA_PATH)), kind=MessageType.IMAGE)

    assert info.value.status == 404
    assert info.value.code == "20404"
    assert not isinstance(info.value, MediaTooLargeError)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_download_media_raises_transient_error_when_server_fails(httpserver, twilio, status):
    httpserver.expect_request(MEDIA_PATH).respond_with_data("", status=status)

    with pytest.raises(TransientError):
        twilio.download_media(MediaRef(url=httpserver.url_for(MEDIA_PATH)), kind=MessageType.IMAGE)


def test_download_media_raises_transient_error_when_connection_is_refused(twilio):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(TransientError):
        twilio.download_media(MediaRef(url=f"http://localhost:{port}{MEDIA_PATH}"), kind=MessageType.IMAGE)
