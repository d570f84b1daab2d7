"""The back office: every page renders, the bulk actions do what they say, lists stay cheap."""

import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from leads.models import Lead
from leads.services import lead_create
from tests.leads.factories import ContactFactory
from tests.operators.factories import ProductFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def some_data(agent):
    for i in range(3):
        lead_create(actor=None, contact=ContactFactory(), assignee=agent, product=ProductFactory(),
                    budget=Decimal(100 + i))


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_every_changelist_and_add_page_renders_for_admin(staff_client, some_data, app_label, model_name):
    changelist = staff_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert changelist.status_code == 200
    model_admin = admin.site._registry[next(m for m in admin.site._registry if m._meta.model_name == model_name
                                             and m._meta.app_label == app_label)]
    add = staff_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    expected = 200 if model_admin.has_add_permission(add.wsgi_request) else 403
    assert add.status_code == expected


def test_lead_changelist_shows_badges_score_bars_and_filters(staff_client, some_data):
    response = staff_client.get(reverse("admin:leads_lead_changelist") + "?classification__exact=WARM")
    html = response.content.decode()
    assert "crm-badge" in html and "crm-progress" in html
    assert response.context["cl"].result_count == 3


def test_lead_change_page_renders_with_breakdown(staff_client, some_data):
    lead = Lead.objects.first()
    response = staff_client.get(reverse("admin:leads_lead_change", args=[lead.pk]))
    assert response.status_code == 200
    assert "+30" in response.content.decode()


def test_admin_search_finds_products_without_accents(staff_client):
    ProductFactory(name="Cargador USB-C 20W")
    ProductFactory(name="Plan Móvil 10 GB")
    response = staff_client.get(reverse("admin:operators_product_changelist") + "?q=CARGADÓR")
    assert [p.name for p in response.context["cl"].result_list] == ["Cargador USB-C 20W"]


def test_lead_changelist_query_count_does_not_grow_with_rows(staff_client, agent):
    url = reverse("admin:leads_lead_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(url).status_code == 200
        return len(ctx)

    lead_create(actor=None, contact=ContactFactory(), assignee=agent, product=ProductFactory())
    few = queries()
    for _ in range(25):
        lead_create(actor=None, contact=ContactFactory(), assignee=agent, product=ProductFactory())
    assert queries() == few


def test_export_selection_to_excel_gives_a_workbook_of_the_selected_rows(staff_client, some_data):
    pks = list(Lead.objects.values_list("pk", flat=True)[:2])
    response = staff_client.post(
        reverse("admin:leads_lead_changelist"), {"action": "export_excel", "_selected_action": pks}
    )
    assert response.status_code == 200
    assert "leads.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 3  # header + 2
    assert {row[0] for row in rows[1:]} == set(pks)


def test_bulk_assign_asks_for_the_assignee_then_assigns(staff_client, some_data, other_agent):
    pks = list(Lead.objects.values_list("pk", flat=True))
    url = reverse("admin:leads_lead_changelist")
    form = staff_client.post(url, {"action": "assign", "_selected_action": pks})
    assert form.status_code == 200 and b'name="assignee"' in form.content
    done = staff_client.post(url, {"action": "assign", "_selected_action": pks, "apply": "1",
                                   "assignee": other_agent.pk})
    assert done.status_code == 302
    assert set(Lead.objects.values_list("assignee", flat=True)) == {other_agent.pk}


def test_bulk_status_change_refuses_lost_without_reason(staff_client, some_data):
    pks = list(Lead.objects.values_list("pk", flat=True))
    url = reverse("admin:leads_lead_changelist")
    staff_client.post(url, {"action": "change_status", "_selected_action": pks, "apply": "1", "status": "lost"})
    assert not Lead.objects.filter(status="lost").exists()
    staff_client.post(url, {"action": "change_status", "_selected_action": pks, "apply": "1", "status": "lost",
                            "lost_reason": "Sin cobertura"})
    assert Lead.objects.filter(status="lost", lost_reason="Sin cobertura").count() == 3


def test_bulk_rescore_applies_edited_weights(staff_client, some_data):
    from leads.models import ScoringRule

    ScoringRule.objects.filter(factor="budget").update(points=0)
    pks = list(Lead.objects.values_list("pk", flat=True))
    staff_client.post(reverse("admin:leads_lead_changelist"), {"action": "rescore", "_selected_action": pks})
    assert set(Lead.objects.values_list("score", flat=True)) == {30}


def test_agent_is_kept_out_of_admin(client, agent):
    client.force_login(agent)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403
    assert "back office" in response.content.decode().lower()


def test_supervisor_sees_only_team_leads_in_admin(client, supervisor, agent, other_agent):
    lead_create(actor=None, contact=ContactFactory(), assignee=agent)
    lead_create(actor=None, contact=ContactFactory(), assignee=other_agent)
    client.force_login(supervisor)
    response = client.get(reverse("admin:leads_lead_changelist"))
    assert response.status_code == 200
    assert [lead.assignee for lead in response.context["cl"].result_list] == [agent]


def test_admin_contact_form_normalises_and_rejects_phones(staff_client):
    url = reverse("admin:leads_contact_add")
    base = {"name": "Rosa", "customer_type": "retail", "extra_phones": "[]", "tags": "[]",
            "leads-TOTAL_FORMS": "0", "leads-INITIAL_FORMS": "0"}
    bad = staff_client.post(url, {**base, "phone": "12"})
    assert bad.status_code == 200 and not bad.context["adminform"].form.is_valid()
    ok = staff_client.post(url, {**base, "phone": "987 654 321"})
    assert ok.status_code == 302
    from leads.models import Contact

    assert Contact.objects.get().phone == "+51987654321"
