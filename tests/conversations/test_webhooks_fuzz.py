"""Property tests of every webhook parser through the real views (security review, issue 18, finding 7).

Arbitrary and hostile bodies, signed for real as the provider signs them (Twilio's RequestValidator,
HMAC-SHA256 for Meta), go through the Django test client; then the events they stored are processed as
a worker would. Whatever the body: no 5xx, each request within the ``deadline``, and processing fails
only the way a provider call may fail (``ProviderError``: here the fake providers do not answer).

The bodies mix the fields each provider really sends with hostile values: NUL characters, lone
surrogates (``\\ud800`` in JSON), ``nan``/``1e400`` numbers, absurd counts, very long strings and deep
nesting. Examples are bounded (50 per parser) so the whole file stays well under 30 s; no example
database is written (``database=None``), so runs leave no files behind.
"""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from conversations.models import WebhookEvent
from conversations.services.inbound import webhook_event_process
from integrations.errors import ProviderError
from tests.conversations.conftest import BASE, IG_ACCOUNT, PHONE_NUMBER_ID, TWILIO_TOKEN, meta_signature
from tests.conversations.test_webhooks_hostile import time_limit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]

FUZZ = settings(
    max_examples=50,
    deadline=timedelta(seconds=3),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- values -----------------------------------------------------------------------------------------
SENTINELS = ["SURR", "DEEP", "HUGE"]  # replaced in the JSON text by what json.dumps cannot write
short_text = st.text(max_size=30)
long_text = st.builds(lambda ch, n: ch * n, st.characters(), st.integers(min_value=0, max_value=20_000))
hostile_number = st.sampled_from(["nan", "inf", "-inf", "1e308", "1e400", "-1", "0", "99999999999", "9" * 5000,
                                  "٣", "1e3", " 3 ", "0x10", "", "-12.04", "-77.03"])
text = st.one_of(short_text, long_text, hostile_number, st.just("\x00"), st.sampled_from(SENTINELS))


def _no_surrogates(value: str) -> str:
    """A form body travels as UTF-8 bytes: a lone surrogate cannot be in it (only JSON escapes one)."""
    return value.encode("utf-8", "replace").decode("utf-8")


def _form_text() -> st.SearchStrategy[str]:
    return st.one_of(short_text, long_text, hostile_number, st.just("a\x00b")).map(_no_surrogates)


def mostly(valid: object, other: st.SearchStrategy) -> st.SearchStrategy:
    """``valid`` four times in five, so most bodies get past the envelope into the parsers' depths."""
    return st.sampled_from([True, True, True, True, False]).flatmap(lambda keep: st.just(valid) if keep else other)


def unique_id(prefix: str, other: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly a fresh provider id (so most examples are new messages, not duplicates), else ``other``."""
    return st.integers(0, 10**12).flatmap(lambda n: mostly(f"{prefix}{n:032d}", other))


# -- Twilio ---------------------------------------------------------------------------------------
TWILIO_FIELDS = ["Body", "NumMedia", "MediaUrl0", "MediaContentType0", "MediaUrl1", "MediaContentType1", "Latitude",
                 "Longitude", "Label", "Address", "ProfileName", "WaId", "ButtonPayload", "ButtonText", "ListId",
                 "ListTitle", "MessageType", "OriginalRepliedMessageSid", "Forwarded", "ReferralSourceUrl",
                 "ReferralNumMedia", "ReferralBody", "ReferralCtwaClid", "SmsStatus", "AccountSid"]
twilio_inbound = st.builds(
    lambda required, optional, extra: {**extra, **optional, **required},
    st.fixed_dictionaries({
        "MessageSid": unique_id("SM", _form_text()),
        "From": mostly("whatsapp:+51987654321", _form_text()),
        "To": mostly("whatsapp:+14155238886", _form_text()),
    }),
    st.fixed_dictionaries({}, optional={name: _form_text() for name in TWILIO_FIELDS}),
    st.dictionaries(st.text(min_size=1, max_size=20).map(_no_surrogates), _form_text(), max_size=4),
)
twilio_status = st.builds(
    lambda required, optional: {**optional, **required},
    st.fixed_dictionaries({
        "MessageSid": mostly("SM" + "e" * 32, _form_text()),
        "MessageStatus": st.one_of(st.sampled_from(["queued", "sent", "delivered", "read", "failed", "undelivered",
                                                    "received", "canceled"]), _form_text()),
    }),
    st.fixed_dictionaries({}, optional={name: _form_text() for name in
                                        ["ErrorCode", "ChannelStatusMessage", "From", "To", "EventType"]}),
)


# -- Meta -----------------------------------------------------------------------------------------
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), text)
json_any = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(short_text, inner,
                                                                                              max_size=3),
                        max_leaves=12)
CONTENT_KEYS = ["body", "id", "mime_type", "caption", "filename", "sha256", "url", "voice", "latitude", "longitude",
                "name", "address", "type", "button_reply", "list_reply", "title", "payload", "text", "emoji",
                "message_id"]
content = st.dictionaries(st.sampled_from(CONTENT_KEYS), st.one_of(json_any, st.sampled_from(["button_reply",
                                                                                               "list_reply"])),
                          max_size=6)
WA_TYPES = ["text", "image", "audio", "video", "document", "sticker", "location", "contacts", "interactive",
            "button", "reaction", "system", "unsupported", "order", "weird"]


@st.composite
def wa_message(draw: st.DrawFn) -> dict:
    kind = draw(st.sampled_from(WA_TYPES))
    message = {
        "from": draw(mostly("51987654321", text)),
        "id": draw(unique_id("wamid.FUZZ", text)),
        "timestamp": draw(mostly("1767600000", st.one_of(text, st.integers()))),
        "type": kind,
        kind: draw(st.one_of(content, json_any)),
    }
    for key in draw(st.lists(st.sampled_from(["context", "referral", "from_user_id", "errors"]), max_size=3)):
        message[key] = draw(json_any)
    return message


@st.composite
def wa_body(draw: st.DrawFn) -> dict:
    value = {"messaging_product": "whatsapp",
             "metadata": {"phone_number_id": draw(mostly(PHONE_NUMBER_ID, text))},
             "contacts": draw(st.one_of(st.just([{"profile": {"name": "Rosa"}, "wa_id": "51987654321"}]),
                                        st.lists(st.dictionaries(st.sampled_from(["profile", "wa_id", "user_id"]),
                                                                 json_any), max_size=2))),
             "messages": draw(st.lists(wa_message(), min_size=1, max_size=3))}
    if draw(st.booleans()):
        value["statuses"] = draw(st.lists(st.dictionaries(
            st.sampled_from(["id", "status", "timestamp", "recipient_id", "errors", "pricing"]),
            st.one_of(json_any, st.sampled_from(["sent", "delivered", "read", "failed", "played"]))), max_size=2))
    field = draw(mostly("messages", st.sampled_from(["account_update", "", "statuses"])))
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": field,
                                                                                        "value": value}]}]}


@st.composite
def ig_event(draw: st.DrawFn) -> dict:
    event: dict = {"sender": {"id": draw(mostly("6543210987654321", text))},
                   "recipient": {"id": draw(mostly(IG_ACCOUNT, text))},
                   "timestamp": draw(mostly(1767600000000, st.one_of(st.integers(), text)))}
    kind = draw(st.sampled_from(["message", "reaction", "postback", "read", "message_edit", "weird"]))
    if kind == "message":
        attachments = st.lists(st.fixed_dictionaries(
            {"type": st.one_of(st.sampled_from(["image", "video", "audio", "file", "share", "story_mention"]), text)},
            optional={"payload": st.dictionaries(st.sampled_from(["url", "title"]), json_any)}), max_size=3)
        event["message"] = draw(st.fixed_dictionaries(
            {"mid": unique_id("mid.FUZZ", text)},
            optional={"text": text, "attachments": st.one_of(attachments, json_any), "is_echo": json_any,
                      "quick_reply": json_any, "reply_to": json_any, "referral": json_any,
                      "is_unsupported": st.booleans(), "is_deleted": st.booleans()}))
    else:
        event[kind] = draw(st.one_of(content, json_any))
    return event


@st.composite
def ig_body(draw: st.DrawFn) -> dict:
    entry = {"id": draw(mostly(IG_ACCOUNT, text)), "time": 1767600000000,
             "messaging": draw(st.lists(ig_event(), max_size=3))}
    if not draw(mostly(True, st.just(False))):
        entry["changes"] = draw(json_any)
    return {"object": "instagram", "entry": [entry]}


def hostile_json(payload: dict, depth: int) -> bytes:
    """The JSON text of ``payload`` with what json.dumps cannot write: lone surrogates, deep nesting, 1e400."""
    raw = json.dumps(payload)
    raw = raw.replace('"SURR"', '"\\ud800 \\udfff"').replace('"HUGE"', "1e400")
    return raw.replace('"DEEP"', '{"a":' * depth + "{}" + "}" * depth).encode()


# -- running them ---------------------------------------------------------------------------------
def _process_new_events(seen: set[int]) -> None:
    """What the inbound worker does with each stored event; only a provider call may fail."""
    for event_id in WebhookEvent.objects.exclude(pk__in=seen).order_by("pk").values_list("pk", flat=True):
        seen.add(event_id)
        with suppress(ProviderError), time_limit(HANG_SECONDS):  # the fake providers refuse connections
            webhook_event_process(event_id=event_id)


# The deadline judges an example once it ends; this stops one that would never end (a hang is a failure).
HANG_SECONDS = 10


def _post_twilio(client, params: dict[str, str], path: str):  # type: ignore[no-untyped-def]
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(BASE + path, params)
    with time_limit(HANG_SECONDS):
        return client.post(path, data=urlencode(params), content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": signature}, secure=True)


def _post_meta(client, body: bytes, path: str):  # type: ignore[no-untyped-def]
    with time_limit(HANG_SECONDS):
        return client.post(path, data=body, content_type="application/json",
                           headers={"X-Hub-Signature-256": meta_signature(body)}, secure=True)


def _check(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json")


def test_twilio_inbound_webhook_never_fails_when_signed_body_is_arbitrary(client):
    seen: set[int] = set()

    @FUZZ
    @given(params=twilio_inbound)
    def run(params: dict[str, str]) -> None:
        _check(_post_twilio(client, params, "/webhooks/twilio/whatsapp/"))
        _process_new_events(seen)

    run()


def test_twilio_status_webhook_never_fails_when_signed_body_is_arbitrary(client):
    seen: set[int] = set()

    @FUZZ
    @given(params=twilio_status)
    def run(params: dict[str, str]) -> None:
        _check(_post_twilio(client, params, "/webhooks/twilio/status/"))
        _process_new_events(seen)

    run()


def test_whatsapp_cloud_webhook_never_fails_when_signed_body_is_arbitrary(client):
    seen: set[int] = set()

    @FUZZ
    @given(payload=wa_body(), depth=st.integers(min_value=1, max_value=1200),
           raw=mostly(None, st.binary(max_size=200)))
    def run(payload: dict, depth: int, raw: bytes | None) -> None:
        body = raw if raw is not None else hostile_json(payload, depth)
        _check(_post_meta(client, body, "/webhooks/meta/whatsapp/"))
        _process_new_events(seen)

    run()


def test_instagram_webhook_never_fails_when_signed_body_is_arbitrary(client):
    seen: set[int] = set()

    @FUZZ
    @given(payload=ig_body(), depth=st.integers(min_value=1, max_value=1200),
           raw=mostly(None, st.binary(max_size=200)))
    def run(payload: dict, depth: int, raw: bytes | None) -> None:
        body = raw if raw is not None else hostile_json(payload, depth)
        _check(_post_meta(client, body, "/webhooks/meta/instagram/"))
        _process_new_events(seen)

    run()
