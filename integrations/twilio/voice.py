"""Twilio Voice: the TwiML we answer calls with, its callbacks read into typed values, and its REST calls.

- TwiML is built with twilio-python's ``VoiceResponse`` (never by hand): the inbound answer (greeting, consent
  notice, ``<Dial>`` to agents with the call recorded), the voicemail (``<Record>``), the bridge of a
  click-to-call, and a goodbye. Every text is passed in by the caller (this package imports no app, so the
  translated words come from the calls service).
- Callbacks (form-encoded, all strings, new fields added without notice): :func:`parse_voice_call` for the
  number's voice URL and ``<Dial action>``, :func:`parse_call_status` for status callbacks and
  :func:`parse_recording` for recording status callbacks. Each raises ``PayloadError`` when a field we need is
  missing or unreadable and keeps the whole form in ``raw``.
- :class:`TwilioVoiceClient`: ``create_call`` (Calls API) and ``download_recording`` (a recording's audio,
  streamed with a size cap and its type checked), failures mapped to transient or permanent errors.

The signature of these webhooks is checked like every Twilio webhook: ``integrations.twilio.webhooks.verify_signature``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

import httpx
from twilio.twiml.voice_response import Dial, VoiceResponse

from integrations import http
from integrations.errors import AmbiguousError, PayloadError, PermanentError, TransientError
from integrations.media import base_mime, open_media, twilio_policy
from integrations.sanitize import clean_text
from integrations.twilio.client import DEFAULT_BASE_URL, error_from_response

API_VERSION = "2010-04-01"
SAY_LANGUAGE = "es-MX"
DUAL_RECORDING = "record-from-answer-dual"
CLIENT_PREFIX = "client:"
AGENT_IDENTITY_PREFIX = "agent-"
MAX_DIAL_TARGETS = 10  # Twilio rings at most 10 nouns of one <Dial> at once
RECORDING_FORMATS = {"mp3": "audio/mpeg", "wav": "audio/x-wav"}

# Twilio's CallStatus values (Call.Status in twilio-python) as we keep them: "initiated" is our "queued".
CALL_STATUSES = frozenset({"queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer",
                           "failed", "canceled"})
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
RECORDING_STATUSES = frozenset({"in-progress", "completed", "absent", "failed"})


# ---------------------------------------------------------------------------------------------
# Callbacks
# ---------------------------------------------------------------------------------------------
def _flat(params: Mapping[str, Any]) -> dict[str, str]:
    """The form as ``{name: last value}``, cleaned of NUL and lone surrogates (a QueryDict or a plain dict)."""
    if not isinstance(params, Mapping):
        raise PayloadError(f"Twilio Voice webhook: expected form fields, got {type(params).__name__}")
    getlist = getattr(params, "getlist", None)
    flat: dict[str, str] = {}
    for name in params:
        value = getlist(name) if getlist is not None else params[name]
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        flat[clean_text(str(name))] = clean_text(str(value)).strip()
    return flat


def _required(form: dict[str, str], *names: str, kind: str) -> None:
    missing = [name for name in names if not form.get(name)]
    if missing:
        raise PayloadError(f"Twilio Voice {kind} webhook without {', '.join(missing)}")


def _sid(form: dict[str, str], name: str, prefix: str, *, kind: str) -> str:
    value = form.get(name, "")
    if not value.startswith(prefix) or not 2 < len(value) <= 64 or not value.isalnum():
        raise PayloadError(f"Twilio Voice {kind} webhook: {name} is not a {prefix}… sid")
    return value


def _optional_int(form: dict[str, str], name: str, *, kind: str) -> int | None:
    value = form.get(name, "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise PayloadError(f"Twilio Voice {kind} webhook: {name} is not a whole number")
    return int(value)


def _timestamp(form: dict[str, str]) -> datetime | None:
    """Twilio's ``Timestamp`` (RFC 2822, ``Tue, 10 Aug 2021 22:12:56 +0000``); ``None`` when absent or odd."""
    value = form.get("Timestamp", "")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class VoiceCall:
    """A request to the number's voice URL, or to a ``<Dial action>``/``<Record action>`` of ours."""

    call_sid: str
    from_: str
    to: str
    status: str
    direction: str  # "inbound", "outbound-api", "outbound-dial"
    caller_name: str = ""
    parent_call_sid: str = ""
    dial_status: str = ""  # after a <Dial>: completed, answered, busy, no-answer, failed, canceled
    dial_duration: int | None = None
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def agent_answered(self) -> bool:
        return self.dial_status in ("completed", "answered")


