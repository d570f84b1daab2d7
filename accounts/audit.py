"""The audit log: who changed what, when and from where.

Two writers fill the one table (``AuditEntry``, django-auditlog's entry model with our columns):

- django-auditlog's model signals, for the back-office models listed in ``AUDITLOG_INCLUDE_TRACKING_MODELS``
  (users, teams, channel accounts, discount limits, a debt's assignee): a diff of the changed fields, secrets
  and password hashes masked to "changed". Models saved on the inbound path (conversations, messages,
  contacts, leads, webhook events) are never registered there: its update signal reads the row again
  before every save, a query per message at 80 messages a second.
- ``audit_record`` below, called by the services for actions that are more than a field change: assigning
  or transferring a conversation, a lead's assignee, creating, validating, rejecting or cancelling a sale, a
  discount given, an export, a sign-in.

Sign-ins are tied to Django's auth signals and django-axes's lockout signal; axes keeps its own records
(AccessAttempt, AccessLog with the browser) for throttling, and the audit log says who, what and from where
in the same list as everything else. The actor and address come from the request (``audit_context``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.audit_context import MASKED, current_request, request_actor, request_address
from accounts.models import AuditEntry, AuditKind, User, audit_object_repr, audit_team_id

Action = AuditEntry.Action
LOG_ACTIONS = {
    AuditKind.CREATE: Action.CREATE,
    AuditKind.SALE_CREATE: Action.CREATE,
    AuditKind.DELETE: Action.DELETE,
    AuditKind.EXPORT: Action.ACCESS,
    AuditKind.LOGIN: Action.ACCESS,
    AuditKind.LOGIN_FAILED: Action.ACCESS,
    AuditKind.LOGOUT: Action.ACCESS,
    AuditKind.LOCKOUT: Action.ACCESS,
}
_UNSET: Any = object()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Model | type[Model],
    changes: dict[str, Iterable[Any]] | None = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    team_id: int | None = _UNSET,
    object_repr: str | None = None,
    by_system: bool = False,
) -> AuditEntry:
    """Write one entry: ``actor`` did ``action`` (an ``AuditKind``) to ``obj`` (a row, or a model for an
    export), with ``changes`` as ``{field: (before, after)}`` and ``data`` for ids and counts.

    The actor defaults to the request's user and the address is the request's ``REMOTE_ADDR`` (the request
    being served when none is given). ``by_system``: the system acted (a routing rule reacting to someone's
    change), so no person is named even inside their request. Call it inside the service's transaction: a change
    rolled back leaves no entry.
    """
    request = request if request is not None else current_request()
    if actor is None and not by_system:
        actor = request_actor(request)
    is_model = isinstance(obj, type)
    model = obj if is_model else obj.__class__  # a lazy request.user tells its class this way
    pk = None if is_model else obj.pk  # type: ignore[union-attr]
    entry = AuditEntry(
        content_type=ContentType.objects.get_for_model(model),
        object_pk="" if pk is None else str(pk),
        object_id=pk if isinstance(pk, int) else None,
        object_repr=object_repr if object_repr is not None else audit_object_repr(obj),
        action=LOG_ACTIONS.get(action, Action.UPDATE),
        kind=action,
        changes={field: [_text(v) for v in values] for field, values in changes.items()} if changes else None,
        additional_data=data or None,
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        remote_addr=request_address(request),
        team_id=audit_team_id(obj) if team_id is _UNSET else team_id,
    )
    entry.save()
    return entry


def _people(*ids: int | None) -> dict[int, User]:
    wanted = [pk for pk in ids if pk]
    if not wanted:
        return {}
    fields = ("pk", "username", "first_name", "last_name", "team_id")
    return {user.pk: user for user in User.objects.filter(pk__in=wanted).only(*fields)}


def audit_assignment(
    *,
    actor: User | None,
    obj: Model,
    previous_id: int | None,
    new_id: int | None,
    action: str = AuditKind.ASSIGN,
    field: str = "assignee",
    data: dict[str, Any] | None = None,
    by_system: bool = False,
) -> AuditEntry | None:
    """``obj`` went from one person to another: names in ``changes``, ids in ``data``; the entry belongs to
    the new person's team (the former one's when it went to nobody). Nothing when nothing changed."""
    if previous_id == new_id:
        return None
    people = _people(previous_id, new_id)
    before, after = people.get(previous_id or 0), people.get(new_id or 0)
    holder = after or before
    return audit_record(
        actor=actor, action=action, obj=obj, changes={field: (before, after)},
        data={"from_id": previous_id, "to_id": new_id, **(data or {})},
        team_id=holder.team_id if holder is not None else None, by_system=by_system,
    )


def audit_assignments_bulk(
    *, actor: User | None, model: type[Model], rows: list[tuple[int, int | None]], new_id: int | None
) -> int:
    """Many rows of ``model`` (``(pk, previous person id)``) given to ``new_id`` at once: one entry per row."""
    rows = [(pk, previous) for pk, previous in rows if previous != new_id]
    if not rows:
        return 0
    request = current_request()
    if actor is None:
        actor = request_actor(request)
    people = _people(new_id, *{previous for _pk, previous in rows})
    after = people.get(new_id or 0)
    content_type = ContentType.objects.get_for_model(model)
    label = model._meta.verbose_name
    entries = []
    for pk, previous in rows:
        before = people.get(previous or 0)
        holder = after or before
        entries.append(AuditEntry(
            content_type=content_type, object_pk=str(pk), object_id=pk, object_repr=f"{capfirst(label)} #{pk}",
            action=Action.UPDATE, kind=AuditKind.ASSIGN,
            changes={"assignee": [_text(before), _text(after)]},
            additional_data={"from_id": previous, "to_id": new_id},
            actor=actor, actor_username=actor.get_username() if actor is not None else "",
            remote_addr=request_address(request), team_id=holder.team_id if holder is not None else None,
        ))
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


# --- sign-ins (Django's auth signals and django-axes's lockout signal; connected in AccountsConfig.ready) ---

def _user_named(username: Any) -> User | None:
    if not isinstance(username, str) or not username:
        return None
    return User.objects.filter(**{User.USERNAME_FIELD: username}).first()


def _about(user: User | None) -> dict[str, Any]:
    """A known user is the entry's object; an unknown name is not written down (it may be a password typed
    in the wrong box): axes's access attempts keep what was typed, for administrators."""
    if user is not None:
        return {"obj": user}
    return {"obj": User, "object_repr": gettext("unknown user"), "team_id": None}


