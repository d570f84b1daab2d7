from __future__ import annotations

import ipaddress
from typing import Any

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.audit_context import MASKED, current_request, request_actor, request_address
from core.models import BaseModel


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    BACKOFFICE = "backoffice", _("Back office")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class Availability(models.TextChoices):
    """Whether a person takes new work now (set by themselves from the top bar)."""

    AVAILABLE = "available", _("Available")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


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
    availability = models.CharField(
        _("availability"), max_length=10, choices=Availability.choices, default=Availability.AVAILABLE,
        help_text=_("Away and offline agents get no new work by automatic assignment."),
    )

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


class AuditKind(models.TextChoices):
    """What an audit entry records. Model changes that django-auditlog sees get the first kinds (a change
    of a user's role, a password, a secret or an assignee is told apart); services write the others."""

    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    ROLE = "role", _("Role or access changed")
    PASSWORD = "password", _("Password changed")
    SECRET = "secret", _("Secret changed")
    ASSIGN = "assign", _("Assigned")
    TRANSFER = "transfer", _("Transferred")
    SALE_CREATE = "sale.create", _("Sale created")
    SALE_VALIDATE = "sale.validate", _("Sale validated")
    SALE_REJECT = "sale.reject", _("Sale rejected")
    SALE_CANCEL = "sale.cancel", _("Sale cancelled")
    DISCOUNT = "discount", _("Discount")
    EXPORT = "export", _("Export")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login.failed", _("Failed sign-in")
    LOGOUT = "logout", _("Signed out")
    LOCKOUT = "lockout", _("Locked out")


# A user's fields whose change is a change of what they may do.
ACCESS_FIELDS = frozenset({"role", "team", "is_active", "is_staff", "is_superuser"})
# Models whose text is safe in the log (no customer's name or phone); others show as "Lead #12".
PLAIN_REPR_MODELS = frozenset({
    "accounts.user", "accounts.team", "conversations.channelaccount", "sales.discountlimit", "sales.sale",
    "sales.quote", "agreements.debt", "reports.exportlog",
})
USER_FIELDS = ("assignee", "agent", "user")  # the person a row belongs to, for a supervisor's scope


def audit_object_repr(obj: Any) -> str:
    if isinstance(obj, type):
        return str(capfirst(obj._meta.verbose_name_plural))
    if obj._meta.label_lower in PLAIN_REPR_MODELS:
        return str(obj)[:200]
    return f"{capfirst(obj._meta.verbose_name)} #{obj.pk}"


def audit_team_id(obj: Any) -> int | None:
    """The team an entry about ``obj`` concerns: a user's, a team itself, or the team of the row's person."""
    if obj is None or isinstance(obj, type):
        return None
    if isinstance(obj, Team):
        return obj.pk
    if isinstance(obj, User):
        return obj.team_id
    for name in USER_FIELDS:
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.is_relation or field.related_model is not User:
            continue
        if field.is_cached(obj):
            person = getattr(obj, name)
            return person.team_id if person is not None else None
        user_id = getattr(obj, field.attname)
        if user_id:
            return User.objects.filter(pk=user_id).values_list("team_id", flat=True).first()
        return None
    return None


def audit_kind_for(action: int | None, label: str, changes: dict | None) -> str:
    """The kind of an entry django-auditlog writes for a model change."""
    if action == AbstractLogEntry.Action.DELETE:
        return AuditKind.DELETE
    if label == "sales.discountlimit":
        return AuditKind.DISCOUNT
    fields = set(changes or {})
    if action == AbstractLogEntry.Action.CREATE:
        return AuditKind.ASSIGN if fields == {"assignee"} else AuditKind.CREATE
    if "password" in fields:
        return AuditKind.PASSWORD
    if any(isinstance(value, list | tuple) and MASKED in value for value in (changes or {}).values()):
        return AuditKind.SECRET
    if label == settings.AUTH_USER_MODEL.lower() and fields & ACCESS_FIELDS:
        return AuditKind.ROLE
    if fields == {"assignee"}:
        return AuditKind.ASSIGN
    return AuditKind.UPDATE


class AuditEntryManager(LogEntryManager):
    def log_create(self, instance: Any, force_log: bool = False, **kwargs: Any) -> AuditEntry | None:
        """django-auditlog's writer for model changes, with our kind, scope, safe text, actor and address."""
        if kwargs.get("changes") is None and not force_log:
            return None
        kwargs.setdefault("kind", audit_kind_for(kwargs.get("action"), instance._meta.label_lower,
                                                 kwargs.get("changes")))
        kwargs.setdefault("team_id", audit_team_id(instance))
        kwargs.setdefault("object_repr", audit_object_repr(instance))
        request = current_request()
        if request is not None:
            kwargs.setdefault("actor", request_actor(request))
            kwargs.setdefault("remote_addr", request_address(request))
        if kwargs.get("actor") is not None:
            kwargs.setdefault("actor_username", kwargs["actor"].get_username())
        return super().log_create(instance, force_log=force_log, **kwargs)


class AuditEntryImmutableError(Exception):
    """An audit entry is written once; nobody changes it (admins may only delete old ones)."""


class AuditEntry(AbstractLogEntry):
    """Who changed what, when and from where (django-auditlog's entry, ``AUDITLOG_LOGENTRY_MODEL``).

    Adds what the back office searches and scopes by: the ``kind`` of action, the ``team`` the entry is
    about (a supervisor sees their teams' entries) and the actor's username as it was. Entries hold ids,
    field names and business values, never message texts, secrets or tokens.
    """

    kind = models.CharField(_("action"), max_length=20, choices=AuditKind.choices, db_index=True)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    actor_username = models.CharField(_("actor's username"), max_length=150, blank=True)

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["content_type", "object_pk"], name="audit_object_idx"),
            models.Index(fields=["team", "timestamp"], name="audit_team_time_idx"),
            models.Index(fields=["actor", "timestamp"], name="audit_actor_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditEntryImmutableError(f"audit entry {self.pk} cannot be changed")
        super().save(*args, **kwargs)
