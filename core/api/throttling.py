"""API rate limits: DRF's anonymous and per-user throttles, counted in the cache (Redis when distributed).

The rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``API_THROTTLE_ANON``,
``API_THROTTLE_USER``) and are read at each request, not once at import as DRF does, so a changed
setting (a test's override) applies at once; a rate of ``None`` turns that throttle off.

DRF checks throttles after permissions, so a request without valid credentials is refused (401) before
any throttle sees it: on its own the anonymous rate would never bite on an API that needs a login.
``anon_throttled`` lets the exception handler count those refusals against the anonymous rate, so a
burst of guessed tokens or unauthenticated calls from one address gets 429 past the rate.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings


class _LiveRate:
    scope: str

    def get_rate(self) -> str | None:
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as exc:
            raise ImproperlyConfigured(f"No throttle rate set for scope {self.scope!r}") from exc


class AnonRateThrottle(_LiveRate, throttling.AnonRateThrottle):
    """Requests without a user, per client address (``REMOTE_ADDR``; see ``NUM_PROXIES``)."""


class UserRateThrottle(_LiveRate, throttling.UserRateThrottle):
    """Requests of a signed-in user (session or token), per user."""


def anon_throttled(request: Request, view: Any) -> float | None:
    """Count a refused anonymous request against the anonymous rate: seconds to wait when past it, else None.

    Only for views that throttle anonymous requests at all (``throttle_classes`` holds an anonymous throttle).
    """
    if not any(issubclass(cls, throttling.AnonRateThrottle) for cls in getattr(view, "throttle_classes", ())):
        return None
    throttle = AnonRateThrottle()
    if throttle.allow_request(request, view):
        return None
    return throttle.wait() or 1.0
