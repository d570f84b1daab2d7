"""Channel accounts: seeded from the environment, resolved for webhooks, turned into provider clients."""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import MappingProxyType

from django.conf import settings
from django.db import transaction

from conversations.models import Channel, ChannelAccount
from conversations.services.sandbox import sandbox_statuses_report
from core.config_cache import config_cached
from core.phones import normalize_phone
from integrations.base import MessagingClient, Provider
from integrations.errors import PermanentError
from integrations.meta.client import InstagramClient, WhatsAppCloudClient
from integrations.sandbox.client import SandboxClient
from integrations.sandbox.webhooks import ACCOUNT_REF as SANDBOX_ACCOUNT_REF
from integrations.twilio.client import TwilioClient


def channel_accounts_sync_from_env() -> list[ChannelAccount]:
    """Create (or complete) one account per provider configured through environment variables, and the
    sandbox's account when ``SANDBOX_ENABLED`` (the embedded mode's default)."""
    wanted: list[tuple[str, str, dict[str, str]]] = []
    if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_WHATSAPP_FROM:
        number = normalize_phone(settings.TWILIO_WHATSAPP_FROM)
        wanted.append((Provider.TWILIO_WHATSAPP, number, {
            "name": f"WhatsApp {number}", "phone_number": number, "account_sid": settings.TWILIO_ACCOUNT_SID,
            "access_token": settings.TWILIO_AUTH_TOKEN,
        }))
    if settings.META_WHATSAPP_PHONE_NUMBER_ID:
        wanted.append((Provider.META_WHATSAPP, settings.META_WHATSAPP_PHONE_NUMBER_ID, {
            "name": "WhatsApp Cloud API", "access_token": settings.META_ACCESS_TOKEN,
            "app_secret": settings.META_APP_SECRET, "verify_token": settings.META_VERIFY_TOKEN,
        }))
    if settings.INSTAGRAM_ACCOUNT_ID:
        wanted.append((Provider.INSTAGRAM, settings.INSTAGRAM_ACCOUNT_ID, {
            "name": "Instagram", "access_token": settings.INSTAGRAM_ACCESS_TOKEN or settings.META_ACCESS_TOKEN,
            "app_secret": settings.META_APP_SECRET, "verify_token": settings.META_VERIFY_TOKEN,
        }))
    if settings.SANDBOX_ENABLED:
        wanted.append((Provider.SANDBOX, SANDBOX_ACCOUNT_REF, {"name": "Sandbox"}))
    accounts = []
    channel_account_secrets_changed()
    with transaction.atomic():
        for provider, ref, defaults in wanted:
            account, created = ChannelAccount.objects.get_or_create(
                provider=provider, account_ref=ref, defaults=defaults
            )
            if not created:
                missing = {k: v for k, v in defaults.items() if v and not getattr(account, k)}
                for field, value in missing.items():
                    setattr(account, field, value)
                if missing:
                    account.save(update_fields=[*missing, "updated_at"])
            accounts.append(account)
    return accounts


CHANNEL_ACCOUNT_REFS_KEY = "conversations.channel_account_refs"


@dataclass(frozen=True)
class AccountRef:
    """What the inbound path needs of a channel account: its id and provider, which never change for a row."""

    pk: int
    provider: str

    @property
    def channel(self) -> str:
        return Channel.of_provider(self.provider)


def _account_refs_load() -> MappingProxyType[tuple[str, str], AccountRef]:
    rows = ChannelAccount.objects.order_by().values_list("pk", "provider", "account_ref")
    return MappingProxyType({(provider, ref): AccountRef(pk, provider) for pk, provider, ref in rows})


def channel_account_for_event(*, provider: str, account_ref: str) -> AccountRef:
    """The account a verified webhook names; created on the fly so that no signed message is lost.

    Read from the per-process copy of every account's key (``core.config_cache``; any change to an account
    drops it, registered in ``ConversationsConfig.ready``): no query per message.
    """
    ref = config_cached(CHANNEL_ACCOUNT_REFS_KEY, _account_refs_load).get((provider, account_ref))
    if ref is None:
        account, _ = ChannelAccount.objects.get_or_create(
            provider=provider,
            account_ref=account_ref,
            defaults={"name": account_ref, "phone_number": account_ref if provider == Provider.TWILIO_WHATSAPP else ""},
        )
        ref = AccountRef(account.pk, account.provider)
    _provider_memo[ref.pk] = ref.provider  # the message's real-time events ask for it (channel_account_provider)
    return ref


