"""Content Security Policy: django-csp's middleware, plus the panel socket's own origin in ``connect-src``.

The policy itself is in settings (``CONTENT_SECURITY_POLICY``): scripts and styles from this site only, no inline
code, nothing may frame the pages. The panel's socket lives at ``ws://`` or ``wss://`` of the host that served
the page; CSP Level 3 browsers match it with ``'self'``, older ones (Safari before 15.4) only when it is spelled
out, and the host is known per request (it passed ``ALLOWED_HOSTS`` already).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


def media_origins(*, bucket: str, endpoint_url: str = "", region: str = "") -> list[str]:
    """Origins the media storage serves files from: the S3 endpoint's origin, or the bucket's AWS hosts."""
    if not bucket:
        return []
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        update: dict[str, Any] = dict(parts.update or {})
        scheme = "wss" if request.is_secure() else "ws"
        existing = update.get("connect-src") or []
        existing = [existing] if isinstance(existing, str) else list(existing)
        update["connect-src"] = [*existing, f"{scheme}://{host}"]
        parts.update = update
        return parts
