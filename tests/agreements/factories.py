"""factory_boy factories for debts (agreements are made through the service, which splits them)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from agreements.models import Debt
from tests.leads.factories import ContactFactory


class DebtFactory(DjangoModelFactory):
    class Meta:
        model = Debt

    contact = factory.SubFactory(ContactFactory)
    original_amount = Decimal("1000.00")
    currency = "PEN"
    due_since = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=90))
    campaign = "Cartera marzo"
    reference = factory.Sequence(lambda n: f"DEU-{n:06d}")