def parse_voice_call(params: Mapping[str, Any]) -> VoiceCall:
    form = _flat(params)
    _required(form, "CallSid", "From", "To", kind="voice")
    status = form.get("CallStatus", "").lower()
    if status and status not in CALL_STATUSES:
        raise PayloadError("Twilio Voice webhook: unknown CallStatus")
    return VoiceCall(
        call_sid=_sid(form, "CallSid", "CA", kind="voice"),
        from_=form["From"][:40],
        to=form["To"][:40],
        status=status or "ringing",
        direction=form.get("Direction", "inbound")[:20],
        caller_name=form.get("CallerName", "")[:150],
        parent_call_sid=_sid(form, "ParentCallSid", "CA", kind="voice") if form.get("ParentCallSid") else "",
        dial_status=form.get("DialCallStatus", "").lower()[:20],
        dial_duration=_optional_int(form, "DialCallDuration", kind="voice"),
        raw=form,
    )


@dataclass(frozen=True)
class CallStatusUpdate:
    """A status callback of one call leg (``StatusCallback`` of the number, of a ``<Dial>`` noun, or of a call we
    created through the Calls API)."""

    call_sid: str
    status: str
    sequence: int | None = None
    duration: int | None = None  # CallDuration, seconds, with a final status
    timestamp: datetime | None = None
    error_code: str = ""
    parent_call_sid: str = ""
    direction: str = ""
    from_: str = ""
    to: str = ""
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_CALL_STATUSES

    @property
    def external_id(self) -> str:
        """What makes one delivery unique: the leg, its status and Twilio's sequence number."""
        sequence = "" if self.sequence is None else str(self.sequence)
        return f"{self.call_sid}:{self.status}:{sequence}"


def parse_call_status(params: Mapping[str, Any]) -> CallStatusUpdate:
    form = _flat(params)
    _required(form, "CallSid", "CallStatus", kind="status")
    status = form["CallStatus"].lower()
    if status not in CALL_STATUSES:
        raise PayloadError("Twilio Voice status webhook: unknown CallStatus")
    return CallStatusUpdate(
        call_sid=_sid(form, "CallSid", "CA", kind="status"),
        status="queued" if status == "initiated" else status,
        sequence=_optional_int(form, "SequenceNumber", kind="status"),
        duration=_optional_int(form, "CallDuration", kind="status"),
        timestamp=_timestamp(form),
        error_code=form.get("ErrorCode", "")[:20],
        parent_call_sid=_sid(form, "ParentCallSid", "CA", kind="status") if form.get("ParentCallSid") else "",
        direction=form.get("Direction", "")[:20],
        from_=form.get("From", "")[:40],
        to=form.get("To", "")[:40],
        raw=form,
    )


@dataclass(frozen=True)
class RecordingUpdate:
    """A recording status callback (``recordingStatusCallback`` of a ``<Dial>`` or ``<Record>``)."""

    recording_sid: str
    call_sid: str
    status: str  # in-progress, completed, absent, failed
    url: str = ""
    duration: int | None = None
    channels: int = 1
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def external_id(self) -> str:
        return f"{self.recording_sid}:{self.status}"


def parse_recording(params: Mapping[str, Any]) -> RecordingUpdate:
    form = _flat(params)
    _required(form, "RecordingSid", "CallSid", "RecordingStatus", kind="recording")
    status = form["RecordingStatus"].lower()
    if status not in RECORDING_STATUSES:
        raise PayloadError("Twilio Voice recording webhook: unknown RecordingStatus")
    url = form.get("RecordingUrl", "")
    if status == "completed":
        _required(form, "RecordingUrl", kind="recording")
        if not url.startswith(("https://", "http://")) or len(url) > 500:
            raise PayloadError("Twilio Voice recording webhook: RecordingUrl is not a URL")
    channels = _optional_int(form, "RecordingChannels", kind="recording") or 1
    return RecordingUpdate(
        recording_sid=_sid(form, "RecordingSid", "RE", kind="recording"),
        call_sid=_sid(form, "CallSid", "CA", kind="recording"),
        status=status,
        url=url,
        duration=_optional_int(form, "RecordingDuration", kind="recording"),
        channels=min(channels, 2),
        raw=form,
    )


def agent_id_from_identity(address: str) -> int | None:
    """``client:agent-12`` (or ``agent-12``) -> 12; ``None`` for anything else."""
    identity = address.removeprefix(CLIENT_PREFIX)
    if not identity.startswith(AGENT_IDENTITY_PREFIX):
        return None
    number = identity.removeprefix(AGENT_IDENTITY_PREFIX)
    return int(number) if number.isdigit() and len(number) < 10 else None


def agent_identity(agent_id: int) -> str:
    """The Twilio Client identity of an agent's browser phone."""
    return f"{AGENT_IDENTITY_PREFIX}{agent_id}"


