"""``manage_ips list|add|remove|info|stats|cleanup``: the IP allowlist from a shell (and the way back in)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.ip_allowlist import (
    allowed_network_create,
    allowed_network_remove,
    ip_access_check,
    ip_access_cleanup,
    ip_access_stats,
    ip_restriction_enabled,
    matching_networks,
)
from accounts.models import AllowedNetwork, IPAccessLog, Role
from core.errors import ApplicationError


def _roles_text(roles: list[str]) -> str:
    return ",".join(roles) if roles else _("every role")


class Command(BaseCommand):
    help = _("Manage the IP allowlist: list, add, remove, info ADDRESS, stats, cleanup.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,add,remove,info,stats,cleanup}")
        sub.add_parser("list", help=_("Allowed networks, with their roles, state and accesses."))
        add = sub.add_parser("add", help=_("Allow an address or network (CIDR)."))
        add.add_argument("network", help="203.0.113.7, 203.0.113.0/24, 2001:db8::/32")
        add.add_argument("--label", required=True, help=_("e.g. Office Lima"))
        add.add_argument("--roles", default="", help=_("Comma-separated roles (%(roles)s); none: every role.")
                         % {"roles": ",".join(Role.values)})
        add.add_argument("--days", type=int, default=0, help=_("Expire after this many days (temporary access)."))
        remove = sub.add_parser("remove", help=_("Remove a network by id or as written."))
        remove.add_argument("network")
        info = sub.add_parser("info", help=_("What the allowlist says of an address, per role, and its last accesses."))
        info.add_argument("address")
        stats = sub.add_parser("stats", help=_("Accesses and refusals per address."))
        stats.add_argument("--days", type=int, default=7)
        cleanup = sub.add_parser("cleanup", help=_("Delete expired networks and access rows older than --days."))
        cleanup.add_argument("--days", type=int, default=90)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if not ip_restriction_enabled():
            self.stderr.write(self.style.WARNING(_("IP restriction is off (IP_RESTRICTION_ENABLED=0): the allowlist "
                                                   "is kept but not enforced.")))
        try:
            getattr(self, f"do_{action}")(**options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def do_list(self, **options: Any) -> None:
        rows = list(AllowedNetwork.objects.order_by("label", "network"))
        if not rows:
            self.stdout.write(_("No allowed networks."))
            return
        now = timezone.now()
        self.stdout.write(f"{'id':>4}  {'network':<24} {'roles':<28} {'state':<10} {'accesses':>8}  label")
        for row in rows:
            state = _("inactive") if not row.is_active else _("expired") if row.expires_at and row.expires_at <= now \
                else _("active")
            self.stdout.write(f"{row.pk:>4}  {row.network:<24} {_roles_text(row.roles):<28} {state:<10} "
                              f"{row.hits:>8}  {row.label}")

    def do_add(self, *, network: str, label: str, roles: str, days: int, **options: Any) -> None:
        expires_at = timezone.now() + timedelta(days=days) if days > 0 else None
        row = allowed_network_create(network=network, label=label, roles=roles.split(","), expires_at=expires_at)
        self.stdout.write(self.style.SUCCESS(_("Allowed %(network)s (%(label)s) for %(roles)s, id %(id)d.") % {
            "network": row.network, "label": row.label, "roles": _roles_text(row.roles), "id": row.pk}))

    def do_remove(self, *, network: str, **options: Any) -> None:
        removed = allowed_network_remove(key=network)
        if not removed:
            raise CommandError(_("No network %(network)s.") % {"network": network})
        self.stdout.write(self.style.SUCCESS(_("%(n)d network(s) removed.") % {"n": removed}))

    def do_info(self, *, address: str, **options: Any) -> None:
        matches = AllowedNetwork.objects.filter(pk__in=matching_networks(address))
        if not matches and ip_access_check(address=address, role=Role.AGENT).reason == "bad_address":
            raise CommandError(_("“%(value)s” is not an IP address or network.") % {"value": address})
        self.stdout.write(_("Address %(address)s") % {"address": address})
        for row in matches:
            self.stdout.write(f"  {_('in')} {row.network} ({row.label}), {_('roles')}: {_roles_text(row.roles)}")
        for role in Role.values:
            decision = ip_access_check(address=address, role=role)
            verdict = _("allowed") if decision.allowed else _("refused") + f" ({decision.reason})"
            self.stdout.write(f"  {role:<11} {verdict}")
        recent = IPAccessLog.objects.filter(address=address).select_related("user")[:10]
        for entry in recent:
            mark = "✓" if entry.is_allowed else "✗"
            self.stdout.write(f"  {mark} {timezone.localtime(entry.created_at):%Y-%m-%d %H:%M} "
                              f"{entry.user or '-'} {entry.path}")

    def do_stats(self, *, days: int, **options: Any) -> None:
        rows = list(ip_access_stats(days=days)[:50])
        total = IPAccessLog.objects.filter(created_at__gte=timezone.now() - timedelta(days=days))
        self.stdout.write(_("Last %(days)d days: %(allowed)d accesses logged, %(refused)d refused.") % {
            "days": days, "allowed": total.filter(is_allowed=True).count(),
            "refused": total.filter(is_allowed=False).count()})
        self.stdout.write(f"{'address':<40} {'allowed':>8} {'refused':>8} {'users':>6}  last")
        for row in rows:
            self.stdout.write(f"{row['address']:<40} {row['allowed']:>8} {row['refused']:>8} {row['users']:>6}  "
                              f"{timezone.localtime(row['last']):%Y-%m-%d %H:%M}")

    def do_cleanup(self, *, days: int, **options: Any) -> None:
        result = ip_access_cleanup(days=days)
        self.stdout.write(self.style.SUCCESS(_("%(networks)d expired network(s) and %(rows)d access row(s) older "
                                               "than %(days)d days deleted.") % {
            "networks": result.expired_networks, "rows": result.old_accesses, "days": days}))
