"""Sending and media download for WhatsApp Cloud API and Instagram Direct (Meta's Graph API).

Both clients implement ``integrations.base.MessagingClient``: plain arguments in, ``SendResult`` out,
failures as ``TransientError`` (not processed, retry), ``AmbiguousError`` (maybe processed, do not resend
blindly) or ``PermanentError`` (refused for good; ``code`` is Meta's, e.g. ``"131047"``). Invalid
arguments (too many buttons, a text too long) are programming errors and raise ``ValueError`` before
anything is sent.

Requests go through ``integrations.http`` except file downloads, which must stream to stop at the size
limit; those map failures here with the same rules, except that a GET is idempotent, so a timeout or
5xx while downloading is transient rather than ambiguous. Tokens travel only in the ``Authorization``
header, never in URLs, logs or error messages.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlsplit

import httpx

from integrations import base
from integrations.base import (
    Button,
    DownloadedMedia,
    ListRow,
    MediaRef,
    MessageType,
    SendResult,
    location_text,
    numbered_options,
)
from integrations.errors import AmbiguousError, MediaTooLargeError, PermanentError, TransientError
from integrations.http import make_client, send
from integrations.media import (
    GENERIC_TYPES,
    base_mime,
    check_media_type,
    instagram_policy,
    open_media,
    read_media,
    whatsapp_policy,
)

logger = logging.getLogger(__name__)

WHATSAPP_BASE_URL = "https://graph.facebook.com/v21.0"
INSTAGRAM_BASE_URL = "https://graph.instagram.com/v21.0"

# Graph error codes that mean "slow down", not "no": throttling (4 app, 17 user, 32 page, 613 calls per
# hour, 80007 WhatsApp account, 130429 Cloud API throughput) and 131056 (too many messages to one user).
RATE_LIMIT_CODES = frozenset({"4", "17", "32", "613", "80007", "130429", "131056"})

WHATSAPP_TEXT_MAX_CHARS = 4096
WHATSAPP_BUTTON_BODY_MAX_CHARS = 1024
WHATSAPP_MAX_BUTTONS = 3
INSTAGRAM_TEXT_MAX_BYTES = 1000
INSTAGRAM_MAX_QUICK_REPLIES = 13
BUTTON_TITLE_MAX_CHARS = 20
WHATSAPP_LIST_MAX_ROWS = 10
LIST_BUTTON_MAX_CHARS = 20
LIST_ROW_TITLE_MAX_CHARS = 24
LIST_ROW_DESCRIPTION_MAX_CHARS = 72
LIST_ROW_ID_MAX_CHARS = 200
LIST_SECTION_TITLE_MAX_CHARS = 24

_WHATSAPP_MEDIA = {
    MessageType.IMAGE: "image",
    MessageType.VIDEO: "video",
    MessageType.AUDIO: "audio",
    MessageType.DOCUMENT: "document",
    MessageType.STICKER: "sticker",
}
_WHATSAPP_CAPTIONED = frozenset({MessageType.IMAGE, MessageType.VIDEO, MessageType.DOCUMENT})
_INSTAGRAM_MEDIA = {
    MessageType.IMAGE: "image",
    MessageType.VIDEO: "video",
    MessageType.AUDIO: "audio",
    MessageType.DOCUMENT: "file",
}


def _host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


class _FileGone(Exception):
    """A media file URL answered 404/410: expired (WhatsApp URLs live 5 minutes) or removed."""


def graph_error(response: httpx.Response, *, what: str) -> PermanentError | TransientError:
    """The error of a Graph API 4xx answer ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``.

    Rate limits (``RATE_LIMIT_CODES``) and errors Meta flags ``is_transient`` are transient; everything
    else, including 401 and code 190 (bad or expired token), is permanent.
    """
    try:
        data = response.json()
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or "")
    subcode = str(error.get("error_subcode") or "")
    detail = " ".join(
        part
        for part in (
            f"{response.status_code}",
            str(error.get("type") or ""),
            f"code={code}" if code else "",
            f"subcode={subcode}" if subcode else "",
            str(error.get("message") or "")[:300],
            f"(fbtrace_id={error.get('fbtrace_id')})" if error.get("fbtrace_id") else "",
        )
        if part
    )
    message = f"{what}: {detail}"
    if (
        response.status_code != 401
        and code != "190"
        and (code in RATE_LIMIT_CODES or error.get("is_transient") is True)
    ):
        return TransientError(message, code=code, status=response.status_code)
    return PermanentError(message, code=code, status=response.status_code)


def _media_limit(kind: MessageType) -> int:
    """The size limit of ``kind``, read at call time (tests shrink ``MEDIA_LIMITS``)."""
    try:
        return base.MEDIA_LIMITS[kind]
    except KeyError:
        raise ValueError(f"no media size limit for {kind!r}") from None


def _check_buttons(buttons: list[Button], *, maximum: int, what: str) -> None:
    if not 1 <= len(buttons) <= maximum:
        raise ValueError(f"{what}: between 1 and {maximum} buttons, got {len(buttons)}")
    ids = [button.id for button in buttons]
    if any(not button_id for button_id in ids) or len(set(ids)) != len(ids):
        raise ValueError(f"{what}: button ids must be non-empty and unique")
    for button in buttons:
        if not 1 <= len(button.title) <= BUTTON_TITLE_MAX_CHARS:
            raise ValueError(
                f"{what}: button titles must be 1-{BUTTON_TITLE_MAX_CHARS} characters, got {button.title!r}"
            )


def _check_rows(rows: list[ListRow], *, maximum: int, what: str) -> None:
    if not 1 <= len(rows) <= maximum:
        raise ValueError(f"{what}: between 1 and {maximum} rows, got {len(rows)}")
    ids = [row.id for row in rows]
    if any(not row_id or len(row_id) > LIST_ROW_ID_MAX_CHARS for row_id in ids) or len(set(ids)) != len(ids):
        raise ValueError(f"{what}: row ids must be unique and 1-{LIST_ROW_ID_MAX_CHARS} characters")
    for row in rows:
        if not 1 <= len(row.title) <= LIST_ROW_TITLE_MAX_CHARS:
            raise ValueError(f"{what}: row titles must be 1-{LIST_ROW_TITLE_MAX_CHARS} characters, got {row.title!r}")
        if len(row.description) > LIST_ROW_DESCRIPTION_MAX_CHARS:
            raise ValueError(f"{what}: row descriptions must be at most {LIST_ROW_DESCRIPTION_MAX_CHARS} characters")


def _check_coordinates(latitude: float, longitude: float) -> None:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("a location needs a latitude in [-90, 90] and a longitude in [-180, 180]")


class _GraphClient:
    """One ``httpx.Client`` per instance; the Bearer token is added per request, only to Graph calls."""

    _policy_for = staticmethod(whatsapp_policy)  # where media may be fetched from, given the base URL

    def __init__(self, access_token: str, *, base_url: str, timeout: float | httpx.Timeout | None) -> None:
        self._token = access_token
        self._base_url = base_url.rstrip("/")
        self._http = make_client(timeout=timeout)
        self._media_policy = self._policy_for(self._base_url)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:  # never show the token
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def _auth(self) -> dict[str, str]:
        if not self._token:
            raise PermanentError(f"{type(self).__name__}: no access token configured", code="not_configured")
        return {"Authorization": f"Bearer {self._token}"}

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST JSON to the Graph API; 2xx JSON object back, or a classified error."""
        what = f"POST {path}"
        response = send(self._http, "POST", f"{self._base_url}{path}", json=payload, headers=self._auth())
        if response.status_code >= 400:
            raise graph_error(response, what=what)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            # Accepted (2xx) but unreadable: the message may well be on its way.
            raise AmbiguousError(f"{what}: {response.status_code} without a JSON object", status=response.status_code)
        return data

    def _get_json(self, path: str, *, params: dict[str, str] | None = None) -> dict[str, Any]:
        """GET a Graph object. Reads are idempotent, so 'ambiguous' failures are reported as transient."""
        what = f"GET {path}"
        try:
            response = send(self._http, "GET", f"{self._base_url}{path}", params=params, headers=self._auth())
        except AmbiguousError as exc:
            raise TransientError(exc.message, status=exc.status) from exc
        if response.status_code >= 400:
            error = graph_error(response, what=what)
            if response.status_code == 404 and isinstance(error, PermanentError):
                error.code = error.code or "not_found"
            raise error
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise TransientError(f"{what}: {response.status_code} without a JSON object", status=response.status_code)
        return data

    def _download(self, url: str, *, limit: int, with_auth: bool) -> tuple[bytes, str]:
        """Stream ``url`` into memory, stopping as soon as it passes ``limit`` bytes.

        Every hop (the URL and each redirect) must be on a host of :attr:`_media_policy`: Meta's media
        domains over HTTPS or the configured Graph host; the token goes only there. Returns (content,
        the answer's MIME type or ""). Raises ``_FileGone`` on 404/410 so the caller can refresh the URL,
        ``UnsupportedMediaError`` when the answer is of a type we do not accept.
        """
        if with_auth:
            self._auth()  # no token configured: permanent, before anything is sent
        what = f"GET media file on {_host_of(url) or 'a bad URL'}"  # no signed query strings in messages
        try:
            with open_media(
                self._http, url, policy=self._media_policy,
                headers_for=(lambda _hop: self._auth()) if with_auth else None,
            ) as response:
                status = response.status_code
                if status in (404, 410):
                    raise _FileGone(what)
                if status == 429 or status >= 500:
                    raise TransientError(f"{what}: {status}", status=status)
                if status >= 300:
                    raise PermanentError(f"{what}: {status}", status=status)
                return read_media(response, limit=limit, what=what)
        except httpx.InvalidURL as exc:
            raise PermanentError("media file URL is not valid", code="bad_media_url") from exc
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise TransientError(f"{what}: {type(exc).__name__}") from exc


