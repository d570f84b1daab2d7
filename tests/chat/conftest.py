"""People of the chat tests, besides the root personas (supervisora and agente of Equipo Lima, otro_agente of
Equipo Norte, backoffice, administradora): a second agent of Lima, so two people of one team can DM."""

from __future__ import annotations

import pytest

from accounts.models import Role, Team, User
from conftest import make_user


@pytest.fixture
def mate(team: Team, supervisor: User) -> User:
    """Another agent of the supervisor's team."""
    return make_user("marco", Role.AGENT, team)


@pytest.fixture
def other_supervisor(other_team: Team) -> User:
    user = make_user("supervisor_norte", Role.SUPERVISOR, other_team)
    other_team.supervisor = user
    other_team.save()
    return user
