"""Post a customer message to our own webhook, signed as the provider signs it (demos and ops)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from twilio.request_validator import RequestValidator

from conversations.services.accounts import channel_accounts_sync_from_env, webhook_secrets
from core.errors import InvalidPhoneError
from core.phones import normalize_phone
from integrations.base import Provider

DEMO_TWILIO_NUMBER = "+14155238886"
DEMO_INSTAGRAM_ACCOUNT = "17841400000000000"


class Command(BaseCommand):
    help = "Simulate a customer message through the real, signed webhook path."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--channel", choices=["whatsapp", "instagram"], required=True)
        parser.add_argument("--from", dest="sender", required=True, help="Phone (WhatsApp) or IGSID (Instagram).")
        parser.add_argument("--text", required=True)
        parser.add_argument("--name", default="", help="Profile name of the customer.")
        parser.add_argument("--url", default="", help="Post over HTTP to this base URL instead of in-process.")

    def handle(self, *args: object, channel: str, sender: str, text: str, name: str, url: str,
               **options: object) -> None:
        channel_accounts_sync_from_env()
        if channel == "whatsapp":
            try:
                phone = normalize_phone(sender)
            except InvalidPhoneError as exc:
                raise CommandError(exc.message) from exc
            response = self._twilio(phone, text, name, url)
        else:
            response = self._instagram(sender, text, url)
        if response[0] != 200:
            raise CommandError(f"webhook answered {response[0]}: {response[1][:200]}")
        self.stdout.write(self.style.SUCCESS(f"Delivered to the {channel} webhook (200)."))

    def _post(self, path: str, body: bytes, content_type: str, headers: dict[str, str], url: str) -> tuple[int, str]:
        if url:
            import httpx

            r = httpx.post(url.rstrip("/") + path, content=body, headers={"Content-Type": content_type, **headers},
                           timeout=10)
            return r.status_code, r.text
        client = Client(HTTP_HOST=settings.PUBLIC_BASE_URL.split("://", 1)[1].split("/")[0])
        r = client.generic("POST", path, body, content_type=content_type,
                           secure=settings.PUBLIC_BASE_URL.startswith("https"),
                           headers=headers)
        return r.status_code, r.content.decode(errors="replace")

    def _twilio(self, phone: str, text: str, name: str, url: str) -> tuple[int, str]:
        secrets = webhook_secrets(Provider.TWILIO_WHATSAPP)
        if not secrets:
            raise CommandError("Set TWILIO_AUTH_TOKEN (or add a Twilio channel account) to sign the webhook.")
        to = settings.TWILIO_WHATSAPP_FROM or DEMO_TWILIO_NUMBER
        to = to if to.startswith("whatsapp:") else f"whatsapp:{to}"
        params = {
            "MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": settings.TWILIO_ACCOUNT_SID or "AC" + "0" * 32,
            "From": f"whatsapp:{phone}", "To": to, "Body": text, "NumMedia": "0", "ProfileName": name,
            "WaId": phone.lstrip("+"), "SmsStatus": "received", "MessageType": "text", "ApiVersion": "2010-04-01",
        }
        path = "/webhooks/twilio/whatsapp/"
        signature = RequestValidator(secrets[0]).compute_signature(f"{settings.PUBLIC_BASE_URL}{path}", params)
        from urllib.parse import urlencode

        return self._post(path, urlencode(params).encode(), "application/x-www-form-urlencoded",
                          {"X-Twilio-Signature": signature}, url)

    def _instagram(self, sender: str, text: str, url: str) -> tuple[int, str]:
        secrets = webhook_secrets(Provider.INSTAGRAM)
        if not secrets:
            raise CommandError("Set META_APP_SECRET (or add an Instagram channel account) to sign the webhook.")
        now = int(time.time() * 1000)
        account = settings.INSTAGRAM_ACCOUNT_ID or DEMO_INSTAGRAM_ACCOUNT
        payload = {"object": "instagram", "entry": [{"id": account, "time": now, "messaging": [{
            "sender": {"id": sender}, "recipient": {"id": account}, "timestamp": now,
            "message": {"mid": "aWdf" + uuid.uuid4().hex, "text": text},
        }]}]}
        body = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(secrets[0].encode(), body, hashlib.sha256).hexdigest()
        return self._post("/webhooks/meta/instagram/", body, "application/json", {"X-Hub-Signature-256": signature},
                          url)