class WhatsAppCloudClient(_GraphClient):
    """WhatsApp Cloud API for one business phone number (``phone_number_id``).

    ``to`` is the customer's phone (E.164 or bare ``wa_id`` digits) or business-scoped user id; Meta
    accepts all of them in the same field. Sends answer ``SENT`` with the ``wamid``; delivery and read
    arrive later as status webhooks.
    """

    def __init__(
        self,
        access_token: str,
        phone_number_id: str,
        *,
        base_url: str = WHATSAPP_BASE_URL,
        timeout: float | httpx.Timeout | None = None,
    ) -> None:
        super().__init__(access_token, base_url=base_url, timeout=timeout)
        self.phone_number_id = phone_number_id

    def __repr__(self) -> str:
        return f"WhatsAppCloudClient(phone_number_id={self.phone_number_id!r}, base_url={self._base_url!r})"

    # -- sending ----------------------------------------------------------------------------
    def _send_message(self, to: str, kind: str, content: dict[str, Any], *, reply_to: str = "") -> SendResult:
        if not to:
            raise ValueError("WhatsApp: 'to' is required")
        payload: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": kind,
            kind: content,
        }
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        path = f"/{self.phone_number_id}/messages"
        data = self._post(path, payload)
        messages = data.get("messages")
        first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
        external_id = str(first.get("id") or "")
        if not external_id:
            raise AmbiguousError(f"POST {path}: accepted without a message id")
        return SendResult(external_id=external_id, raw=data)

    def send_text(self, *, to: str, body: str, reply_to: str = "", human_agent: bool = False) -> SendResult:
        """Send a text inside the 24-hour window (as a reply to ``reply_to`` when given).

        ``human_agent`` is an Instagram notion; WhatsApp ignores it (outside the window use a template).
        """
        if not body or len(body) > WHATSAPP_TEXT_MAX_CHARS:
            raise ValueError(f"WhatsApp text must be 1-{WHATSAPP_TEXT_MAX_CHARS} characters")
        return self._send_message(to, "text", {"preview_url": False, "body": body}, reply_to=reply_to)

    def send_media(self, *, to: str, url: str, kind: MessageType, caption: str = "", filename: str = "") -> SendResult:
        """Send a file Meta fetches from ``url`` (a public HTTPS link). Captions: image, video, document only;
        ``filename`` is shown for documents and ignored for other kinds."""
        if kind not in _WHATSAPP_MEDIA:
            raise ValueError(f"WhatsApp cannot send {kind!r} as media")
        if not url:
            raise ValueError("WhatsApp media needs a URL")
        if caption and kind not in _WHATSAPP_CAPTIONED:
            raise ValueError(f"WhatsApp {kind} messages take no caption; send the text separately")
        content: dict[str, Any] = {"link": url}
        if caption:
            content["caption"] = caption
        if filename and kind == MessageType.DOCUMENT:
            content["filename"] = filename
        return self._send_message(to, _WHATSAPP_MEDIA[kind], content)

    def send_template(
        self, *, to: str, template: str, language: str = "es", variables: list[str] | None = None
    ) -> SendResult:
        """Send an approved template (the only thing allowed outside the 24-hour window).
        ``variables`` fill the body placeholders ``{{1}}``, ``{{2}}``... in order."""
        if not template:
            raise ValueError("WhatsApp template name is required")
        content: dict[str, Any] = {"name": template, "language": {"code": language}}
        if variables:
            content["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": str(value)} for value in variables]}
            ]
        return self._send_message(to, "template", content)

    def send_buttons(self, *, to: str, body: str, buttons: list[Button]) -> SendResult:
        """Send up to 3 reply buttons (titles up to 20 characters); the tap comes back as INTERACTIVE
        with ``interactive_id`` = the button id."""
        if not body or len(body) > WHATSAPP_BUTTON_BODY_MAX_CHARS:
            raise ValueError(f"WhatsApp button text must be 1-{WHATSAPP_BUTTON_BODY_MAX_CHARS} characters")
        _check_buttons(buttons, maximum=WHATSAPP_MAX_BUTTONS, what="WhatsApp reply buttons")
        content = {
            "type": "button",
            "body": {"text": body},
            "action": {"buttons": [{"type": "reply", "reply": {"id": b.id, "title": b.title}} for b in buttons]},
        }
        return self._send_message(to, "interactive", content)

    def send_list(self, *, to: str, body: str, button: str, rows: list[ListRow], section: str = "") -> SendResult:
        """Send a list message: ``button`` (up to 20 characters) opens up to 10 rows (titles up to 24
        characters, descriptions up to 72) in one section; the choice comes back as INTERACTIVE with
        ``interactive_id`` = the row id (``list_reply``)."""
        if not body or len(body) > WHATSAPP_BUTTON_BODY_MAX_CHARS:
            raise ValueError(f"WhatsApp list text must be 1-{WHATSAPP_BUTTON_BODY_MAX_CHARS} characters")
        if not 1 <= len(button) <= LIST_BUTTON_MAX_CHARS:
            raise ValueError(f"WhatsApp list button must be 1-{LIST_BUTTON_MAX_CHARS} characters")
        if len(section) > LIST_SECTION_TITLE_MAX_CHARS:
            raise ValueError(f"WhatsApp list section title must be at most {LIST_SECTION_TITLE_MAX_CHARS} characters")
        _check_rows(rows, maximum=WHATSAPP_LIST_MAX_ROWS, what="WhatsApp list")
        group: dict[str, Any] = {
            "rows": [
                {"id": r.id, "title": r.title, **({"description": r.description} if r.description else {})}
                for r in rows
            ]
        }
        if section:
            group = {"title": section, **group}
        content = {"type": "list", "body": {"text": body}, "action": {"button": button, "sections": [group]}}
        return self._send_message(to, "interactive", content)

    def send_location(
        self, *, to: str, latitude: float, longitude: float, name: str = "", address: str = ""
    ) -> SendResult:
        """Send a location pin (the store's address, with its name)."""
        _check_coordinates(latitude, longitude)
        content: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if name:
            content["name"] = name
        if address:
            content["address"] = address
        return self._send_message(to, "location", content)

    def mark_read(self, message_id: str) -> None:
        """Tell the customer we read their message ``message_id`` (blue ticks); earlier ones count as read too."""
        if not message_id:
            raise ValueError("WhatsApp mark_read needs a message id")
        self._post(
            f"/{self.phone_number_id}/messages",
            {"messaging_product": "whatsapp", "status": "read", "message_id": message_id},
        )

    # -- media ------------------------------------------------------------------------------
    def _media_info(self, media_id: str, *, limit: int) -> dict[str, Any]:
        """The short-lived URL of ``media_id``; refuses a file whose declared size is over ``limit`` or
        whose declared type we do not accept, before downloading it."""
        info = self._get_json(f"/{quote(media_id, safe='')}", params={"phone_number_id": self.phone_number_id})
        if not info.get("url") or not isinstance(info["url"], str):
            raise PermanentError(f"GET /{media_id}: no URL in the media object", code="no_media_url")
        if base_mime(str(info.get("mime_type") or "")) not in GENERIC_TYPES:
            check_media_type(str(info["mime_type"]), what=f"media {media_id}")
        size = str(info.get("file_size") or "")
        if size.isdigit() and int(size) > limit:
            raise MediaTooLargeError(f"media {media_id}: {size} bytes, limit {limit}", code="media_too_large")
        return info

    def download_media(self, media: MediaRef, *, kind: MessageType) -> DownloadedMedia:
        """Fetch a customer's file: look the media id up on the configured Graph API, then GET the URL it
        returns with the Bearer token (on Meta's media hosts or the configured host only).

        A ``url`` that came in the webhook without a media id is never fetched: the webhook's word is not
        enough to send our token somewhere (``PermanentError``, code ``no_media_id``). A file over
        ``MEDIA_LIMITS[kind]`` raises ``MediaTooLargeError`` (before downloading when the size is
        declared), a type we do not accept ``UnsupportedMediaError``. File URLs expire after 5 minutes,
        so a 404 on one gets a fresh URL once; an unknown or expired media id (kept 7 days) is permanent.
        """
        limit = _media_limit(kind)
        if not media.media_id:
            raise PermanentError("WhatsApp media without a media id: not fetched", code="no_media_id")

        info = self._media_info(media.media_id, limit=limit)
        try:
            content, content_type = self._download(str(info["url"]), limit=limit, with_auth=True)
        except _FileGone:
            logger.info("WhatsApp media %s: file URL expired, asking for a fresh one", media.media_id)
            info = self._media_info(media.media_id, limit=limit)
            try:
                content, content_type = self._download(str(info["url"]), limit=limit, with_auth=True)
            except _FileGone as exc:
                raise PermanentError(f"{exc}: gone after a refresh", code="media_expired") from exc
        mime_type = base_mime(str(info.get("mime_type") or "")) or content_type or base_mime(media.mime_type)
        check_media_type(mime_type, what=f"media {media.media_id}")
        return DownloadedMedia(content, mime_type, media.filename)


