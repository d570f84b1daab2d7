"""Provider webhooks (CONTRACT section 3): verify, parse, store, answer. No other work here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from conversations.services.accounts import verify_tokens, webhook_secrets
from conversations.services.ingest import kept_headers, webhook_ingest
from integrations.base import ParsedWebhook, Provider
from integrations.errors import PayloadError
from integrations.meta import webhooks as meta
from integrations.sanitize import clean_json
from integrations.twilio import webhooks as twilio

logger = logging.getLogger(__name__)


def webhook_error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def webhook_forbidden() -> JsonResponse:
    return webhook_error(403, "Invalid or missing signature.", "invalid_signature")


def webhook_unavailable() -> JsonResponse:
    """Stored, but the workers' queue did not take it (broker down): the provider must deliver it again.

    The event stays ``received``; the next delivery (or the periodic sweep) hands it over.
    """
    response = webhook_error(503, "Stored, but it cannot be handed to the workers now; deliver it again.",
                             "unavailable")
    response["Retry-After"] = "5"
    return response


def webhook_unreadable(request: HttpRequest, *, form: bool = False) -> JsonResponse | None:
    """Read the body, query string and (``form``) form fields now; a JSON 4xx when Django refuses them.

    Django raises while reading (over ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields or
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, a broken multipart body, a bad ``Content-Length``): left to
    the handler that is a 500 with a traceback under the webhooks' ASGI entry and an HTML 400 under
    Django's. The body is read first so that the form is parsed from it and it stays readable.
    """
    try:
        request.body  # noqa: B018 - read for its side effect
        request.GET  # noqa: B018
        if form:
            request.POST  # noqa: B018
    except RequestDataTooBig:
        return webhook_error(413, "Request body too large.", "too_large")
    except TooManyFieldsSent:
        return webhook_error(400, "Too many fields.", "too_many_fields")
    except (SuspiciousOperation, MultiPartParserError, UnreadablePostError, ValueError) as exc:
        logger.warning("unreadable webhook %s: %s", request.path, type(exc).__name__)
        return webhook_error(400, "Unreadable request body.", "malformed_payload")
    return None


# ---------------------------------------------------------------------------------------------
# Twilio
# ---------------------------------------------------------------------------------------------
def twilio_request_verified(request: HttpRequest) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    url = f"{settings.PUBLIC_BASE_URL}{request.get_full_path()}"
    params = {key: request.POST.getlist(key) for key in request.POST}
    return any(
        twilio.verify_signature(url=url, params=params, signature=signature, auth_token=token)
        for token in webhook_secrets(Provider.TWILIO_WHATSAPP)
    )


def _twilio_webhook(request: HttpRequest, parse: Callable[[Any], ParsedWebhook], ok: HttpResponse) -> HttpResponse:
    refused = webhook_unreadable(request, form=True)
    if refused is not None:
        return refused
    if not twilio_request_verified(request):
        return webhook_forbidden()
    try:
        parsed = parse(request.POST)
    except PayloadError as exc:
        return webhook_error(400, str(exc), "malformed_payload")
    result = webhook_ingest(
        provider=Provider.TWILIO_WHATSAPP, parsed=parsed, body=request.body, payload=clean_json(request.POST.dict()),
        headers=kept_headers(request.headers),
    )
    if result.not_handed_over:
        return webhook_unavailable()
    return ok


@csrf_exempt
@require_POST
def twilio_whatsapp(request: HttpRequest) -> HttpResponse:
    """Inbound messages: answered with empty TwiML (the replies go out through the REST API)."""
    return _twilio_webhook(request, twilio.parse_inbound, HttpResponse(twilio.empty_twiml(), content_type="text/xml"))


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Status callbacks of the messages we sent."""
    return _twilio_webhook(request, twilio.parse_status, HttpResponse(status=200))


# ---------------------------------------------------------------------------------------------
# Meta: WhatsApp Cloud API and Instagram
# ---------------------------------------------------------------------------------------------
def _meta_handshake(request: HttpRequest) -> HttpResponse:
    for token in verify_tokens():
        challenge = meta.verify_handshake(params=request.GET, verify_token=token)
        if challenge is not None:
            return HttpResponse(challenge, content_type="text/plain")
    return webhook_error(403, "Verify token does not match.", "invalid_verify_token")


def _meta_webhook(request: HttpRequest, provider: Provider) -> HttpResponse:
    refused = webhook_unreadable(request)
    if refused is not None:
        return refused
    if request.method == "GET":
        return _meta_handshake(request)
    header = request.headers.get("X-Hub-Signature-256", "")
    body = request.body
    if not any(
        meta.verify_signature(body=body, header=header, app_secret=secret) for secret in webhook_secrets(provider)
    ):
        return webhook_forbidden()
    try:
        payload = meta.load_payload(body)
        parsed = meta.parse_instagram(payload) if provider == Provider.INSTAGRAM else meta.parse_whatsapp(payload)
    except PayloadError as exc:
        return webhook_error(400, str(exc), "malformed_payload")
    except (KeyError, TypeError, ValueError) as exc:
        logger.warning("unreadable %s webhook: %s", provider, type(exc).__name__)
        return webhook_error(400, "Unreadable payload.", "malformed_payload")
    result = webhook_ingest(provider=provider, parsed=parsed, body=body, payload=payload,
                            headers=kept_headers(request.headers))
    if result.not_handed_over:
        return webhook_unavailable()
    return JsonResponse({"status": "ok"})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_whatsapp(request: HttpRequest) -> HttpResponse:
    return _meta_webhook(request, Provider.META_WHATSAPP)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_instagram(request: HttpRequest) -> HttpResponse:
    return _meta_webhook(request, Provider.INSTAGRAM)


