"""Human-readable numbers (``COT-000123``) from the row id: unique without a counter table."""

from __future__ import annotations

import uuid

from django.db import models


def provisional_number() -> str:
    return f"tmp-{uuid.uuid4().hex[:16]}"


def number_assign(instance: models.Model, prefix: str) -> None:
    instance.number = f"{prefix}-{instance.pk:06d}"  # type: ignore[attr-defined]
    type(instance).objects.filter(pk=instance.pk).update(number=instance.number)  # type: ignore[attr-defined]
