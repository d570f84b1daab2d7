"""Application errors and the API exception handler.

Services raise ``ApplicationError`` subclasses with an English ``code`` and a translated message;
the API answers them as JSON ``{"detail": ..., "code": ..., "errors": {...}}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.api.throttling import anon_throttled


class ApplicationError(Exception):
    """A business rule said no. ``code`` is stable English; ``message`` is for people."""

    code = "application_error"
    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, code: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra or {}


class NotFoundError(ApplicationError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND


class PermissionDeniedError(ApplicationError):
    code = "permission_denied"
    status_code = status.HTTP_403_FORBIDDEN


class InvalidPhoneError(ApplicationError):
    code = "invalid_phone"


def _flatten_django_validation_error(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn every error into JSON with a ``detail``, a ``code`` and, for input, ``errors``."""
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.extra:
            body["extra"] = exc.extra
        return Response(body, status=exc.status_code)
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            {"detail": _("This record is in use by others and cannot be deleted."), "code": "in_use"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed) and "request" in context:
        wait = anon_throttled(context["request"], context.get("view"))
        if wait is not None:
            exc = exceptions.Throttled(wait)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_flatten_django_validation_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": _("Invalid input."), "code": "invalid", "errors": errors}
    elif isinstance(exc, exceptions.APIException):
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        codes = exc.get_codes()
        response.data = {"detail": str(detail), "code": codes if isinstance(codes, str) else "error"}
    return response
