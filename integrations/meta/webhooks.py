"""Meta webhooks (WhatsApp Cloud API and Instagram Direct) turned into our typed events.

Both channels share the transport: a ``GET`` handshake (``hub.mode``/``hub.verify_token``/``hub.challenge``)
and ``POST`` bodies signed with ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``.
A view should: check the signature over the raw bytes, ``load_payload``, persist, answer 200, and parse
(here or in a task). Meta batches and retries, so every parser walks all entries and the caller dedupes
on ``external_id`` (and on ``(external_id, status)`` for statuses).

Error policy of the parsers: a message we cannot identify (no id, no sender, no timestamp) raises
``PayloadError``; content we cannot read (an unknown type, a location without coordinates) becomes an
``UNSUPPORTED`` message with the provider's object in ``raw``, so nothing a customer sent is dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import string
from collections.abc import Mapping
from typing import Any

from integrations.errors import PayloadError
from integrations.meta.instagram_webhooks import INSTAGRAM_OBJECT, parse_instagram
from integrations.meta.whatsapp_webhooks import WHATSAPP_OBJECT, parse_whatsapp
from integrations.sanitize import clean_json, json_float

__all__ = [
    "INSTAGRAM_OBJECT",
    "SIGNATURE_HEADER",
    "WHATSAPP_OBJECT",
    "load_payload",
    "parse_instagram",
    "parse_whatsapp",
    "verify_handshake",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Hub-Signature-256"
KNOWN_OBJECTS = frozenset({WHATSAPP_OBJECT, INSTAGRAM_OBJECT})

_HEX = frozenset(string.hexdigits)


# ---------------------------------------------------------------------------------------------
# Transport: signature, handshake, body
# ---------------------------------------------------------------------------------------------
def verify_signature(*, body: bytes, header: str | None, app_secret: str) -> bool:
    """True when ``header`` is ``sha256=<hex>`` and the hex is HMAC-SHA256(app_secret, body).

    ``body`` must be the raw request bytes: re-serialised JSON changes escapes and spacing and would
    not match. Anything else (missing header, ``sha1=``, bad hex, empty secret) is False; the digests
    are compared in constant time.
    """
    if not header or not app_secret:
        return False
    algorithm, sep, digest = header.strip().partition("=")
    digest = digest.strip().lower()
    if not sep or algorithm.strip().lower() != "sha256" or len(digest) != 64 or not set(digest) <= _HEX:
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), digest.encode("ascii"))


def verify_handshake(*, params: Mapping[str, str], verify_token: str) -> str | None:
    """The ``hub.challenge`` to echo back (as plain text, 200) when Meta's subscription check is ours.

    Returns None (answer 403) unless ``hub.mode`` is ``subscribe``, a challenge is present and
    ``hub.verify_token`` equals ``verify_token`` (constant-time). An empty configured token never matches.
    """
    mode = params.get("hub.mode")
    token = params.get("hub.verify_token")
    challenge = params.get("hub.challenge")
    if mode != "subscribe" or not verify_token or not isinstance(token, str) or not challenge:
        return None
    if not hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8")):
        return None
    return challenge


def _not_json(literal: str) -> Any:
    raise ValueError(f"{literal} is not a JSON value")


def load_payload(body: bytes, *, expected_object: str | None = None) -> dict[str, Any]:
    """Decode a webhook body: a JSON object whose ``object`` is a Meta messaging object, with an ``entry`` list.

    ``expected_object`` (``"whatsapp_business_account"`` or ``"instagram"``) narrows the accepted
    ``object`` when the endpoint serves one channel only. Raises ``PayloadError`` otherwise, and for
    ``NaN``/``Infinity``, which Python reads but JSON does not have.

    The result is storable as it is (``integrations.sanitize.clean_json``): lone surrogates and NUL
    characters become U+FFFD, a number too large for a float keeps its literal as a string, and
    containers nested absurdly deep are replaced by a marker, so one odd field never costs the batch.
    """
    try:
        payload = clean_json(json.loads(body, parse_constant=_not_json, parse_float=json_float))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise PayloadError(f"webhook body is not JSON: {type(exc).__name__}") from exc
    if not isinstance(payload, dict):
        raise PayloadError("webhook body is not a JSON object")
    allowed = {expected_object} if expected_object else KNOWN_OBJECTS
    if payload.get("object") not in allowed:
        raise PayloadError(f"unexpected webhook object {str(payload.get('object'))[:64]!r}")
    if not isinstance(payload.get("entry"), list):
        raise PayloadError("webhook body has no 'entry' list")
    return payload
