"""Back office for tickets: tickets within role, read-only with badges and their comments, history and
attachments; categories managed by supervisors; SLA policies edited by admins (every role's groups from
accounts/roles.py)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.tickets.factories import make_conversation
from tickets.models import SlaPolicy, Ticket, TicketCategory
from tickets.services import ticket_attachment_add, ticket_comment_add, ticket_create

pytestmark = pytest.mark.django_db

TICKETS = "admin:tickets_ticket_changelist"


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def tickets(agent, other_agent):  # type: ignore[no-untyped-def]
    ours = ticket_create(actor=agent, subject="Router sin señal", priority="critical", assignee=agent,
                         conversation=make_conversation(assignee=agent))
    theirs = ticket_create(actor=other_agent, subject="Del equipo Norte", assignee=other_agent)
    return ours, theirs


def test_supervisor_lists_only_their_teams_tickets_with_badges_when_opening_admin(supervisor, tickets):
    ours, theirs = tickets
    response = client_for(supervisor).get(reverse(TICKETS))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Router sin señal" in html and "Del equipo Norte" not in html
    assert 'crm-badge crm-bg-danger">Critical' in html  # the priority
    assert 'crm-badge crm-bg-primary">Open' in html  # the state
    assert 'crm-badge crm-bg-success">On time' in html  # the SLA


def test_ticket_of_another_team_is_404_when_supervisor_opens_it(supervisor, tickets):
    ours, theirs = tickets
    client = client_for(supervisor)
    assert client.get(reverse("admin:tickets_ticket_change", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:tickets_ticket_change", args=[ours.pk])).status_code == 200


def test_ticket_page_is_read_only_with_comments_history_and_attachments_when_opened(supervisor, agent, tickets):
    ours, _theirs = tickets
    ticket_comment_add(actor=agent, ticket=ours, body="Revisar la OLT de Surco")
    ticket_attachment_add(actor=agent, ticket=ours, upload=SimpleUploadedFile("nota.txt", b"Visita a las 9\n"))
    response = client_for(supervisor).get(reverse("admin:tickets_ticket_change", args=[ours.pk]))
    html = response.content.decode()
    assert "Revisar la OLT de Surco" in html and "nota.txt" in html
    assert reverse("tickets:detail", args=[ours.pk]) in html  # changes go through the ticket page
    assert 'name="subject"' not in html and 'name="_save"' not in html
    attachment = ours.attachments.get()
    assert reverse("tickets:attachment", args=[attachment.pk]) in html


def test_nobody_adds_or_edits_a_ticket_in_admin_when_posting(admin_user, tickets):
    ours, _theirs = tickets
    client = client_for(admin_user)
    assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403
    client.post(reverse("admin:tickets_ticket_change", args=[ours.pk]), {"subject": "Cambiado"})
    assert Ticket.objects.get(pk=ours.pk).subject == "Router sin señal"


def test_backoffice_lists_every_ticket_when_opening_admin(backoffice, tickets):
    html = client_for(backoffice).get(reverse(TICKETS)).content.decode()
    assert "Router sin señal" in html and "Del equipo Norte" in html


def test_admin_search_and_filter_find_tickets_when_used(admin_user, tickets):
    client = client_for(admin_user)
    html = client.get(reverse(TICKETS), {"q": "Norte"}).content.decode()
    assert "Del equipo Norte" in html and "Router sin señal" not in html
    html = client.get(reverse(TICKETS), {"priority__exact": "critical"}).content.decode()
    assert "Router sin señal" in html and "Del equipo Norte" not in html


def test_agent_has_no_ticket_admin_when_opening_it(agent, tickets):
    response = client_for(agent).get(reverse(TICKETS))
    assert response.status_code in (302, 403)


def test_supervisor_adds_a_category_routed_to_their_team_when_posting(supervisor, team):
    response = client_for(supervisor).post(reverse("admin:tickets_ticketcategory_add"), {
        "name": "Reclamos", "team": str(team.pk), "default_priority": "high", "is_active": "on"})
    assert response.status_code == 302
    category = TicketCategory.objects.get(name="Reclamos")
    assert (category.team_id, category.default_priority) == (team.pk, "high")


def test_supervisor_cannot_edit_sla_policies_when_posting(supervisor):
    policy = SlaPolicy.objects.get(priority="critical")
    client_for(supervisor).post(reverse("admin:tickets_slapolicy_change", args=[policy.pk]), {
        "first_response_minutes": "5", "resolution_minutes": "60", "warning_percent": "50"})
    policy.refresh_from_db()
    assert policy.first_response_minutes == 30  # the promise to customers is the admins' to set


def test_supervisor_reads_the_sla_policies_when_opened(supervisor):
    policy = SlaPolicy.objects.get(priority="critical")
    client = client_for(supervisor)
    assert "30 min" in client.get(reverse("admin:tickets_slapolicy_changelist")).content.decode()
    html = client.get(reverse("admin:tickets_slapolicy_change", args=[policy.pk])).content.decode()
    assert 'name="_save"' not in html and 'name="first_response_minutes"' not in html


def test_sla_policies_list_their_times_in_words_when_opened(admin_user):
    html = client_for(admin_user).get(reverse("admin:tickets_slapolicy_changelist")).content.decode()
    assert "30 min" in html and "8 h" in html and "3 d" in html  # migration 0002's critical and medium


def test_admin_edits_an_sla_policy_but_never_deletes_it_when_posting(admin_user):
    policy = SlaPolicy.objects.get(priority="critical")
    client = client_for(admin_user)
    response = client.post(reverse("admin:tickets_slapolicy_change", args=[policy.pk]), {
        "first_response_minutes": "15", "resolution_minutes": "240", "warning_percent": "75"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.priority, policy.first_response_minutes, policy.resolution_minutes) == ("critical", 15, 240)
    assert client.post(reverse("admin:tickets_slapolicy_delete", args=[policy.pk]), {"post": "yes"}
                       ).status_code == 403
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()
