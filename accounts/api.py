"""Helpers the API modules of every app share about users."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import User


def active_user_or_field_error(user_id: int | None, field: str) -> User | None:
    """The active user with ``user_id`` (None stays None), or a 400 on ``field``."""
    if user_id is None:
        return None
    try:
        return User.objects.get(pk=user_id, is_active=True)
    except User.DoesNotExist as exc:
        raise serializers.ValidationError({field: [_("No active user with that id.")]}) from exc
