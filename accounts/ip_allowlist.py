"""The IP allowlist: who may work from which address (``IP_RESTRICTION_ENABLED``).

A signed-in person's request is allowed when an active, unexpired ``AllowedNetwork`` contains the
client's address (``REMOTE_ADDR``, which ``core/client_ip.py`` takes from ``X-Forwarded-For`` only
through ``TRUSTED_PROXIES``) and names their role, or names no role. With no network for a role, that
role works from nowhere: the restriction fails closed, and ``manage_ips add`` from a shell is the way
back in. The login form, every page and API request (session or token) and the panel's socket ask.

Every refusal is logged (a row, and a warning line without the person's name), and each allowed
person and address once per ``IP_ACCESS_LOG_MINUTES`` with the network's hit count, so the admin sees
who works from where without a write per request. An optional reputation lookup (VPN, proxy, Tor)
flags or refuses addresses the allowlist would let in through a broad network.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AllowedNetwork, IPAccessLog, Role, User
from core.client_ip import parse_address
from core.errors import ApplicationError
from integrations.errors import TransientError
from integrations.iprisk import ip_risk_lookup

logger = logging.getLogger(__name__)

RULES_TTL_SECONDS = 10.0
_rules_memo: tuple[float, tuple[tuple[int, ipaddress.IPv4Network | ipaddress.IPv6Network, frozenset[str]], ...]] | None
_rules_memo = None


class Reason:
    ALLOWED = "allowed"
    NO_NETWORK = "no_network"
    RISKY = "risky_address"
    BAD_ADDRESS = "bad_address"


@dataclass(frozen=True)
class IPDecision:
    allowed: bool
    reason: str
    network_id: int | None = None
    risk_flags: tuple[str, ...] = ()


def ip_restriction_enabled() -> bool:
    return bool(getattr(settings, "IP_RESTRICTION_ENABLED", False))


def allowed_networks_changed() -> None:
    """Forget this process's copy of the rules (other processes refresh within ``RULES_TTL_SECONDS``)."""
    global _rules_memo
    _rules_memo = None


def _rules() -> tuple[tuple[int, ipaddress.IPv4Network | ipaddress.IPv6Network, frozenset[str]], ...]:
    global _rules_memo
    now = time.monotonic()
    if _rules_memo is not None and now - _rules_memo[0] < RULES_TTL_SECONDS:
        return _rules_memo[1]
    rows = AllowedNetwork.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
                                         is_active=True).values_list("pk", "network", "roles")
    rules = tuple((pk, ipaddress.ip_network(network, strict=False), frozenset(roles or ())) for pk, network, roles
                  in rows)
    _rules_memo = (now, rules)
    return rules


def matching_networks(address: str) -> list[int]:
    """Ids of the active networks containing ``address`` (any role)."""
    parsed = parse_address(address)
    if parsed is None:
        return []
    return [pk for pk, network, _roles in _rules() if parsed.version == network.version and parsed in network]


def _risk(address: str) -> tuple[str, ...]:
    base_url = getattr(settings, "IP_RISK_LOOKUP_URL", "")
    if not base_url:
        return ()
    key = f"iprisk:{address}"
    cached = cache.get(key)
    if cached is not None:
        return tuple(cached)
    try:
        risk = ip_risk_lookup(address, base_url=base_url, api_key=getattr(settings, "IP_RISK_LOOKUP_KEY", ""),
                              timeout=getattr(settings, "IP_RISK_LOOKUP_TIMEOUT", 2.0))
    except TransientError as exc:
        logger.warning("IP risk lookup unavailable, address let through: %s", exc.message)
        return ()
    cache.set(key, list(risk.flags), 24 * 3600)
    return risk.flags


def ip_access_check(*, address: str, role: str) -> IPDecision:
    """May a person of ``role`` work from ``address``? (Asked only while the restriction is on.)"""
    parsed = parse_address(address)
    if parsed is None:
        return IPDecision(allowed=False, reason=Reason.BAD_ADDRESS)
    for pk, network, roles in _rules():
        if parsed.version == network.version and parsed in network and (not roles or role in roles):
            flags = _risk(str(parsed))
            if flags and getattr(settings, "IP_RISK_ACTION", "log") == "block":
                return IPDecision(allowed=False, reason=Reason.RISKY, network_id=pk, risk_flags=flags)
            return IPDecision(allowed=True, reason=Reason.ALLOWED, network_id=pk, risk_flags=flags)
    return IPDecision(allowed=False, reason=Reason.NO_NETWORK)


