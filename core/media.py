"""Media on the local disk: served only through the app, to people allowed to see it, or to a provider
holding a signed link.

With S3 the storage hands out its own presigned URLs and none of this is used. On the local disk the
files live under ``MEDIA_ROOT`` and ``/media/<path>`` is a view (``panel/media.py``): a logged-in user
gets a file whose owner (message, quote, sale) they may see; a provider that must fetch a document we
send (a quote PDF on WhatsApp) gets a link carrying an expiring HMAC of the path instead.
"""

from __future__ import annotations

import ipaddress
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.signing import BadSignature, Signer
from django.utils.crypto import constant_time_compare

# Long enough for the provider's retries of a send (Twilio and Meta fetch within minutes).
SIGNED_MEDIA_SECONDS = 24 * 3600
_SALT = "core.media.signed-link"


def _signature(path: str, expires: int) -> str:
    return Signer(salt=_SALT).signature(f"{path}:{expires}")


def media_signed_query(path: str, *, seconds: int = SIGNED_MEDIA_SECONDS, now: float | None = None) -> str:
    """``exp=…&sig=…`` for ``path`` (a storage name such as ``messages/2026/12/cotizacion.pdf``)."""
    expires = int((now if now is not None else time.time()) + seconds)
    return urlencode({"exp": expires, "sig": _signature(path, expires)})


def media_signature_valid(path: str, *, expires: str, signature: str, now: float | None = None) -> bool:
    if not (expires.isascii() and expires.isdigit() and len(expires) <= 12 and signature):
        return False
    if int(expires) < (now if now is not None else time.time()):
        return False
    try:
        return constant_time_compare(_signature(path, int(expires)), signature)
    except BadSignature:  # pragma: no cover - signature() does not raise; kept for clarity
        return False


def public_base_url_is_local() -> bool:
    """True when ``PUBLIC_BASE_URL`` points at this machine or a private network: no provider reaches it."""
    host = urlsplit(settings.PUBLIC_BASE_URL).hostname or ""
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified
