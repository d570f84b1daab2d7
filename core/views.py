from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.runtime import system_status as build_system_status


class SystemStatusApi(APIView):
    """``{status, database, redis, celery, ai_provider, version}`` (and the mode) for staff; ``{status}`` for others.

    Load balancers and uptime checks need the status and the HTTP code only (503 when the database is down);
    which services, versions and mode run is for staff (a session, or an API token of a staff user).
    """

    permission_classes = [AllowAny]
    throttle_classes: list = []  # probes poll it often; it reveals nothing but up or down to them
    renderer_classes = [JSONRenderer]

    @extend_schema(exclude=True)  # an operations endpoint, not part of the business API
    @method_decorator(never_cache)
    def get(self, request: Request) -> Response:
        body = build_system_status()
        status = 503 if body["status"] == "error" else 200
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            body = {"status": body["status"]}
        return Response(body, status=status)


system_status = SystemStatusApi.as_view()
healthz = system_status  # liveness for load balancers: the same answer


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



