"""Sending WhatsApp messages through Twilio's REST API, and fetching the media customers send.

One ``httpx.Client`` per :class:`TwilioClient` (use it as a context manager or call ``close()``).
Every send is one ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` through
``integrations.http.send``, which already turns connection failures, 429 and 503 into
``TransientError`` and timeouts after sending and other 5xx into ``AmbiguousError``; this module
maps Twilio's 4xx error bodies (``{"code": 21211, "message": ..., "more_info": ..., "status": 400}``)
to ``PermanentError`` with Twilio's code.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self
from urllib.parse import urlsplit

import httpx

from integrations import http
from integrations.base import (
    MEDIA_LIMITS,
    Button,
    DeliveryStatus,
    DownloadedMedia,
    ListRow,
    MediaRef,
    MessageType,
    SendResult,
    location_text,
    numbered_options,
)
from integrations.errors import AmbiguousError, PermanentError, TransientError
from integrations.media import check_media_type, open_media, read_media, twilio_policy
from integrations.twilio.addresses import whatsapp_address
from integrations.twilio.webhooks import STATUS_MAP

DEFAULT_BASE_URL = "https://api.twilio.com"
CONTENT_BASE_URL = "https://content.twilio.com"  # the Content API, for real buttons and list pickers
API_VERSION = "2010-04-01"
QUICK_REPLY_MAX_BUTTONS = 3
QUICK_REPLY_TITLE_MAX_CHARS = 20
LIST_PICKER_MAX_ITEMS = 10
LIST_PICKER_ITEM_MAX_CHARS = 24
LIST_PICKER_DESCRIPTION_MAX_CHARS = 72
LIST_PICKER_BUTTON_MAX_CHARS = 20
CONTENT_BODY_MAX_CHARS = 1024
_CONTENT_MEMO_MAX = 512

# Content created per (account, Content API, exact content): the same buttons are sent many times, made once
# per process. A session-only content (quick reply, list picker) needs no WhatsApp approval.
_content_memo: dict[tuple[str, str, str], str] = {}

# Extensions mimetypes guesses oddly or not at all for what WhatsApp sends.
_EXTENSIONS = {
    "audio/ogg": ".ogg",
    "audio/amr": ".amr",
    "audio/aac": ".aac",
    "image/jpeg": ".jpg",
    "video/3gpp": ".3gp",
}
_PHONE_LIKE = re.compile(r"\+?\d[\d ]{6,}\d")


def _redact(text: str) -> str:
    """Twilio's error messages quote the phone number (21211); keep numbers out of our logs."""
    return _PHONE_LIKE.sub("[number]", text)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _base_mime(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _filename(url: str, mime: str) -> str:
    """Twilio media URLs end in the media sid (``ME…``) without extension: add one from the MIME type."""
    segment = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or "media"
    if "." in segment:
        return segment
    extension = _EXTENSIONS.get(mime) or (mimetypes.guess_extension(mime) if mime else None) or ""
    return segment + extension


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def error_from_response(response: httpx.Response) -> PermanentError:
    """The ``PermanentError`` for a 4xx answer, with Twilio's numeric ``code`` when the body has one."""
    code = ""
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = str(body.get("code") or "")
        message = str(body.get("message") or body.get("detail") or "")
    if response.status_code in (401, 403):
        prefix = "Twilio refused the credentials"
    elif response.status_code == 404:
        prefix = "Twilio resource not found"
    else:
        prefix = "Twilio refused the request"
    text = f"{prefix} ({response.status_code}{', code ' + code if code else ''})"
    if message:
        text += f": {_redact(message)}"
    return PermanentError(text, code=code, status=response.status_code)


class TwilioClient:
    """Twilio's Messages API for one WhatsApp sender, in our words (see ``integrations.base.MessagingClient``).

    ``from_number`` is our WhatsApp sender (``+14155238886``, ``14155238886`` or
    ``whatsapp:+14155238886``). ``status_callback_url``, when set, is sent as ``StatusCallback`` so
    Twilio posts delivery progress there. ``base_url`` exists so tests can point the client at a
    local fake server. Credentials go in HTTP Basic auth (Account SID : Auth Token) and only to
    ``base_url``'s host.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        status_callback_url: str = "",
        timeout: float | httpx.Timeout | None = None,
        content_base_url: str = "",
    ):
        if not account_sid or not auth_token:
            raise ValueError("TwilioClient needs an Account SID and an Auth Token")
        try:
            self._from = whatsapp_address(from_number)
        except ValueError:
            raise ValueError("TwilioClient: from_number is not a phone number in international form") from None
        self.account_sid = account_sid
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.status_callback_url = status_callback_url
        self.content_base_url = (content_base_url or "").rstrip("/")
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._http = http.make_client(timeout=timeout)
        self._media_policy = twilio_policy(self.base_url)

    def __repr__(self) -> str:  # never show the token
        return f"TwilioClient(account_sid={self.account_sid!r}, base_url={self.base_url!r})"

    # -- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- sending --------------------------------------------------------------------------------
    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

    def _post_message(self, *, to: str, fields: dict[str, str]) -> SendResult:
        try:
            recipient = whatsapp_address(to)
        except ValueError:
            raise PermanentError("Twilio send: the recipient is not a phone number in international form") from None
        form = {"From": self._from, "To": recipient, **fields}
        if self.status_callback_url:
            form["StatusCallback"] = self.status_callback_url
        response = http.send(self._http, "POST", self.messages_url, data=form, auth=self._auth)
        if response.status_code >= 400:
            raise error_from_response(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not body.get("sid"):
            # A 2xx without a sid: the message may exist, so resending could duplicate it.
            raise AmbiguousError(
                f"Twilio answered {response.status_code} without a message sid", status=response.status_code
            )
        status = STATUS_MAP.get(str(body.get("status", "")).lower(), DeliveryStatus.QUEUED)
        return SendResult(external_id=str(body["sid"]), status=status, raw=body)

    def send_text(self, *, to: str, body: str, reply_to: str = "", human_agent: bool = False) -> SendResult:
        """Send free-form text (only inside the 24-hour window; outside it Twilio fails with 63016).

        ``reply_to`` and ``human_agent`` are accepted for the common interface and ignored: the
        Messages API has no quoted-reply field, and the human-agent tag is an Instagram concept.
        """
        return self._post_message(to=to, fields={"Body": body})

    def send_media(self, *, to: str, url: str, kind: MessageType, caption: str = "", filename: str = "") -> SendResult:
        """Send one file that Twilio fetches from ``url`` (must be publicly reachable), with ``caption``.

        Twilio infers the kind from the file itself and takes the document's name from the URL, so
        ``kind`` and ``filename`` are not sent.
        """
        fields = {"MediaUrl": url}
        if caption:
            fields["Body"] = caption
        return self._post_message(to=to, fields=fields)

    def send_template(
        self, *, to: str, template: str, language: str = "es", variables: list[str] | None = None
    ) -> SendResult:
        """Send an approved Content template (``template`` is its ``HX…`` Content SID).

        ``variables`` fill ``{{1}}``, ``{{2}}``… and go as ``ContentVariables`` JSON. A Content SID is
        already one language, so ``language`` is not sent.
        """
        fields = {"ContentSid": template}
        if variables:
            fields["ContentVariables"] = json.dumps(
                {str(index): str(value) for index, value in enumerate(variables, start=1)}, ensure_ascii=False
            )
        return self._post_message(to=to, fields=fields)

    # -- rich content -----------------------------------------------------------------------------
    def _content_sid(self, types: dict[str, object]) -> str:
        """The ``HX…`` sid of a Content resource with ``types``: created on the Content API
        (``POST /v1/Content``) the first time, then remembered for this account."""
        canonical = json.dumps(types, ensure_ascii=False, sort_keys=True)
        key = (self.account_sid, self.content_base_url, canonical)
        if key in _content_memo:
            return _content_memo[key]
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:24]
        payload = {"friendly_name": f"crm_{digest}", "language": "es", "variables": {}, "types": types}
        response = http.send(self._http, "POST", f"{self.content_base_url}/v1/Content", json=payload, auth=self._auth)
        if response.status_code >= 400:
            raise error_from_response(response)
        try:
            sid = str(response.json().get("sid") or "")
        except (ValueError, AttributeError):
            sid = ""
        if not sid.startswith("HX"):
            raise PermanentError(f"Twilio Content API answered {response.status_code} without a content sid",
                                 code="no_content_sid", status=response.status_code)
        if len(_content_memo) >= _CONTENT_MEMO_MAX:
            _content_memo.clear()
        _content_memo[key] = sid
        return sid

    def send_buttons(self, *, to: str, body: str, buttons: list[Button]) -> SendResult:
        """Reply buttons: with the Content API configured (``content_base_url``), a ``twilio/quick-reply``
        content sent by ``ContentSid`` (a tap comes back with ``ButtonPayload`` = the button id); without it,
        ``body`` and the options numbered ``1. …`` as plain text (the customer answers with the number or the
        words, matched back by the caller)."""
        fits = (
            self.content_base_url and 1 <= len(buttons) <= QUICK_REPLY_MAX_BUTTONS
            and 0 < len(body) <= CONTENT_BODY_MAX_CHARS
            and all(0 < len(b.title) <= QUICK_REPLY_TITLE_MAX_CHARS and b.id for b in buttons)
        )
        if fits:
            sid = self._content_sid({"twilio/quick-reply": {
                "body": body, "actions": [{"title": b.title, "id": b.id} for b in buttons]}})
            return self._post_message(to=to, fields={"ContentSid": sid})
        return self._post_message(to=to, fields={"Body": numbered_options(body, [b.title for b in buttons])})

    def send_list(self, *, to: str, body: str, button: str, rows: list[ListRow], section: str = "") -> SendResult:
        """A list: with the Content API configured, a ``twilio/list-picker`` (up to 10 items; the choice comes
        back with ``ListId`` = the row id); without it, ``body`` and the rows numbered ``1. title — description``
        as plain text. ``section`` has no place in either."""
        fits = (
            self.content_base_url and 1 <= len(rows) <= LIST_PICKER_MAX_ITEMS
            and 0 < len(body) <= CONTENT_BODY_MAX_CHARS and 0 < len(button) <= LIST_PICKER_BUTTON_MAX_CHARS
            and all(0 < len(r.title) <= LIST_PICKER_ITEM_MAX_CHARS and r.id
                    and len(r.description) <= LIST_PICKER_DESCRIPTION_MAX_CHARS for r in rows)
        )
        if fits:
            sid = self._content_sid({"twilio/list-picker": {"body": body, "button": button, "items": [
                # A list-picker item requires a description: the title again when the row has none.
                {"item": r.title, "id": r.id, "description": r.description or r.title} for r in rows]}})
            return self._post_message(to=to, fields={"ContentSid": sid})
        titles = [f"{r.title} — {r.description}" if r.description else r.title for r in rows]
        return self._post_message(to=to, fields={"Body": numbered_options(body, titles)})

    def send_location(
        self, *, to: str, latitude: float, longitude: float, name: str = "", address: str = ""
    ) -> SendResult:
        """Send a location pin: ``PersistentAction=geo:<lat>,<long>|<label>``, with the place in words (and a map
        link, for a client that shows no pin) as ``Body``."""
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("a location needs a latitude in [-90, 90] and a longitude in [-180, 180]")
        label = name or address
        action = f"geo:{latitude:.6f},{longitude:.6f}" + (f"|{label}" if label else "")
        body = location_text(latitude=latitude, longitude=longitude, name=name, address=address)
        return self._post_message(to=to, fields={"Body": body, "PersistentAction": action})

    # -- media ----------------------------------------------------------------------------------
    def _auth_for(self, url: httpx.URL | str) -> httpx.BasicAuth | None:
        """Credentials only for Twilio's own host: a media URL elsewhere must not receive them."""
        return self._auth if _origin(str(url)) == _origin(self.base_url) else None

    @contextmanager
    def _stream(self, url: str) -> Iterator[httpx.Response]:
        """GET ``url`` as a stream, hop by hop on Twilio's hosts only (``integrations.media``). A GET changes
        nothing, so every transport failure, timeout, 429 and 5xx is a ``TransientError`` (safe to retry),
        unlike ``http.send``'s ambiguous POST timeouts."""
        try:
            with open_media(self._http, url, policy=self._media_policy, auth_for=self._auth_for) as response:
                yield response
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise PermanentError(f"GET media: unusable URL ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise TransientError(f"GET media: not received ({type(exc).__name__})") from exc

    def download_media(self, media: MediaRef, *, kind: MessageType) -> DownloadedMedia:
        """Fetch a file a customer sent (``MediaUrl{N}`` of the webhook) and return its bytes.

        Only from Twilio's hosts (``*.twilio.com`` over HTTPS, or the configured API host); Twilio answers
        with a redirect to its storage (``*.twiliocdn.com``, or its S3 bucket), which is followed hop by hop
        on those hosts only, with the credentials sent to the API host alone. A file whose type is not in
        ``integrations.media.ALLOWED_MEDIA_TYPES`` raises ``UnsupportedMediaError`` before it is read.
        Stops with ``MediaTooLargeError`` as soon as the size passes ``MEDIA_LIMITS[kind]``: before reading
        when ``Content-Length`` says so, otherwise while counting the streamed bytes. 404 (media deleted)
        and other 4xx are ``PermanentError``. The MIME type is the answer's ``Content-Type`` (or
        ``media.mime_type`` when that is missing or generic); the filename is the URL's last segment plus
        an extension for the type.
        """
        if not media.url:
            raise PermanentError("Twilio media without a URL")
        limit = MEDIA_LIMITS.get(kind) or max(MEDIA_LIMITS.values())
        with self._stream(media.url) as response:
            status = response.status_code
            if status == 429 or status >= 500:
                raise TransientError(f"GET media: {status}", status=status, retry_after=_retry_after(response))
            if status >= 400:
                response.read()
                raise error_from_response(response)
            if status >= 300:
                raise PermanentError(f"GET media: {status} without a usable Location", status=status)
            content, header_mime = read_media(response, limit=limit, what=f"{kind} media")
        mime = header_mime or _base_mime(media.mime_type) or "application/octet-stream"
        check_media_type(mime, what=f"{kind} media")
        return DownloadedMedia(content=content, mime_type=mime, filename=media.filename or _filename(media.url, mime))


__all__ = ["DEFAULT_BASE_URL", "TwilioClient", "error_from_response"]
