"""API token authentication that also asks the IP allowlist (session requests go through the middleware)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

# The module, not the name: core.errors loads DRF, whose settings load this class while the allowlist
# module is still being imported.
from accounts import ip_allowlist


class IPCheckedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            address = request.META.get("REMOTE_ADDR", "")
            if not ip_allowlist.ip_access_allowed(user=result[0], address=address, path=request.path):
                raise PermissionDenied(
                    _("Access from this address (%(address)s) is not allowed for your role. Ask an administrator.")
                    % {"address": address}, code="ip_not_allowed")
        return result
