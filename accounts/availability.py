"""The top bar's availability switch: a person says whether they take new work now (available, away, offline).

Automatic assignment (tickets' round robin, ...) reads ``User.availability``; ``accounts.services`` sets it. The view is
mounted under the notification centre's URLs (``notifications:availability``), beside the rest of the top bar.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.services import InvalidAvailabilityError, user_set_availability


def _back(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.headers.get("referer") or "/"
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return candidate
    return "/"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("accept", "")


@login_required
@require_POST
def availability_set(request: HttpRequest) -> HttpResponse:
    """POST ``availability``: JSON ``{availability, label}`` when asked for JSON, else back to the page."""
    try:
        user = user_set_availability(user=request.user, availability=request.POST.get("availability", ""))
    except InvalidAvailabilityError as error:
        if _wants_json(request):
            return JsonResponse({"detail": error.message, "code": error.code}, status=400)
        messages.error(request, error.message)
        return HttpResponseRedirect(_back(request))
    if _wants_json(request):
        return JsonResponse({"availability": user.availability, "label": user.get_availability_display()})
    return HttpResponseRedirect(_back(request))