def ip_access_record(*, decision: IPDecision, address: str, user: User | None, path: str = "") -> None:
    """Log a refusal always (at most once a minute per address and path), an allowed access now and then."""
    if decision.allowed:
        key = f"ipaccess:ok:{user.pk if user else 0}:{address}"
        window = getattr(settings, "IP_ACCESS_LOG_MINUTES", 10) * 60
    else:
        key = f"ipaccess:refused:{address}:{path[:60]}"
        window = 60
        logger.warning("IP allowlist refused %s (%s) for role %s on %s", address, decision.reason,
                       user.role if user else "-", path[:60])
    if not cache.add(key, 1, window):
        return
    if decision.risk_flags:
        logger.warning("IP allowlist: %s looks like %s", address, ", ".join(decision.risk_flags))
    parsed = parse_address(address)
    if parsed is None:  # no address to store (the warning above says what came)
        return
    reason = decision.reason + (f":{','.join(decision.risk_flags)}" if decision.risk_flags else "")
    IPAccessLog.objects.create(
        address=str(parsed), user=user, role=user.role if user else "", path=path[:200],
        is_allowed=decision.allowed, network_id=decision.network_id, reason=reason[:40],
    )
    if decision.allowed and decision.network_id:
        AllowedNetwork.objects.filter(pk=decision.network_id).update(hits=F("hits") + 1, last_seen_at=timezone.now())


def ip_access_allowed(*, user: User, address: str, path: str = "") -> bool:
    """Check and record in one step; True when the restriction is off or the address is allowed."""
    if not ip_restriction_enabled() or not user.is_authenticated:
        return True
    decision = ip_access_check(address=address, role=user.role)
    ip_access_record(decision=decision, address=address, user=user, path=path)
    return decision.allowed


# ---------------------------------------------------------------------------------------------
# Writes and reads for admins and the manage_ips command
# ---------------------------------------------------------------------------------------------
def _normal_network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError as exc:
        raise ApplicationError(_("“%(value)s” is not an IP address or network.") % {"value": value},
                               code="invalid_network") from exc


def _roles(roles: Iterable[str]) -> list[str]:
    chosen = sorted({role.strip() for role in roles if role.strip()})
    unknown = [role for role in chosen if role not in Role.values]
    if unknown:
        raise ApplicationError(_("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)}, code="invalid_role")
    return chosen


@transaction.atomic
def allowed_network_create(*, network: str, label: str, roles: Iterable[str] = (), expires_at: datetime | None = None,
                           actor: User | None = None) -> AllowedNetwork:
    if not label.strip():
        raise ApplicationError(_("Give the network a label."), code="invalid_label")
    row = AllowedNetwork(network=_normal_network(network), label=label.strip(), roles=_roles(roles),
                         expires_at=expires_at, created_by=actor)
    row.full_clean()
    row.save()
    transaction.on_commit(allowed_networks_changed)
    return row


@transaction.atomic
def allowed_network_remove(*, key: str) -> int:
    """Delete the network with id ``key``, or every network written as ``key``; returns how many."""
    qs = AllowedNetwork.objects.filter(pk=int(key)) if key.isascii() and key.isdigit() else \
        AllowedNetwork.objects.filter(network=_normal_network(key))
    deleted = qs.count()
    qs.delete()
    transaction.on_commit(allowed_networks_changed)
    return deleted


@dataclass(frozen=True)
class CleanupResult:
    expired_networks: int
    old_accesses: int


@transaction.atomic
def ip_access_cleanup(*, days: int = 90) -> CleanupResult:
    """Delete networks that expired and access rows older than ``days``."""
    expired = AllowedNetwork.objects.filter(expires_at__lte=timezone.now())
    n_expired = expired.count()
    expired.delete()
    old = IPAccessLog.objects.filter(created_at__lt=timezone.now() - timedelta(days=days))
    n_old = old.count()
    old.delete()
    transaction.on_commit(allowed_networks_changed)
    return CleanupResult(expired_networks=n_expired, old_accesses=n_old)


def ip_access_stats(*, days: int = 7) -> QuerySet:
    """Per address: accesses, refusals and the last time, over the last ``days``."""
    since = timezone.now() - timedelta(days=days)
    return (
        IPAccessLog.objects.filter(created_at__gte=since).values("address")
        .annotate(allowed=Count("pk", filter=Q(is_allowed=True)), refused=Count("pk", filter=Q(is_allowed=False)),
                  users=Count("user", distinct=True), last=Max("created_at"))
        .order_by("-refused", "-allowed", "address")
    )
