"""factory_boy factories of contacts and leads (leads app), with Spanish fake data."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from leads.models import Contact, Lead

factory.Faker._DEFAULT_LOCALE = "es_ES"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    name = factory.Faker("name")
    phone = factory.Sequence(lambda n: f"+5199{n:07d}")
    whatsapp_id = factory.LazyAttribute(lambda c: c.phone.lstrip("+"))


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    contact = factory.SubFactory(ContactFactory)
