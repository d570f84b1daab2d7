"""A per-second send budget shared by every worker (through the cache: Redis when distributed)."""

from __future__ import annotations

import time

from django.core.cache import cache


def acquire(key: str, *, per_second: int, wait_seconds: float = 2.0) -> bool:
    """Take one slot of ``key``'s budget for the current second, waiting up to ``wait_seconds``."""
    deadline = time.monotonic() + wait_seconds
    while True:
        window = int(time.time())
        slot = f"ratelimit:{key}:{window}"
        cache.add(slot, 0, timeout=5)
        try:
            used = cache.incr(slot)
        except ValueError:  # expired between add and incr
            continue
        if used <= per_second:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(max(0.01, window + 1 - time.time()))
