import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.two_factor.testing import client_two_factor_pass
from leads.models import Contact, Lead
from operators.models import Operator, Product

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "operators": Operator.objects.count(),
        "products": Product.objects.count(),
        "contacts": Contact.objects.count(),
        "leads": Lead.objects.count(),
    }


def test_seed_demo_twice_gives_the_same_counts(capsys):
    call_command("seed_demo", "--contacts", "60")
    first = counts()
    call_command("seed_demo", "--contacts", "60")
    assert counts() == first
    assert first["contacts"] == first["leads"] == 60
    assert first["operators"] == 4
    out = capsys.readouterr().out
    assert "supervisor" in out and "supervisor-demo-2026" in out
    assert "two-step verification" in out


def test_seed_demo_spreads_leads_over_every_temperature_and_has_the_catalog():
    call_command("seed_demo", "--contacts", "60")
    assert set(Lead.objects.values_list("classification", flat=True)) == {"HOT", "WARM", "COLD"}
    assert set(Operator.objects.values_list("name", flat=True)) == {"Claro", "Movistar", "Entel", "Bitel"}
    names = set(Product.objects.values_list("name", flat=True))
    assert {"Internet Hogar 50 Mbps Claro", "Internet Hogar 200 Mbps Bitel", "Plan Móvil 20 GB Entel",
            "iPhone 15 Pro 512 GB Titanio Natural", "Cargador USB-C 20W"} <= names
    assert set(User.objects.values_list("role", flat=True)) == {"agent", "backoffice", "supervisor", "admin"}


def test_seeded_supervisor_logs_in_and_reaches_admin(client):
    call_command("seed_demo", "--contacts", "5")
    response = client.post("/accounts/login/", {"username": "supervisor", "password": "supervisor-demo-2026",
                                                 "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/setup/"  # first login
    supervisor = User.objects.get(username="supervisor")
    client_two_factor_pass(client, supervisor)  # scan, confirm with a code, then the recovery codes
    assert client.get("/admin/").status_code == 200
    assert supervisor.groups.filter(name="supervisor").exists()
