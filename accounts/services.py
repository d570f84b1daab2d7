"""Writes for users, teams and role groups."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role, Team, User
from accounts.roles import ROLE_PERMISSIONS, STAFF_ROLES


@dataclass(frozen=True)
class RolesResult:
    groups_created: int
    permissions_granted: int
    missing: tuple[str, ...]


def _permissions_for(role: str) -> tuple[list[Permission], list[str]]:
    if role == Role.ADMIN:
        return list(Permission.objects.all()), []
    wanted: list[tuple[str, str]] = []
    for model_key, actions in ROLE_PERMISSIONS[role].items():
        app_label, model = model_key.split(".")
        wanted += [(app_label, f"{action}_{model}") for action in actions]
    found = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in=[codename for _, codename in wanted]
        )
    }
    missing = [f"{app}.{codename}" for app, codename in wanted if (app, codename) not in found]
    return [found[key] for key in wanted if key in found], missing


@transaction.atomic
def roles_create() -> RolesResult:
    """Create one group per role with exactly the permissions of ``ROLE_PERMISSIONS``. Idempotent."""
    created = granted = 0
    missing: list[str] = []
    for role in Role:
        group, was_created = Group.objects.get_or_create(name=role.value)
        created += int(was_created)
        permissions, role_missing = _permissions_for(role)
        group.permissions.set(permissions)
        granted += len(permissions)
        missing += role_missing
    return RolesResult(groups_created=created, permissions_granted=granted, missing=tuple(missing))


def user_sync_role(*, user: User) -> None:
    """Put ``user`` in the group of their role only, and give staff roles the admin site."""
    user.is_staff = user.role in STAFF_ROLES or user.is_superuser
    user.save(update_fields=["is_staff"])
    role_groups = Group.objects.filter(name__in=Role.values)
    user.groups.remove(*role_groups.exclude(name=user.role))
    group, _ = Group.objects.get_or_create(name=user.role)
    user.groups.add(group)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    team: Team | None = None,
    phone: str = "",
) -> User:
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        team=team,
        phone=phone,
        is_superuser=role == Role.ADMIN,
    )
    try:
        password_validation.validate_password(password, user)  # length, common, numeric, like the user's names
    except ValidationError as exc:
        # A field error, as full_clean() gives for the others: forms and the API show it under "password".
        raise ValidationError({"password": exc.error_list}) from exc
    user.set_password(password)
    user.full_clean()
    user.save()
    user_sync_role(user=user)
    return user
