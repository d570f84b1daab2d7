"""The debt admin's collection pieces: the status badge and filter in the list, the read-only log inline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agreements.models import ContactStatus
from agreements.services import collection_action_log
from tests.agreements.factories import DebtFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def debts(agent):
    called, quiet = DebtFactory(assignee=agent), DebtFactory(assignee=agent)
    collection_action_log(actor=agent, debt=called, kind="call", result=ContactStatus.REFUSED,
                          notes="Says it is not theirs")
    return called, quiet


def test_debt_changelist_shows_the_status_badge_and_filters_when_a_status_is_chosen(client, admin_user, debts):
    client.force_login(admin_user)
    changelist = reverse("admin:agreements_debt_changelist")
    response = client.get(changelist)
    assert response.status_code == 200 and "crm-badge crm-bg-danger" in response.content.decode()
    filtered = client.get(changelist + "?contact_status__exact=refused").context["cl"]
    assert [d.pk for d in filtered.result_list] == [debts[0].pk]


def test_debt_change_page_shows_the_log_read_only_when_a_supervisor_opens_it(client, supervisor, debts):
    client.force_login(supervisor)
    response = client.get(reverse("admin:agreements_debt_change", args=[debts[0].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Says it is not theirs" in html
    assert 'name="actions-TOTAL_FORMS"' in html and 'name="actions-0-notes"' not in html  # shown, not editable
