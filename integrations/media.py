"""Fetching a file a customer sent: only from the provider's hosts, only file types we can show.

A webhook names where its file is, and a signed webhook is not proof that the URL is harmless: fetched
blindly it could reach an internal address (redirects included), carry our credentials to a foreign
host, or store an HTML page that our media URL would then serve. So:

- every hop (the first URL and each redirect, at most :data:`MAX_REDIRECTS`) must be on a host the
  provider's :class:`HostPolicy` allows: the provider's own domains over HTTPS, or the host of the
  configured API base URL (which is how tests and local fakes are reached); redirects are followed
  here, hop by hop, never by httpx;
- credentials go only where the client decides for each hop (``headers_for``/``auth_for``);
- the answer's ``Content-Type``, when it names a type, must be one of :data:`ALLOWED_MEDIA_TYPES`
  (what WhatsApp and Instagram let customers send: images, audio, video, PDF, text and office
  documents); anything else is :class:`UnsupportedMediaError` before the body is read;
- the body is read up to the size limit of its kind (``MEDIA_LIMITS``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from integrations.errors import MediaTooLargeError, PermanentError, UnsupportedMediaError

MAX_REDIRECTS = 5

# MIME type -> extension of the stored file. WhatsApp's supported media (images, audio, video, stickers,
# documents) plus what Instagram attachments carry (GIF, QuickTime/WebM video, WAV/M4A audio).
ALLOWED_MEDIA_TYPES: dict[str, str] = {
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "audio/aac": ".aac",
    "audio/amr": ".amr",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/webm": ".weba",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

# The domains each provider serves media from (a host matches a domain or any of its subdomains).
TWILIO_MEDIA_DOMAINS = ("twilio.com",)  # api.twilio.com, api.<edge>.<region>.twilio.com, mcs.us1.twilio.com
TWILIO_STORAGE_DOMAINS = ("twiliocdn.com",)  # where media URLs redirect (mms.twiliocdn.com with HTTP auth on)
TWILIO_S3_HOST = "s3-external-1.amazonaws.com"  # ...and without HTTP auth: the media.twiliocdn.com bucket
TWILIO_S3_BUCKET_PATH = "/media.twiliocdn.com/"
META_MEDIA_DOMAINS = ("fbsbx.com", "facebook.com", "fbcdn.net", "whatsapp.net")  # lookaside.fbsbx.com...
INSTAGRAM_MEDIA_DOMAINS = ("fbsbx.com", "fbcdn.net", "cdninstagram.com", "instagram.com", "facebook.com")


def base_mime(value: str) -> str:
    """``"audio/ogg; codecs=opus"`` -> ``"audio/ogg"``."""
    return (value or "").split(";", 1)[0].strip().lower()


def media_extension(mime: str) -> str:
    """The extension we store a file of ``mime`` under; ``""`` for a type we do not accept."""
    return ALLOWED_MEDIA_TYPES.get(base_mime(mime), "")


def check_media_type(mime: str, *, what: str = "media") -> None:
    """Raise :class:`UnsupportedMediaError` unless ``mime`` is an accepted type."""
    if base_mime(mime) not in ALLOWED_MEDIA_TYPES:
        raise UnsupportedMediaError(
            f"{what}: file type {base_mime(mime)[:100] or 'unknown'!r} is not accepted",
            code="unsupported_media", mime_type=base_mime(mime)[:100],
        )


def in_domains(host: str, domains: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _configured(base_url: str) -> tuple[str, str]:
    """(host, scheme) of a configured base URL."""
    try:
        parts = urlsplit(base_url)
        return (parts.hostname or "").lower(), parts.scheme.lower()
    except ValueError:
        return "", ""


@dataclass(frozen=True)
class HostPolicy:
    """Where one provider's media may be fetched from: the configured API host (any port, over HTTPS or the
    configured scheme: that is where tests and fakes live) or, over HTTPS only, its media domains."""

    configured_host: str
    configured_scheme: str
    domains: tuple[str, ...]
    redirect_domains: tuple[str, ...] = ()
    allow_twilio_s3: bool = False

    def allows(self, url: httpx.URL, *, redirect: bool = False) -> bool:
        host = (url.host or "").lower()
        if url.scheme not in ("http", "https") or not host or not 0 < (url.port or 443) < 65536:
            return False
        if self.configured_host and host == self.configured_host and url.scheme in ("https", self.configured_scheme):
            return True
        if url.scheme != "https":
            return False
        if in_domains(host, self.domains):
            return True
        if not redirect:
            return False
        if in_domains(host, self.redirect_domains):
            return True
        return self.allow_twilio_s3 and host == TWILIO_S3_HOST and url.path.startswith(TWILIO_S3_BUCKET_PATH)


def twilio_policy(base_url: str) -> HostPolicy:
    return HostPolicy(*_configured(base_url), TWILIO_MEDIA_DOMAINS, TWILIO_STORAGE_DOMAINS, allow_twilio_s3=True)


def whatsapp_policy(base_url: str) -> HostPolicy:
    return HostPolicy(*_configured(base_url), META_MEDIA_DOMAINS, META_MEDIA_DOMAINS)


def instagram_policy(base_url: str) -> HostPolicy:
    return HostPolicy(*_configured(base_url), INSTAGRAM_MEDIA_DOMAINS, INSTAGRAM_MEDIA_DOMAINS)


def _refused(url: httpx.URL, *, redirect: bool) -> PermanentError:
    where = "a redirect to" if redirect else "a media URL on"
    return PermanentError(f"refused {where} {url.host or 'no host'!r}: not a host of the provider",
                          code="media_host_refused")


@contextmanager
def open_media(
    http: httpx.Client,
    url: str,
    *,
    policy: HostPolicy,
    headers_for: Callable[[httpx.URL], dict[str, str]] | None = None,
    auth_for: Callable[[httpx.URL], httpx.Auth | None] | None = None,
) -> Iterator[httpx.Response]:
    """GET ``url`` as a stream, following redirects hop by hop under ``policy``; yields the final answer.

    Raises ``PermanentError`` (code ``bad_media_url``/``media_host_refused``/``too_many_redirects``)
    before any request to a refused host. httpx's own errors propagate for the caller to classify.
    """
    try:
        current = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise PermanentError("media URL is not valid", code="bad_media_url") from exc
    if current.scheme not in ("http", "https"):
        raise PermanentError("media URL is not http(s)", code="bad_media_url")
    for hop in range(MAX_REDIRECTS + 1):
        if not policy.allows(current, redirect=hop > 0):
            raise _refused(current, redirect=hop > 0)
        request = http.build_request("GET", current, headers=headers_for(current) if headers_for else None)
        auth = auth_for(current) if auth_for else None
        response = http.send(request, auth=auth, stream=True, follow_redirects=False)
        location = response.headers.get("Location", "")
        if response.is_redirect and location:
            response.close()
            try:
                current = current.join(location)
            except (httpx.InvalidURL, ValueError) as exc:
                raise PermanentError("media redirect to an invalid URL", code="bad_media_url") from exc
            continue
        try:
            yield response
        finally:
            response.close()
        return
    raise PermanentError(f"media URL redirected more than {MAX_REDIRECTS} times", code="too_many_redirects")


def read_media(response: httpx.Response, *, limit: int, what: str) -> tuple[bytes, str]:
    """The body of a 2xx media answer, refused when its type is not accepted or it passes ``limit`` bytes.

    Returns (content, the answer's base MIME type, ``""`` when it named none or a generic one).
    """
    header_mime = base_mime(response.headers.get("Content-Type", ""))
    if header_mime not in GENERIC_TYPES:
        check_media_type(header_mime, what=what)
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise MediaTooLargeError(f"{what}: {int(declared)} bytes, over the {limit}-byte limit", code="media_too_large")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limit:
            raise MediaTooLargeError(f"{what}: passed the {limit}-byte limit while downloading", code="media_too_large")
        chunks.append(chunk)
    return b"".join(chunks), "" if header_mime in GENERIC_TYPES else header_mime
