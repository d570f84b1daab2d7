"""Failures of outside services, classified by what the caller may safely do next."""

from __future__ import annotations


class ProviderError(Exception):
    """Base class. ``code`` is the provider's error code when it gave one (e.g. ``63016``, ``131047``)."""

    retryable = False

    def __init__(self, message: str, *, code: str = "", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = str(code or "")
        self.status = status


class TransientError(ProviderError):
    """The provider did NOT process the request (429, 503, connection refused): safe to retry."""

    retryable = True

    def __init__(self, message: str, *, code: str = "", status: int | None = None, retry_after: float | None = None):
        super().__init__(message, code=code, status=status)
        self.retry_after = retry_after


class PermanentError(ProviderError):
    """The provider refused the request for good (bad number, outside the 24-hour window, bad token)."""


class AmbiguousError(ProviderError):
    """The request may have been processed (timeout after it went out): never resend it blindly."""


class SignatureError(Exception):
    """A webhook whose signature is missing or wrong."""


class PayloadError(Exception):
    """A webhook body we cannot read (not JSON, missing fields, wrong shape)."""


class MediaTooLargeError(PermanentError):
    """A media file above the size limit of its kind."""


class UnsupportedMediaError(PermanentError):
    """A media file of a type we do not accept (``integrations.media.ALLOWED_MEDIA_TYPES``): not stored."""

    def __init__(self, message: str, *, code: str = "unsupported_media", mime_type: str = ""):
        super().__init__(message, code=code)
        self.mime_type = mime_type
