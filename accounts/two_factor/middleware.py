"""Signed-in people who need a second factor reach nothing until their session is verified."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.two_factor.services import two_factor_enabled, two_factor_needed_on_request

# The login, its second step and setting up the app; logout; files and health checks that carry no data.
OPEN_PATHS = ("/accounts/login/", "/accounts/logout/", "/accounts/two-factor/", "/static/", "/i18n/",
              "/healthz", "/system/status/", "/webhooks/")


class TwoFactorMiddleware:
    """After django-otp's ``OTPMiddleware``: a signed-in person whose role requires two factors, or who turned
    them on, and whose session is not verified is sent to the code page (or to set up the app, if they have
    none); the admin, the panel and every page included. Session-authenticated API requests get 403.

    Requests with an ``Authorization: Token`` header are left to the API's token authentication: tokens are for
    machines and only admins manage them. The login view never signs such a person in unverified; this
    catches sessions that began otherwise (a role changed, two-factor turned on in another browser).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
                     ) -> HttpResponse | None:
        """Asked once a URL has a view: an address that is no page gets its 404 without loading the user here
        (error pages load it where their database connection is given back, tests/core/test_asgi_connections.py)."""
        user = request.user
        if (user.is_authenticated and not request.path.startswith(OPEN_PATHS) and not user.is_verified()
                and two_factor_needed_on_request(user=user)):
            if request.path.startswith("/api/") and not request.path.startswith("/api/docs/"):
                if not _token_request(request):
                    return JsonResponse({"detail": _("Two-step verification is required: sign in again with your "
                                                     "code."), "code": "two_factor_required"}, status=403)
            else:
                page = "two_factor:verify" if two_factor_enabled(user=user) else "two_factor:setup"
                query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
                return HttpResponseRedirect(reverse(page) + (f"?{query}" if query else ""))
        return None


def _token_request(request: HttpRequest) -> bool:
    """``Authorization: Token …``: DRF's token authentication decides (a bad token is 401, never the session)."""
    scheme = request.META.get("HTTP_AUTHORIZATION", "").split(maxsplit=1)
    return bool(scheme) and scheme[0].lower() == "token"