def audit_login(sender: Any, request: HttpRequest | None = None, user: User | None = None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action=AuditKind.LOGIN, obj=user, request=request)


def audit_logout(sender: Any, request: HttpRequest | None = None, user: User | None = None, **kwargs: Any) -> None:
    if user is not None and user.is_authenticated:
        audit_record(actor=user, action=AuditKind.LOGOUT, obj=user, request=request)


def audit_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                       **kwargs: Any) -> None:
    if request is not None and getattr(request, "axes_locked_out", False):
        return  # axes refused it (or this failure locked the door): the lockout entry says so
    user = _user_named(credentials.get(User.USERNAME_FIELD))
    audit_record(actor=None, action=AuditKind.LOGIN_FAILED, request=request, **_about(user))


def audit_lockout(sender: Any, request: HttpRequest | None = None, username: str | None = None,
                  **kwargs: Any) -> None:
    user = _user_named(username)
    failures = getattr(request, "axes_failures_since_start", None)
    audit_record(actor=None, action=AuditKind.LOCKOUT, request=request,
                 data={"failures": failures} if failures else None, **_about(user))


# --- exports from admin lists (core.admin_tools.excel_response announces them) ---

def audit_admin_export(*, filename: str, rows: int) -> None:
    """An admin action streamed ``rows`` rows to Excel: the model comes from the admin page being served."""
    request = current_request()
    match = getattr(request, "resolver_match", None)
    model_admin = getattr(getattr(match, "func", None), "model_admin", None)
    model = model_admin.model if model_admin is not None else AuditEntry
    audit_record(actor=None, action=AuditKind.EXPORT, obj=model, request=request,
                 data={"file": filename, "rows": rows, "source": "admin"})


# --- reading an entry ---

def _shown(value: Any) -> str:
    return "—" if value in (None, "", "None") else str(value)


def audit_change_lines(entry: AuditEntry) -> list[str]:
    """The entry's changes as short lines: ``role: agent → supervisor``, ``access_token changed``."""
    lines = []
    for field, value in sorted((entry.changes or {}).items()):
        if isinstance(value, dict):  # a many-to-many change, as django-auditlog writes it
            objects = ", ".join(str(o) for o in value.get("objects", []))
            lines.append(f"{field}: {value.get('operation', '')} {objects}".strip())
            continue
        before, after = (list(value) + [None, None])[:2]
        if MASKED in (before, after):
            if before == after:
                lines.append(gettext("%(field)s changed") % {"field": field})
            elif after == MASKED:
                lines.append(gettext("%(field)s set") % {"field": field})
            else:
                lines.append(gettext("%(field)s cleared") % {"field": field})
        else:
            lines.append(f"{field}: {_shown(before)} → {_shown(after)}")
    return lines


def audit_data_lines(entry: AuditEntry) -> list[str]:
    return [f"{key}: {_shown(value)}" for key, value in (entry.additional_data or {}).items()]


SYSTEM = _("system")
