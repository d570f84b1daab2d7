"""A person says from the top bar whether they take new work now (available, away, offline).

Automatic assignment (tickets' round robin, ...) reads ``User.availability``; here it is only set. The view is
mounted under the notification centre's URLs (``notifications:availability``), beside the rest of the top bar.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Availability, User
from core.errors import ApplicationError


class InvalidAvailabilityError(ApplicationError):
    code = "invalid_availability"


def user_set_availability(*, user: User, availability: str) -> User:
    """Set ``user``'s availability; an unknown value is refused. Saving the same value again writes nothing."""
    if availability not in Availability.values:
        raise InvalidAvailabilityError(
            _("“%(value)s” is not an availability.") % {"value": str(availability)[:40]}
        )
    if user.availability != availability:
        user.availability = availability
        user.save(update_fields=["availability"])
    return user


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
