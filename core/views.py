from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.runtime import system_status as build_system_status


@never_cache
@require_GET
def system_status(request: HttpRequest) -> JsonResponse:
    """``{status, database, redis, celery, ai_provider, version}``; 503 when the database is down."""
    body = build_system_status()
    return JsonResponse(body, status=503 if body["status"] == "error" else 200)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the same report as /system/status/."""
    return system_status(request)


def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    """Admin signs in through the one Spanish login page (throttled and audited).

    A signed-in user without back-office access is told so, instead of bouncing between pages.
    """
    if request.user.is_authenticated and not request.user.is_staff:
        return render(request, "403.html", {"reason": _("Your role has no access to the back office.")}, status=403)
    query = urlencode({"next": request.GET.get("next", reverse("admin:index"))})
    return HttpResponseRedirect(f"{reverse('login')}?{query}")


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": _("Server error."), "code": "server_error"}, status=500)
    return render(request, "500.html", status=500)