# ---------------------------------------------------------------------------------------------
# TwiML
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DialTarget:
    """Whom a ``<Dial>`` rings: an agent's browser phone (Twilio Client identity), their phone, or both."""

    client_identity: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Voicemail:
    """The voicemail after a message: ``<Say>`` then ``<Record>`` (its audio comes to ``recording_callback_url``)."""

    message: str
    recording_callback_url: str
    action_url: str
    max_length: int = 120


def _say(response: VoiceResponse, text: str, language: str) -> None:
    if text:
        response.say(text, language=language)


def _record(response: VoiceResponse, voicemail: Voicemail, language: str) -> None:
    _say(response, voicemail.message, language)
    response.record(
        max_length=voicemail.max_length, play_beep=True, timeout=5, finish_on_key="#",
        action=voicemail.action_url, method="POST",
        recording_status_callback=voicemail.recording_callback_url, recording_status_callback_method="POST",
        recording_status_callback_event="completed absent",
    )


def answer_twiml(
    *,
    greeting: str,
    consent: str,
    targets: Sequence[DialTarget],
    ring_seconds: int,
    caller_id: str,
    dial_action_url: str,
    recording_callback_url: str,
    agent_status_url: str = "",
    language: str = SAY_LANGUAGE,
    voicemail: Voicemail | None = None,
) -> str:
    """The answer to an inbound call in business hours: greeting, consent notice, then every target rung at once
    for ``ring_seconds`` with the call recorded in two channels from the answer. When the ``<Dial>`` ends Twilio
    posts to ``dial_action_url`` (answered or not: the voicemail is decided there). With no target at all,
    straight to ``voicemail``."""
    response = VoiceResponse()
    _say(response, greeting, language)
    _say(response, consent, language)
    nouns = [t for t in targets if t.client_identity or t.phone][:MAX_DIAL_TARGETS]
    if not nouns:
        if voicemail is not None:
            _record(response, voicemail, language)
        response.hangup()
        return str(response)
    dial = Dial(
        timeout=ring_seconds, action=dial_action_url, method="POST", caller_id=caller_id or None,
        record=DUAL_RECORDING, recording_status_callback=recording_callback_url,
        recording_status_callback_method="POST", recording_status_callback_event="completed absent",
        answer_on_bridge=True,
    )
    leg_callback = {"status_callback": agent_status_url, "status_callback_event": "answered completed",
                    "status_callback_method": "POST"} if agent_status_url else {}
    for target in nouns:
        if target.client_identity:
            dial.client(target.client_identity, **leg_callback)
        if target.phone:
            dial.number(target.phone, **leg_callback)
    response.append(dial)
    return str(response)


def voicemail_twiml(*, greeting: str = "", voicemail: Voicemail, language: str = SAY_LANGUAGE) -> str:
    """A voicemail: an optional greeting (closed hours), the message, a beep and ``<Record>``; then hang up."""
    response = VoiceResponse()
    _say(response, greeting, language)
    _record(response, voicemail, language)
    response.hangup()
    return str(response)


def bridge_twiml(
    *,
    to: str,
    caller_id: str,
    ring_seconds: int,
    recording_callback_url: str,
    announcement: str = "",
    status_url: str = "",
    action_url: str = "",
    language: str = SAY_LANGUAGE,
) -> str:
    """Click-to-call, once the agent picked up: optionally a word to them, then the customer's number rung with
    our caller id, recorded in two channels from the answer. ``action_url`` hears how the customer's side ended
    (``DialCallStatus``: completed, busy, no-answer, failed, canceled; ``DialCallDuration``)."""
    response = VoiceResponse()
    _say(response, announcement, language)
    action = {"action": action_url, "method": "POST"} if action_url else {}
    dial = Dial(
        **action,
        timeout=ring_seconds, caller_id=caller_id or None, record=DUAL_RECORDING,
        recording_status_callback=recording_callback_url, recording_status_callback_method="POST",
        recording_status_callback_event="completed absent", answer_on_bridge=True,
    )
    extra = {"status_callback": status_url, "status_callback_event": "answered completed",
             "status_callback_method": "POST"} if status_url else {}
    dial.number(to, **extra)
    response.append(dial)
    return str(response)


def goodbye_twiml(message: str = "", *, language: str = SAY_LANGUAGE) -> str:
    response = VoiceResponse()
    _say(response, message, language)
    response.hangup()
    return str(response)


