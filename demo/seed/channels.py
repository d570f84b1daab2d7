"""The channel accounts the demo's conversations run on.

The accounts configured in the environment come first (``channel_accounts_sync_from_env``). For a
channel none of them covers, the demo adds its own account without credentials ("WhatsApp Demo",
"Instagram Demo", with the product's default AI mode): nothing is ever sent through it at seed time
(the demo's outbound messages are recorded as already delivered), and an agent who answers in it
later gets the usual "no provider credentials" failure, never a request to a provider.
"""

from __future__ import annotations

from conversations.models import ChannelAccount
from conversations.services.accounts import channel_accounts_sync_from_env
from integrations.base import Provider

DEMO_ACCOUNTS = {
    # channel: (provider, account ref, name, phone)
    "whatsapp": (Provider.TWILIO_WHATSAPP, "+51900000101", "WhatsApp Demo", "+51900000101"),
    "instagram": (Provider.INSTAGRAM, "17840000000000101", "Instagram Demo", ""),
}
WHATSAPP_PROVIDERS = (Provider.TWILIO_WHATSAPP, Provider.META_WHATSAPP)


def demo_channel_accounts_ensure() -> tuple[dict[str, ChannelAccount], list[ChannelAccount]]:
    """({"whatsapp": account, "instagram": account}, the accounts the environment configures)."""
    from_env = channel_accounts_sync_from_env()
    accounts: dict[str, ChannelAccount] = {}
    for channel, (provider, ref, name, phone) in DEMO_ACCOUNTS.items():
        providers = WHATSAPP_PROVIDERS if channel == "whatsapp" else (Provider.INSTAGRAM,)
        configured = next((a for a in from_env if a.provider in providers and a.is_active), None)
        accounts[channel] = configured or ChannelAccount.objects.get_or_create(
            provider=provider, account_ref=ref, defaults={"name": name, "phone_number": phone},
        )[0]
    return accounts, from_env