SECRETS_CACHE_SECONDS = 30
_secrets_memo: dict[str, tuple[float, list[str]]] = {}


def _stored_secrets(provider: str) -> list[str]:
    """Account secrets, decrypted once per process every few seconds (not on every webhook)."""
    now = time.monotonic()
    hit = _secrets_memo.get(provider)
    if hit and now - hit[0] < SECRETS_CACHE_SECONDS:
        return hit[1]
    field = "access_token" if provider == Provider.TWILIO_WHATSAPP else "app_secret"
    providers = [provider] if provider == Provider.TWILIO_WHATSAPP else [Provider.META_WHATSAPP, Provider.INSTAGRAM]
    stored = [getattr(a, field) for a in ChannelAccount.objects.filter(provider__in=providers, is_active=True)]
    _secrets_memo[provider] = (now, stored)
    return stored


def channel_account_secrets_changed() -> None:
    """Call after editing an account's credentials (admin does): the next webhook reads them again."""
    _secrets_memo.clear()
    _provider_memo.clear()


# An account's provider, by id: asked for every real-time event of a message (is it the sandbox's?),
# where the message often comes without its account. A provider does not change once messages use the
# account; a stale answer would only send a sandbox event to a group nobody hears, or miss one.
_provider_memo: dict[int, str] = {}


def channel_account_provider(account_id: int) -> str:
    """The provider of account ``account_id`` ("" if there is none), read once per process."""
    provider = _provider_memo.get(account_id)
    if provider is None:
        provider = ChannelAccount.objects.filter(pk=account_id).values_list("provider", flat=True).first() or ""
        if provider:
            _provider_memo[account_id] = provider
    return provider


def webhook_secrets(provider: str) -> list[str]:
    """Every secret a webhook of ``provider`` may be signed with: the environment's and each account's."""
    env = settings.TWILIO_AUTH_TOKEN if provider == Provider.TWILIO_WHATSAPP else settings.META_APP_SECRET
    return list(dict.fromkeys(s for s in [env, *_stored_secrets(provider)] if s))


def verify_tokens() -> list[str]:
    stored = [a.verify_token for a in ChannelAccount.objects.exclude(provider=Provider.TWILIO_WHATSAPP)]
    return list(dict.fromkeys(t for t in [settings.META_VERIFY_TOKEN, *stored] if t))


def client_for_account(account: ChannelAccount) -> MessagingClient:
    """The provider client of ``account``, with its own credentials or the environment's.

    Missing credentials are a permanent error of the send (the message fails with
    ``not_configured``), never a crash of the worker.
    """
    try:
        return _client_for_account(account)
    except ValueError as exc:
        if settings.SANDBOX_ENABLED:
            # Embedded mode with the sandbox on: an account without credentials (the demo's WhatsApp and
            # Instagram) delivers locally, so an agent's reply to a demo chat goes out instead of failing.
            return SandboxClient(account.account_ref, on_status=_no_status_reports)
        raise PermanentError(str(exc), code="not_configured") from exc


def _no_status_reports(parsed: object) -> None:
    """A local delivery on a real channel's account: the message stays at "sent", as no phone reports back."""


def _client_for_account(account: ChannelAccount) -> MessagingClient:
    timeout = settings.PROVIDER_TIMEOUT_SECONDS
    if account.provider == Provider.SANDBOX:
        return SandboxClient(account.account_ref, on_status=sandbox_statuses_report)
    if account.provider == Provider.TWILIO_WHATSAPP:
        return TwilioClient(
            account.account_sid or settings.TWILIO_ACCOUNT_SID,
            account.access_token or settings.TWILIO_AUTH_TOKEN,
            account.account_ref,
            base_url=settings.TWILIO_API_BASE_URL,
            status_callback_url=f"{settings.PUBLIC_BASE_URL}/webhooks/twilio/status/",
            timeout=timeout,
            content_base_url=settings.TWILIO_CONTENT_BASE_URL,
        )
    if account.provider == Provider.META_WHATSAPP:
        return WhatsAppCloudClient(
            account.access_token or settings.META_ACCESS_TOKEN,
            account.account_ref,
            base_url=settings.META_GRAPH_BASE_URL,
            timeout=timeout,
        )
    return InstagramClient(
        account.access_token or settings.INSTAGRAM_ACCESS_TOKEN or settings.META_ACCESS_TOKEN,
        account.account_ref,
        base_url=settings.INSTAGRAM_GRAPH_BASE_URL,
        timeout=timeout,
    )
