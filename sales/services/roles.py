"""Who may do what with quotes and sales (row scoping lives in ``sales.selectors``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import PermissionDeniedError


def can_sell(user: User) -> bool:
    """Agents, supervisors and admins quote and sell."""
    return user.is_active and (user.is_agent or user.is_supervisor or user.is_admin_role)


def can_validate(user: User) -> bool:
    """Back office, supervisors and admins validate, reject and follow up installations."""
    return user.is_active and (user.is_backoffice or user.is_supervisor or user.is_admin_role)


def check_can_sell(user: User) -> None:
    if not can_sell(user):
        raise PermissionDeniedError(_("Your role cannot create quotes or sales."))


def check_can_validate(user: User) -> None:
    if not can_validate(user):
        raise PermissionDeniedError(
            _("Only back office, supervisors and administrators can validate or reject sales.")
        )
