"""A real broker for the hand-over tests: a ``redis-server`` of the test's own, and Celery pointed at it.

The broker is real: a ``redis-server`` on a spare port, killed and started again as an outage would (Redis
keeps nothing on disk here, as in docker-compose, so a restart empties its queues); "down" is a port nobody
listens on. What a worker would do is done by taking the queued tasks out of Redis and running them. The
``own_redis`` fixture (tests/conftest.py) gives each test its own server.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Iterator

import redis
from celery import current_app

from tests.conftest import celery_eager


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A redis-server of this test alone, with no persistence (what a restart loses is lost)."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.client = redis.Redis(port=self.port, socket_timeout=2)

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.ConnectionError):
                if self.client.ping():
                    return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def _queued(self, queue: str) -> list[tuple[str, list]]:
        tasks = []
        for raw in self.client.lrange(queue, 0, -1):
            message = json.loads(raw)
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            tasks.append((message["headers"]["task"], args))
        return tasks

    def queued_event_ids(self, queue: str = "inbound", task: str = "conversations.tasks.process_webhook_event"
                         ) -> list[int]:
        """The event ids of the ``task`` tasks waiting in ``queue`` (kombu's JSON)."""
        return sorted(args[0] for name, args in self._queued(queue) if name == task)

    def work(self, queue: str = "inbound") -> int:
        """Be the worker of ``queue``: run every queued task (the task's own code, in this process)."""
        ran = 0
        while (raw := self.client.rpop(queue)) is not None:
            message = json.loads(raw)
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            current_app.tasks[message["headers"]["task"]].apply(args=args)
            ran += 1
        return ran


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Celery publishes to ``url`` (workers' mode, not eager) for the block, then as Django's settings say.

    The app keeps one producer pool per broker; it is dropped so that the next publish opens the new one.
    """
    app = current_app
    changes = app.conf.changes
    had, old = "broker_url" in changes, changes.get("broker_url")

    def forget_pools() -> None:
        app.amqp._producer_pool = None  # noqa: SLF001 - no public way to point a live app at another broker
        app._pool = None  # noqa: SLF001

    app.conf.broker_url = url
    forget_pools()
    try:
        with celery_eager(False):
            yield
    finally:
        if had:
            changes["broker_url"] = old
        else:
            changes.pop("broker_url", None)
        forget_pools()


def reads_backlog_of(server: OwnRedis, settings) -> None:  # type: ignore[no-untyped-def]
    """The sweep reads the queue's length from the broker of Django's settings (core/queues.py)."""
    settings.CELERY_BROKER_URL = server.url
    settings.CELERY_TASK_ALWAYS_EAGER = False


def closed_port_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"
