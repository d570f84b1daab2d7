"""Media downloads go only to the provider's hosts and keep only accepted file types (security review,
issue 18, finding 5).

The fake provider API listens on ``localhost`` (its configured base URL); ``127.0.0.1`` plays a foreign
(internal) host: a server there records whether anything reached it.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer

from integrations.base import MediaRef, MessageType
from integrations.errors import PermanentError, UnsupportedMediaError
from integrations.media import (
    ALLOWED_MEDIA_TYPES,
    instagram_policy,
    twilio_policy,
    whatsapp_policy,
)
from integrations.meta.client import InstagramClient, WhatsAppCloudClient
from integrations.twilio.client import TwilioClient

ACCOUNT_SID = "AC" + "1" * 32
TOKEN = "meta-token-never-abroad"
PNID = "106540352242922"


@pytest.fixture(scope="module")
def _foreign() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def foreign(_foreign: HTTPServer) -> HTTPServer:
    """A server on another host (an internal address the webhook names)."""
    _foreign.clear()
    _foreign.expect_request("/secret").respond_with_data(b"internal data", content_type="image/jpeg")
    return _foreign


@pytest.fixture
def twilio(httpserver: HTTPServer) -> Iterator[TwilioClient]:
    with TwilioClient(ACCOUNT_SID, "auth-token", "+14155238886", base_url=httpserver.url_for("/").rstrip("/"),
                      timeout=httpx.Timeout(2.0, connect=0.5)) as client:
        yield client


@pytest.fixture
def whatsapp(httpserver: HTTPServer) -> Iterator[WhatsAppCloudClient]:
    with WhatsAppCloudClient(TOKEN, PNID, base_url=httpserver.url_for("/v21.0"), timeout=2.0) as client:
        yield client


@pytest.fixture
def instagram(httpserver: HTTPServer) -> Iterator[InstagramClient]:
    with InstagramClient(TOKEN, "17841400000000001", base_url=httpserver.url_for("/v21.0"), timeout=2.0) as client:
        yield client


# -- Twilio -------------------------------------------------------------------------------------
def test_twilio_refuses_a_media_url_on_another_host_when_the_webhook_names_one(twilio, foreign):
    with pytest.raises(PermanentError) as info:
        twilio.download_media(MediaRef(url=foreign.url_for("/secret")), kind=MessageType.IMAGE)
    assert info.value.code == "media_host_refused"
    assert foreign.log == []


@pytest.mark.parametrize("target", ["foreign", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/x",
                                    "https://evil.example/x.jpg", "file:///etc/passwd"])
def test_twilio_does_not_follow_a_redirect_off_its_hosts(httpserver, twilio, foreign, target):
    location = foreign.url_for("/secret") if target == "foreign" else target
    httpserver.expect_request("/Media/ME1").respond_with_data("", status=302, headers={"Location": location})
    with pytest.raises(PermanentError) as info:
        twilio.download_media(MediaRef(url=httpserver.url_for("/Media/ME1")), kind=MessageType.IMAGE)
    assert info.value.code == "media_host_refused"
    assert foreign.log == []


def test_twilio_stops_after_five_redirects_when_they_loop(httpserver, twilio):
    httpserver.expect_request("/Media/ME1").respond_with_data("", status=302, headers={"Location": "/Media/ME1"})
    with pytest.raises(PermanentError) as info:
        twilio.download_media(MediaRef(url=httpserver.url_for("/Media/ME1")), kind=MessageType.IMAGE)
    assert info.value.code == "too_many_redirects"
    assert len(httpserver.log) == 6


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/javascript", "image/svg+xml",
                                          "application/x-msdownload"])
def test_twilio_keeps_no_bytes_of_a_type_not_accepted(httpserver, twilio, content_type):
    httpserver.expect_request("/Media/ME1").respond_with_data(b"<script>alert(1)</script>", content_type=content_type)
    with pytest.raises(UnsupportedMediaError) as info:
        twilio.download_media(MediaRef(url=httpserver.url_for("/Media/ME1"), mime_type="image/jpeg"),
                              kind=MessageType.IMAGE)
    assert info.value.code == "unsupported_media"
    assert info.value.mime_type == content_type.split(";")[0]


def test_twilio_refuses_a_generic_answer_when_the_webhook_names_a_type_not_accepted(httpserver, twilio):
    httpserver.expect_request("/Media/ME1").respond_with_data(b"<html>", content_type="application/octet-stream")
    with pytest.raises(UnsupportedMediaError):
        twilio.download_media(MediaRef(url=httpserver.url_for("/Media/ME1"), mime_type="text/html"),
                              kind=MessageType.DOCUMENT)


# -- WhatsApp Cloud API ---------------------------------------------------------------------------
def test_whatsapp_never_fetches_a_webhook_url_without_a_media_id(whatsapp, foreign):
    with pytest.raises(PermanentError) as info:
        whatsapp.download_media(MediaRef(url=foreign.url_for("/secret")), kind=MessageType.IMAGE)
    assert info.value.code == "no_media_id"
    assert foreign.log == []


def test_whatsapp_sends_no_token_to_a_foreign_host_the_graph_answer_names(httpserver, whatsapp, foreign):
    httpserver.expect_request("/v21.0/777").respond_with_json(
        {"url": foreign.url_for("/secret"), "mime_type": "image/jpeg", "id": "777"})
    with pytest.raises(PermanentError) as info:
        whatsapp.download_media(MediaRef(media_id="777"), kind=MessageType.IMAGE)
    assert info.value.code == "media_host_refused"
    assert foreign.log == []


def test_whatsapp_does_not_follow_a_redirect_to_a_foreign_host(httpserver, whatsapp, foreign):
    httpserver.expect_request("/v21.0/777").respond_with_json(
        {"url": httpserver.url_for("/file/777"), "mime_type": "image/jpeg", "id": "777"})
    httpserver.expect_request("/file/777").respond_with_data(
        "", status=307, headers={"Location": foreign.url_for("/secret")})
    with pytest.raises(PermanentError) as info:
        whatsapp.download_media(MediaRef(media_id="777"), kind=MessageType.IMAGE)
    assert info.value.code == "media_host_refused"
    assert foreign.log == []


def test_whatsapp_follows_a_redirect_on_the_configured_host_with_the_token(httpserver, whatsapp):
    httpserver.expect_request("/v21.0/777").respond_with_json(
        {"url": httpserver.url_for("/file/777"), "mime_type": "image/jpeg", "id": "777"})
    httpserver.expect_request("/file/777").respond_with_data("", status=302, headers={"Location": "/cdn/777.jpg"})
    httpserver.expect_request("/cdn/777.jpg", headers={"Authorization": f"Bearer {TOKEN}"}).respond_with_data(
        b"\xff\xd8jpeg", content_type="image/jpeg")
    downloaded = whatsapp.download_media(MediaRef(media_id="777"), kind=MessageType.IMAGE)
    assert downloaded.content == b"\xff\xd8jpeg" and downloaded.mime_type == "image/jpeg"


def test_whatsapp_refuses_before_downloading_when_the_graph_declares_a_type_not_accepted(httpserver, whatsapp):
    httpserver.expect_request("/v21.0/777").respond_with_json(
        {"url": httpserver.url_for("/file/777"), "mime_type": "text/html", "id": "777"})
    with pytest.raises(UnsupportedMediaError):
        whatsapp.download_media(MediaRef(media_id="777"), kind=MessageType.DOCUMENT)
    assert [request.path for request, _ in httpserver.log] == ["/v21.0/777"]


def test_whatsapp_refuses_an_html_answer_when_the_graph_said_image(httpserver, whatsapp):
    httpserver.expect_request("/v21.0/777").respond_with_json(
        {"url": httpserver.url_for("/file/777"), "mime_type": "image/jpeg", "id": "777"})
    httpserver.expect_request("/file/777").respond_with_data(b"<html>login</html>", content_type="text/html")
    with pytest.raises(UnsupportedMediaError):
        whatsapp.download_media(MediaRef(media_id="777"), kind=MessageType.IMAGE)


def test_whatsapp_media_id_cannot_walk_the_graph_path(httpserver, whatsapp):
    httpserver.expect_request("/v21.0/../me").respond_with_json({"url": "x"})
    with pytest.raises(PermanentError):
        whatsapp.download_media(MediaRef(media_id="../me"), kind=MessageType.IMAGE)
    assert all(request.path.startswith("/v21.0/") for request, _ in httpserver.log)


# -- Instagram ------------------------------------------------------------------------------------
def test_instagram_refuses_an_attachment_url_on_another_host(instagram, foreign):
    with pytest.raises(PermanentError) as info:
        instagram.download_media(MediaRef(url=foreign.url_for("/secret")), kind=MessageType.IMAGE)
    assert info.value.code == "media_host_refused"
    assert foreign.log == []


def test_instagram_does_not_follow_a_redirect_to_another_host(httpserver, instagram, foreign):
    httpserver.expect_request("/ig_messaging_cdn/").respond_with_data(
        "", status=302, headers={"Location": foreign.url_for("/secret")})
    with pytest.raises(PermanentError):
        instagram.download_media(MediaRef(url=httpserver.url_for("/ig_messaging_cdn/")), kind=MessageType.IMAGE)
    assert foreign.log == []


def test_instagram_keeps_no_html_attachment(httpserver, instagram):
    httpserver.expect_request("/ig_messaging_cdn/").respond_with_data(b"<html>", content_type="text/html")
    with pytest.raises(UnsupportedMediaError):
        instagram.download_media(MediaRef(url=httpserver.url_for("/ig_messaging_cdn/")), kind=MessageType.IMAGE)


# -- the policies themselves ----------------------------------------------------------------------
@pytest.mark.parametrize(("policy", "url", "redirect", "allowed"), [
    (twilio_policy("https://api.twilio.com"), "https://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME1", False, True),
    (twilio_policy("https://api.twilio.com"), "https://api.dublin.ie1.twilio.com/x", False, True),
    (twilio_policy("https://api.twilio.com"), "http://api.twilio.com/x", False, False),
    (twilio_policy("https://api.twilio.com"), "https://mms.twiliocdn.com/AC1/abc", False, False),
    (twilio_policy("https://api.twilio.com"), "https://mms.twiliocdn.com/AC1/abc", True, True),
    (twilio_policy("https://api.twilio.com"), "https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC1/x", True,
     True),
    (twilio_policy("https://api.twilio.com"), "https://s3-external-1.amazonaws.com/evil-bucket/x", True, False),
    (twilio_policy("https://api.twilio.com"), "https://api.twilio.com.evil.example/x", False, False),
    (twilio_policy("https://api.twilio.com"), "https://eviltwilio.com/x", False, False),
    (twilio_policy("https://api.twilio.com"), "http://127.0.0.1/x", True, False),
    (twilio_policy("http://127.0.0.1:8099"), "http://127.0.0.1:5000/x", True, True),
    (whatsapp_policy("https://graph.facebook.com/v21.0"), "https://lookaside.fbsbx.com/whatsapp_business/a", False,
     True),
    (whatsapp_policy("https://graph.facebook.com/v21.0"), "https://lookaside.fbsbx.com.evil.example/a", False, False),
    (whatsapp_policy("https://graph.facebook.com/v21.0"), "https://169.254.169.254/a", True, False),
    (instagram_policy("https://graph.instagram.com/v21.0"), "https://scontent.cdninstagram.com/v/a.jpg", False, True),
    (instagram_policy("https://graph.instagram.com/v21.0"), "https://evil.example/a.jpg", False, False),
])
def test_media_host_policy_allows_only_the_provider_hosts(policy, url, redirect, allowed):
    assert policy.allows(httpx.URL(url), redirect=redirect) is allowed


def test_accepted_types_are_media_and_documents_only():
    assert "text/html" not in ALLOWED_MEDIA_TYPES and "image/svg+xml" not in ALLOWED_MEDIA_TYPES
    assert all(ext.startswith(".") and ext not in (".html", ".htm", ".svg", ".js") for ext in
               ALLOWED_MEDIA_TYPES.values())


@pytest.mark.parametrize("url", ["http://[::1", "https://exa mple.com/a", "", "//lookaside.fbsbx.com/x", "https://:80/x",
                                 "https://lookaside.fbsbx.com:99999/x"])
def test_unusable_media_urls_are_permanent_errors_when_a_webhook_sends_them(instagram, twilio, url):
    for client in (instagram, twilio):
        with pytest.raises(PermanentError):
            client.download_media(MediaRef(url=url), kind=MessageType.IMAGE)
