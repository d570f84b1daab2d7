from __future__ import annotations

import ipaddress

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    BACKOFFICE = "backoffice", _("Back office")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class Team(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    supervisor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("supervisor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_teams",
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who works in the CRM. ``role`` decides what they see (CONTRACT section 6)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT, db_index=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_agent(self) -> bool:
        return self.role == Role.AGENT

    @property
    def is_backoffice(self) -> bool:
        return self.role == Role.BACKOFFICE

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser


def validate_network(value: str) -> None:
    """An IPv4/IPv6 address or network in CIDR notation (``203.0.113.0/24``, ``2001:db8::/32``)."""
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError as exc:
        raise ValidationError(_("“%(value)s” is not an IP address or network."), params={"value": value}) from exc


class AllowedNetwork(BaseModel):
    """Where people of some roles may work from, when ``IP_RESTRICTION_ENABLED`` is on.

    A request of a user is allowed when an active, unexpired network contains their address and
    names their role (no roles named: every role). E.g. "Oficina Lima" for agents and supervisors,
    ``0.0.0.0/0`` and ``::/0`` for admins.
    """

    network = models.CharField(_("address or network"), max_length=64, validators=[validate_network],
                               help_text=_("An address (203.0.113.7) or a network (203.0.113.0/24, 2001:db8::/32)."))
    label = models.CharField(_("label"), max_length=100, help_text=_("e.g. Office Lima, VPN, home of …"))
    roles = models.JSONField(_("roles"), default=list, blank=True,
                             help_text=_("Roles allowed from here; none means every role."))
    is_active = models.BooleanField(_("active"), default=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True,
                                      help_text=_("For temporary access, e.g. a week of work from home."))
    created_by = models.ForeignKey("accounts.User", verbose_name=_("created by"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    hits = models.PositiveIntegerField(_("accesses"), default=0)
    last_seen_at = models.DateTimeField(_("last access"), null=True, blank=True)

    class Meta:
        verbose_name = _("allowed network")
        verbose_name_plural = _("allowed networks")
        ordering = ["label", "network"]

    def __str__(self) -> str:
        return f"{self.label} ({self.network})"


class IPAccessLog(models.Model):
    """An access from an address: every refusal, and allowed accesses once per user and address a while."""

    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    address = models.GenericIPAddressField(_("address"))
    user = models.ForeignKey("accounts.User", verbose_name=_("user"), on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    role = models.CharField(_("role"), max_length=20, blank=True)
    is_allowed = models.BooleanField(_("allowed"))
    network = models.ForeignKey(AllowedNetwork, verbose_name=_("network"), on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="accesses")
    path = models.CharField(_("path"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("IP access")
        verbose_name_plural = _("IP accesses")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["address", "created_at"], name="ipaccess_address_idx")]

    def __str__(self) -> str:
        return f"{self.address} {'✓' if self.is_allowed else '✗'}"