class InstagramClient(_GraphClient):
    """Instagram Direct for one professional account (Instagram API with Instagram Login).

    ``to`` is the customer's Instagram-scoped id (IGSID). Replies are allowed for 24 hours after the
    customer's last message; ``human_agent=True`` adds the HUMAN_AGENT tag that extends it for a person
    answering. Instagram has no message templates and no captions.
    """

    def __init__(
        self,
        access_token: str,
        account_id: str,
        *,
        base_url: str = INSTAGRAM_BASE_URL,
        timeout: float | httpx.Timeout | None = None,
    ) -> None:
        super().__init__(access_token, base_url=base_url, timeout=timeout)
        self.account_id = account_id

    _policy_for = staticmethod(instagram_policy)

    def __repr__(self) -> str:
        return f"InstagramClient(account_id={self.account_id!r}, base_url={self._base_url!r})"

    def _send_message(self, to: str, message: dict[str, Any], *, human_agent: bool) -> SendResult:
        if not to:
            raise ValueError("Instagram: 'to' is required")
        payload: dict[str, Any] = {"recipient": {"id": to}, "message": message}
        if human_agent:
            payload["messaging_type"] = "MESSAGE_TAG"
            payload["tag"] = "HUMAN_AGENT"
        path = f"/{self.account_id}/messages"
        data = self._post(path, payload)
        external_id = str(data.get("message_id") or "")
        if not external_id:
            raise AmbiguousError(f"POST {path}: accepted without a message id")
        return SendResult(external_id=external_id, raw=data)

    @staticmethod
    def _check_text(body: str, what: str) -> None:
        if not body or len(body.encode("utf-8")) > INSTAGRAM_TEXT_MAX_BYTES:
            raise ValueError(f"Instagram {what} must be 1-{INSTAGRAM_TEXT_MAX_BYTES} bytes of UTF-8")

    def send_text(self, *, to: str, body: str, reply_to: str = "", human_agent: bool = False) -> SendResult:
        """Send a text (at most 1000 UTF-8 bytes).

        ``reply_to`` is accepted for the common interface but not sent: quoting a message on send is not
        in the documentation we rely on, and an unknown field would make Meta refuse the whole message.
        """
        self._check_text(body, "text")
        return self._send_message(to, {"text": body}, human_agent=human_agent)

    def send_media(
        self,
        *,
        to: str,
        url: str,
        kind: MessageType,
        caption: str = "",
        filename: str = "",
        human_agent: bool = False,
    ) -> SendResult:
        """Send an image, video, audio or file Meta fetches from ``url``. Instagram attachments have no
        caption (send it as a text) and no file name (``filename`` is ignored)."""
        if kind not in _INSTAGRAM_MEDIA:
            raise ValueError(f"Instagram cannot send {kind!r} as an attachment")
        if not url:
            raise ValueError("Instagram attachments need a URL")
        if caption:
            raise ValueError("Instagram attachments take no caption; send the text separately")
        attachment = {"type": _INSTAGRAM_MEDIA[kind], "payload": {"url": url}}
        return self._send_message(to, {"attachment": attachment}, human_agent=human_agent)

    def send_template(
        self, *, to: str, template: str, language: str = "es", variables: list[str] | None = None
    ) -> SendResult:
        """Instagram has no message templates: always ``PermanentError`` (code ``templates_unsupported``)."""
        raise PermanentError("Instagram has no message templates", code="templates_unsupported")

    def send_buttons(self, *, to: str, body: str, buttons: list[Button], human_agent: bool = False) -> SendResult:
        """Send up to 13 quick replies (titles up to 20 characters); the tap comes back as INTERACTIVE
        with ``interactive_id`` = the button id."""
        self._check_text(body, "quick-reply text")
        _check_buttons(buttons, maximum=INSTAGRAM_MAX_QUICK_REPLIES, what="Instagram quick replies")
        message = {
            "text": body,
            "quick_replies": [{"content_type": "text", "title": b.title, "payload": b.id} for b in buttons],
        }
        return self._send_message(to, message, human_agent=human_agent)

    def send_list(
        self, *, to: str, body: str, button: str, rows: list[ListRow], section: str = "", human_agent: bool = False
    ) -> SendResult:
        """Instagram has no list messages: the rows go as quick replies when they fit (up to 13, titles up to
        20 characters), else as numbered text."""
        _check_rows(rows, maximum=WHATSAPP_LIST_MAX_ROWS, what="list")
        if all(len(r.title) <= BUTTON_TITLE_MAX_CHARS for r in rows):
            return self.send_buttons(to=to, body=body, buttons=[Button(r.id, r.title) for r in rows],
                                     human_agent=human_agent)
        text = numbered_options(body, [r.title for r in rows])
        return self.send_text(to=to, body=text, human_agent=human_agent)

    def send_location(
        self, *, to: str, latitude: float, longitude: float, name: str = "", address: str = "",
        human_agent: bool = False,
    ) -> SendResult:
        """Instagram has no location messages: the place's name, address and a map link as text."""
        _check_coordinates(latitude, longitude)
        text = location_text(latitude=latitude, longitude=longitude, name=name, address=address)
        return self.send_text(to=to, body=text, human_agent=human_agent)

    def download_media(self, media: MediaRef, *, kind: MessageType) -> DownloadedMedia:
        """GET an attachment's CDN URL (signed, so without our token: it must not leak to a CDN), on
        Instagram's and Meta's media hosts or the configured Graph host only.

        Over ``MEDIA_LIMITS[kind]`` raises ``MediaTooLargeError``, a type we do not accept
        ``UnsupportedMediaError``; an expired or removed URL is permanent (Instagram offers no way to
        refresh it).
        """
        limit = _media_limit(kind)
        if not media.url:
            raise PermanentError("Instagram media without a URL", code="no_media_url")
        try:
            content, content_type = self._download(media.url, limit=limit, with_auth=False)
        except _FileGone as exc:
            raise PermanentError(f"{exc}: expired or removed", code="media_expired") from exc
        mime_type = content_type or base_mime(media.mime_type)
        check_media_type(mime_type, what="Instagram attachment")
        return DownloadedMedia(content, mime_type, media.filename)
