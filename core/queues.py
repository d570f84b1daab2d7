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

# The queues the workers of docker-compose consume (config/settings.py CELERY_TASK_ROUTES): what an operator
# watches to know which worker to add (README, "Scaling out").
WORKER_QUEUES = ("inbound", "ai", "outbound", "default", "bulk")

# kombu's Redis transport keeps a queue as one list per priority step: the name, then name + sep + step.
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


@cache
def _broker(url: str):  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _keys(queue: str) -> tuple[str, ...]:
    return (queue, *(f"{queue}{_PRIORITY_SEP}{step}" for step in _PRIORITY_STEPS))


def _backlogs(queues: tuple[str, ...]) -> dict[str, int | None]:
    """Tasks waiting in each queue, in one round trip; ``None`` each without a Redis broker or when it fails."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")) or settings.CELERY_TASK_ALWAYS_EAGER:
        return dict.fromkeys(queues)
    try:
        with _broker(url).pipeline(transaction=False) as pipe:
            for queue in queues:
                for key in _keys(queue):
                    pipe.llen(key)
            lengths = pipe.execute()
    except Exception:  # noqa: BLE001 - a broker hiccup must not stop the work that asked
        logger.warning("could not read the length of queue %s", ", ".join(queues), exc_info=True)
        return dict.fromkeys(queues)
    per_queue = len(_PRIORITY_STEPS) + 1
    return {queue: sum(lengths[i * per_queue:(i + 1) * per_queue]) for i, queue in enumerate(queues)}


def queue_backlog(queue: str) -> int | None:
    """Tasks waiting in ``queue`` (not yet taken by a worker); None without a Redis broker."""
    return _backlogs((queue,))[queue]


def queue_backlogs() -> dict[str, int | None]:
    """Tasks waiting in each of :data:`WORKER_QUEUES` (``None`` each without a Redis broker)."""
    return _backlogs(WORKER_QUEUES)


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
