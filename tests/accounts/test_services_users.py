"""user_create() holds passwords to AUTH_PASSWORD_VALIDATORS, like Django's own forms."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts.models import Role, User
from accounts.services import user_create
from demo.management.commands.seed_demo import DEMO_USERS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("password", ["1234", "12345678901", "password123", "rosaquispe1", "Rosa-Quispe"])
def test_a_weak_password_is_refused_with_the_reasons_and_no_user_is_created(password):
    with pytest.raises(ValidationError) as caught:
        user_create(username="rosaquispe1", password=password, role=Role.AGENT, first_name="Rosa",
                    last_name="Quispe")
    assert list(caught.value.message_dict) == ["password"] and caught.value.message_dict["password"]
    assert not User.objects.filter(username="rosaquispe1").exists()


def test_the_reasons_are_in_spanish(settings):
    settings.LANGUAGE_CODE = "es"
    with pytest.raises(ValidationError) as caught:
        user_create(username="luis", password="1234", role=Role.AGENT)
    assert "contraseña" in " ".join(caught.value.message_dict["password"]).lower()


@pytest.mark.parametrize("password", ["pass-for-tests-123", "agente-demo-2026"])
def test_the_test_and_demo_passwords_pass(password):
    user = user_create(username="agente9", password=password, role=Role.AGENT, first_name="Agente")
    assert user.check_password(password)


def test_seed_demo_still_creates_its_logins(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    call_command("seed_demo", "--contacts", "3", "--no-history", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    for demo in DEMO_USERS:
        assert User.objects.get(username=demo.username).check_password(demo.password)
