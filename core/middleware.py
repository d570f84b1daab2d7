"""Response headers every dynamic page and API answer gets."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (with ``private``) on what Django renders, so no browser or proxy keeps it.

    Pages, exports and API answers carry customers' names, phones and conversations; a shared computer's back
    button or disk cache must not show them after logout. A response to a signed-in user is never cacheable,
    whatever the view said; an anonymous one keeps a ``Cache-Control`` its view chose. Static files are served
    before this middleware (WhiteNoise) and keep their long caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)  # DRF puts a token's user here too, once the view ran
        signed_in = user is not None and user.is_authenticated
        if signed_in or not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