# ---------------------------------------------------------------------------------------------
# REST: Calls API and recordings
# ---------------------------------------------------------------------------------------------
class TwilioVoiceClient:
    """Twilio's Calls API and recordings for one account. Credentials go in HTTP Basic auth, only to Twilio's
    hosts (the configured ``base_url`` or ``*.twilio.com`` over HTTPS). ``base_url`` points tests at a fake."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | httpx.Timeout | None = None,
        max_recording_bytes: int = 50 * 1024 * 1024,
    ):
        if not account_sid or not auth_token:
            raise ValueError("TwilioVoiceClient needs an Account SID and an Auth Token")
        self.account_sid = account_sid
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.max_recording_bytes = max_recording_bytes
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._http = http.make_client(timeout=timeout)
        self._policy = twilio_policy(self.base_url)

    def __repr__(self) -> str:  # never show the token
        return f"TwilioVoiceClient(account_sid={self.account_sid!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def calls_url(self) -> str:
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Calls.json"

    def create_call(self, *, to: str, from_: str, url: str, status_callback: str) -> dict:
        """Start a call (``POST …/Calls.json``): Twilio rings ``to`` from ``from_`` and, once answered, fetches its
        TwiML from ``url``; every status (initiated, ringing, answered, completed) is posted to ``status_callback``.

        Returns Twilio's call resource (``sid``, ``status``…). A refusal (bad number, 4xx) is ``PermanentError``
        with Twilio's code; a call that may have been created (timeout after sending, 5xx) is ``AmbiguousError``:
        never retried blindly (the customer would be rung twice).
        """
        form: dict[str, str | list[str]] = {
            "To": to, "From": from_, "Url": url, "Method": "POST",
            "StatusCallback": status_callback, "StatusCallbackMethod": "POST",
            "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        }
        response = http.send(self._http, "POST", self.calls_url, data=form, auth=self._auth)
        if response.status_code >= 400:
            raise error_from_response(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not str(body.get("sid", "")).startswith("CA"):
            raise AmbiguousError(f"Twilio answered {response.status_code} without a call sid",
                                 status=response.status_code)
        return body

    def _auth_for(self, url: httpx.URL) -> httpx.BasicAuth | None:
        parts = httpx.URL(self.base_url)
        same = (url.scheme, url.host, url.port) == (parts.scheme, parts.host, parts.port)
        twilio_host = url.scheme == "https" and (url.host == "twilio.com" or url.host.endswith(".twilio.com"))
        return self._auth if same or twilio_host else None

    def download_recording(self, url: str, *, audio_format: str = "mp3") -> tuple[bytes, str]:
        """The audio of a recording (``RecordingUrl`` + ``.mp3`` or ``.wav``) and its content type.

        Streamed and stopped as soon as it passes ``max_recording_bytes`` (``PermanentError`` code
        ``recording_too_large``); an answer that is not ``audio/*`` is ``PermanentError`` code
        ``recording_not_audio``. A GET changes nothing: every transport failure, timeout, 429 and 5xx is
        ``TransientError`` (safe to retry); 404 and other 4xx are ``PermanentError``.
        """
        if audio_format not in RECORDING_FORMATS:
            raise ValueError(f"audio_format must be one of {sorted(RECORDING_FORMATS)}")
        if not url:
            raise PermanentError("recording without a URL", code="bad_media_url")
        target = url if url.rsplit("/", 1)[-1].count(".") else f"{url}.{audio_format}"
        try:
            with open_media(self._http, target, policy=self._policy, auth_for=self._auth_for) as response:
                return self._read_audio(response)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise PermanentError(f"GET recording: unusable URL ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise TransientError(f"GET recording: not received ({type(exc).__name__})") from exc

    def _read_audio(self, response: httpx.Response) -> tuple[bytes, str]:
        status = response.status_code
        if status == 429 or status >= 500:
            raise TransientError(f"GET recording: {status}", status=status)
        if status >= 400:
            response.read()
            raise error_from_response(response)
        if status >= 300:
            raise PermanentError(f"GET recording: {status} without a usable Location", status=status)
        content_type = base_mime(response.headers.get("Content-Type", ""))
        if not content_type.startswith("audio/"):
            raise PermanentError(
                f"the recording is not audio (type {content_type[:60] or 'unknown'!r})", code="recording_not_audio",
            )
        limit = self.max_recording_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PermanentError(f"the recording is {int(declared)} bytes, over the {limit}-byte limit",
                                 code="recording_too_large")
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > limit:
                raise PermanentError(f"the recording passed the {limit}-byte limit while downloading",
                                     code="recording_too_large")
            chunks.append(chunk)
        if not total:
            raise PermanentError("the recording is empty", code="recording_empty")
        return b"".join(chunks), content_type


__all__ = [
    "CallStatusUpdate", "DialTarget", "RecordingUpdate", "TwilioVoiceClient", "VoiceCall", "Voicemail",
    "agent_id_from_identity", "agent_identity", "answer_twiml", "bridge_twiml", "goodbye_twiml",
    "parse_call_status", "parse_recording", "parse_voice_call", "voicemail_twiml",
]
