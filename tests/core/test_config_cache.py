"""The per-process configuration cache (core.config_cache): snapshots kept in memory, dropped by any change
to their tables here at once, in other processes through the shared generation, and never keeping what a
rolled-back transaction wrote."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction

from accounts.models import Team, User
from core import config_cache
from core.config_cache import (
    SHARED_KEY,
    config_cache_clear,
    config_cache_keys,
    config_cached,
    config_invalidate,
    config_invalidate_on,
)

KEY = "tests.core.team_names"
USER_KEY = "tests.core.user_groups"


@dataclass(frozen=True)
class TeamNames:
    names: tuple[str, ...]


def load_teams() -> TeamNames:
    return TeamNames(tuple(Team.objects.order_by("name").values_list("name", flat=True)))


def team_names() -> TeamNames:
    return config_cached(KEY, load_teams)


config_invalidate_on(KEY, Team, ignore_update_fields=("updated_at",))


def load_user_groups() -> tuple[tuple[str, str], ...]:
    return tuple(User.groups.through.objects.order_by("pk").values_list("user__username", "group__name"))


config_invalidate_on(USER_KEY, User)

GROUP_KEY = "tests.core.groups"


def load_groups() -> tuple[str, ...]:
    return tuple(Group.objects.order_by("name").values_list("name", flat=True))


config_invalidate_on(GROUP_KEY, Group)


@pytest.fixture
def teams(db, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Two teams, committed as far as the cache can tell (their commit callbacks ran)."""
    with django_capture_on_commit_callbacks(execute=True):
        north = Team.objects.create(name="Norte")
        Team.objects.create(name="Sur")
    return north


def shared_generation() -> int:
    return cache.get(SHARED_KEY) or 0


def test_second_read_makes_no_query_when_nothing_changed(teams, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = team_names()
    with django_assert_num_queries(0):
        second = team_names()
    assert second == first
    assert "Norte" in first.names and "Sur" in first.names
    assert KEY in config_cache_keys()


def test_snapshot_cannot_be_changed_by_a_caller(teams):
    snapshot = team_names()
    with pytest.raises(FrozenInstanceError):
        snapshot.names = ()  # type: ignore[misc]


def test_save_through_the_orm_is_seen_at_once_in_the_same_process(teams, django_assert_num_queries):
    team_names()
    teams.name = "Norte Grande"
    teams.save()
    with django_assert_num_queries(1):
        assert "Norte Grande" in team_names().names


def test_delete_is_seen_at_once_in_the_same_process(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        group = Group.objects.create(name="temporal")
    assert "temporal" in config_cached(GROUP_KEY, load_groups)
    group.delete()
    assert "temporal" not in config_cached(GROUP_KEY, load_groups)


def test_save_of_only_bookkeeping_fields_keeps_the_snapshot(teams, django_assert_num_queries):
    team_names()
    teams.save(update_fields=["updated_at"])
    with django_assert_num_queries(0):
        team_names()


def test_many_to_many_change_invalidates(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = User.objects.create(username="ana")
        group = Group.objects.create(name="vendedores")
    assert config_cached(USER_KEY, load_user_groups) == ()
    user.groups.add(group)
    assert config_cached(USER_KEY, load_user_groups) == (("ana", "vendedores"),)


def test_shared_generation_goes_up_only_at_commit(teams, django_capture_on_commit_callbacks):
    before = shared_generation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Team.objects.create(name="Centro")
        assert shared_generation() == before  # not committed yet: the other processes keep theirs
    assert callbacks
    for callback in callbacks:
        callback()
    assert shared_generation() == before + 1


def test_another_process_reloads_when_the_shared_generation_moves(teams, settings, django_assert_num_queries):
    settings.CONFIG_CACHE_CHECK_SECONDS = 3600
    team_names()
    # Another process changed a team and bumped the shared generation; our rows changed without our signals.
    Team.objects.filter(pk=teams.pk).update(name="Cambiado en otro proceso")
    cache.set(SHARED_KEY, shared_generation() + 1, timeout=None)
    with django_assert_num_queries(0):
        assert "Norte" in team_names().names  # not looked at before the interval passes
    settings.CONFIG_CACHE_CHECK_SECONDS = 0
    with django_assert_num_queries(1):
        assert "Cambiado en otro proceso" in team_names().names
    with django_assert_num_queries(0):
        team_names()


def test_a_fresh_process_sees_the_committed_change_of_another(teams, django_capture_on_commit_callbacks):
    team_names()
    with django_capture_on_commit_callbacks(execute=True):
        Team.objects.filter(pk=teams.pk).update(name="Norte Nuevo")
        config_invalidate(KEY)  # what code that writes without signals does
    config_cache_clear()  # another process: nothing local, the same shared generation
    assert "Norte Nuevo" in team_names().names


def test_entries_expire_after_their_max_age(teams, settings, django_assert_num_queries):
    team_names()
    Team.objects.filter(pk=teams.pk).update(name="Sin señal")  # no signal: only the age can heal it
    with django_assert_num_queries(0):
        assert "Norte" in team_names().names
    settings.CONFIG_CACHE_MAX_AGE_SECONDS = 0
    with django_assert_num_queries(1):
        assert "Sin señal" in team_names().names


def test_value_read_inside_a_rolled_back_change_is_not_kept(teams, django_assert_num_queries):
    team_names()
    with pytest.raises(RuntimeError), transaction.atomic():
        Team.objects.create(name="Fantasma")
        assert "Fantasma" in team_names().names  # this transaction sees its own change...
        assert KEY not in config_cache_keys()  # ...but it is not kept for anyone else
        raise RuntimeError("rolled back")
    assert "Fantasma" not in team_names().names


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_leaves_the_cache_usable():
    Team.objects.create(name="Este")
    team_names()
    with pytest.raises(RuntimeError), transaction.atomic():
        Team.objects.create(name="Fantasma")
        assert "Fantasma" in team_names().names
        raise RuntimeError("rolled back")
    assert team_names().names == ("Este",)
    assert KEY in config_cache_keys()  # stored again once no change is pending


@pytest.mark.django_db(transaction=True)
def test_committed_change_outside_a_test_transaction_reaches_everyone():
    before = shared_generation()
    team_names()
    with transaction.atomic():
        Team.objects.create(name="Oeste")
    assert shared_generation() == before + 1
    assert "Oeste" in team_names().names


def test_cache_can_be_turned_off(teams, settings, django_assert_num_queries):
    settings.CONFIG_CACHE_ENABLED = False
    with django_assert_num_queries(2):
        team_names()
        team_names()


def test_reads_go_on_when_the_shared_cache_is_down(teams, monkeypatch, django_assert_num_queries):
    class Down:
        def get(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise ConnectionError("redis down")

        add = incr = get

    monkeypatch.setattr(config_cache, "cache", Down())
    assert "Norte" in team_names().names
    with django_assert_num_queries(0):
        team_names()
    teams.name = "Norte Caído"
    teams.save()  # the bump fails (logged); this process still drops its copy
    assert "Norte Caído" in team_names().names


def test_migrate_makes_every_process_reload(teams):
    from django.core.management import call_command

    team_names()
    before = shared_generation()
    call_command("migrate", verbosity=0)
    assert shared_generation() > before
    assert KEY not in config_cache_keys()
