import time_machine
from django.core.cache import cache

from core.ratelimit import acquire


@time_machine.travel("2026-11-22 10:00:00", tick=False)
def test_budget_per_second_is_shared_and_refuses_beyond_it():
    cache.clear()
    assert [acquire("send:1", per_second=2, wait_seconds=0) for _ in range(3)] == [True, True, False]
    assert acquire("send:2", per_second=2, wait_seconds=0) is True  # another sender has its own budget


def test_the_next_second_brings_a_new_budget():
    cache.clear()
    with time_machine.travel("2026-11-22 10:00:00", tick=False) as traveller:
        assert acquire("send:3", per_second=1, wait_seconds=0)
        assert not acquire("send:3", per_second=1, wait_seconds=0)
        traveller.shift(1)
        assert acquire("send:3", per_second=1, wait_seconds=0)
