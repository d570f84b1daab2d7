"""Ticket tests: the provider fakes of the conversations tests, and the ticket permissions of each role.

The roles' ticket permissions are requested in accounts/roles.py (notes/requests_H1.md). Until they are there,
this fixture grants the same ones to the role groups for these tests only; once roles.py has them it changes
nothing (and can go).
"""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import Role
from tests.conversations.conftest import ai_off, post_meta, provider_settings  # noqa: F401 - fixtures

TICKET_PERMISSIONS = {
    Role.AGENT: {"ticket": ("view", "add", "change"), "ticketcomment": ("view", "add"),
                 "ticketattachment": ("view", "add"), "ticketevent": ("view",), "ticketcategory": ("view",)},
    Role.BACKOFFICE: {"ticket": ("view", "add", "change"), "ticketcomment": ("view", "add"),
                      "ticketattachment": ("view", "add"), "ticketevent": ("view",), "ticketcategory": ("view",)},
    Role.SUPERVISOR: {"ticket": ("view", "add", "change"), "ticketcomment": ("view", "add"),
                      "ticketattachment": ("view", "add"), "ticketevent": ("view",),
                      "ticketcategory": ("view", "add", "change", "delete")},
}


@pytest.fixture(autouse=True)
def _ticket_role_permissions(db):  # type: ignore[no-untyped-def]
    for role, models in TICKET_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(*Permission.objects.filter(content_type__app_label="tickets", codename__in=codenames))
