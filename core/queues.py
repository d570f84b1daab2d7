"""How far behind a Celery queue is, and a way for less urgent work to let it catch up.

The AI step and the inbound step share the machine's cores. When a spike of webhooks puts the
``inbound`` queue behind, new messages reaching the agents' panel matter more than the AI's answers,
which read the whole burst anyway once it runs (``conversations/services/assistant/bursts.py``). So an AI
task whose message needs an answer first waits, sleeping, while the inbound backlog is over
``AI_YIELD_BACKLOG``, at most ``AI_YIELD_MAX_SECONDS``; lines that came in meanwhile take the answer
over. In a spike longer than the machine can carry both, the AI answers late (it catches up fast
afterwards: one answer per customer) rather than slow down the live panel. Its worker (``worker-ai``
in docker-compose) runs only the ``ai`` queue, so a waiting AI task never holds up a send.
"""

from __future__ import annotations

import logging
import time
from functools import cache

from django.conf import settings

logger = logging.getLogger(__name__)

# kombu's Redis transport keeps a queue as one list per priority step: the name, then name + sep + step.
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


@cache
def _broker(url: str):  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def queue_backlog(queue: str) -> int | None:
    """Tasks waiting in ``queue`` (not yet taken by a worker); None without a Redis broker."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")) or settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    client = _broker(url)
    try:
        with client.pipeline(transaction=False) as pipe:
            for key in (queue, *(f"{queue}{_PRIORITY_SEP}{step}" for step in _PRIORITY_STEPS)):
                pipe.llen(key)
            return sum(pipe.execute())
    except Exception:  # noqa: BLE001 - a broker hiccup must not stop the work that asked
        logger.warning("could not read the length of queue %s", queue, exc_info=True)
        return None


def wait_while_backlogged(queue: str, *, threshold: int, max_seconds: float, poll: float = 0.2) -> float:
    """Sleep while more than ``threshold`` tasks wait in ``queue``, up to ``max_seconds``; the seconds
    slept (0.0 when it went on at once)."""
    started = time.monotonic()
    slept = False
    while True:
        waited = time.monotonic() - started
        if waited >= max_seconds:
            break
        backlog = queue_backlog(queue)
        if backlog is None or backlog <= threshold:
            break
        time.sleep(min(poll, max_seconds - waited))
        slept = True
    return time.monotonic() - started if slept else 0.0
