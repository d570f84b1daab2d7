"""Requests of signed-in people from an address their role may not work from end here (IP allowlist)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from accounts.ip_allowlist import ip_access_allowed, ip_restriction_enabled


def refused_response(request: HttpRequest, address: str) -> HttpResponse:
    message = _("Access from this address (%(address)s) is not allowed for your role. Ask an administrator.") % {
        "address": address}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "ip_not_allowed"}, status=403)
    response = TemplateResponse(request, "accounts/ip_refused.html", {"message": message}, status=403)
    return response.render()


class IPAllowlistMiddleware:
    """After authentication: a session user outside the allowlist is signed out and refused (403).

    Token-authenticated API requests are checked by ``accounts.api_auth``; the panel's socket by
    ``accounts.ip_allowlist_asgi``; the login form refuses to sign such a person in at all.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if ip_restriction_enabled() and request.user.is_authenticated:
            address = request.META.get("REMOTE_ADDR", "")
            if not ip_access_allowed(user=request.user, address=address, path=request.path):
                logout(request)
                return refused_response(request, address)
        return self.get_response(request)
