"""Failures of AI providers, each carrying the ``Usage`` of the call so the caller can still log it.

A provider never hides a failure: it raises one of these and the caller decides (usually: fall back to
the ``local`` provider, flag the message, log an ``AIRequest`` with ``error.usage``).
"""

from __future__ import annotations

from ai.types import Usage


class AIError(Exception):
    """Base class. ``usage`` is what the failed call cost (tokens may be non-zero: invalid output is billed)."""

    retryable = False

    def __init__(self, message: str, usage: Usage | None = None, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.status = status


class AITimeoutError(AIError):
    """The provider did not answer within the timeout (``usage.outcome == "timeout"``)."""

    retryable = True


class AIInvalidOutputError(AIError):
    """The provider answered, but not with what was asked: JSON not valid against the schema, empty text
    (``usage.outcome == "invalid"``; tokens were spent)."""


class AIUnavailableError(AIError):
    """Connection refused, 5xx, 401/403, 429, or any other refusal (``usage.outcome == "error"``).

    ``retryable`` is True for connection errors, 408, 409, 429 and 5xx; False for auth and bad requests.
    """

    def __init__(self, message: str, usage: Usage | None = None, *, status: int | None = None,
                 retryable: bool = False):
        super().__init__(message, usage, status=status)
        self.retryable = retryable


class AIBudgetExceededError(AIError):
    """The AI spending cap was reached. Raised by callers that enforce the cap (the library cannot see
    the spend); log it with ``usage.outcome == "budget"``."""
