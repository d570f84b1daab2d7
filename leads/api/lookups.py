"""Ids in API input that name a contact: resolved within what the user may see, or a 400 on the field."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import User
from leads.models import Contact
from leads.selectors import contact_visible_queryset


def visible_contact_or_field_error(user: User, contact_id: int | None, field: str = "contact") -> Contact:
    """The contact ``contact_id`` if ``user`` may see it; otherwise a 400 on ``field`` (never a hint it exists)."""
    contact = contact_visible_queryset(user=user).filter(pk=contact_id).first() if contact_id else None
    if contact is None:
        raise serializers.ValidationError({field: [_("No contact with that id.")]})
    return contact
