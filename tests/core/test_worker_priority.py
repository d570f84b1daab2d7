"""Workers take only the CPU the web processes leave: a webhook's acknowledgement never waits behind processing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from core.priority import cpu_priority, worker_cpu_priority_apply

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def _in_a_child(code: str) -> str:
    """Run ``code`` in a fresh Python (priorities cannot be raised again once lowered)."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,  # noqa: S603
                          check=True)
    return done.stdout.strip()


def test_idle_priority_is_taken_and_inherited_by_the_processes_forked_after():
    out = _in_a_child(
        "import os\n"
        "from core.priority import worker_cpu_priority_apply, cpu_priority\n"
        "print(cpu_priority(), worker_cpu_priority_apply('idle'), cpu_priority())\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    print('child', cpu_priority(), flush=True); os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
    )
    assert out.splitlines() == ["normal idle idle", "child idle"]


def test_low_is_nice_19_and_normal_changes_nothing():
    assert _in_a_child("from core.priority import worker_cpu_priority_apply as a, cpu_priority as c; "
                       "print(a('low'), c())") == "low low"
    assert _in_a_child("from core.priority import worker_cpu_priority_apply as a, cpu_priority as c; "
                       "print(a('normal'), c())") == "normal normal"


def test_an_unknown_priority_is_refused_with_the_values_it_takes():
    with pytest.raises(ValueError, match="idle, low, normal"):
        worker_cpu_priority_apply("fast")
    assert cpu_priority() == "normal"  # and this (web-like) process was left alone


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in found.read_text().split()] if found.exists() else []


@pytest.mark.redis
def test_a_celery_worker_and_its_pool_run_at_idle_priority_with_a_frozen_heap_when_started_as_deployed():
    queue = f"priority-test-{uuid.uuid4().hex[:8]}"  # consumes nobody else's tasks
    env = {**os.environ, "REDIS_URL": settings.REDIS_URL, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("WORKER_CPU_PRIORITY", None)  # the default
    worker = subprocess.Popen(  # noqa: S603 - our own binary and arguments
        [str(CELERY), "-A", "config", "worker", "-Q", queue, "--concurrency", "2", "--pool", "prefork",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        assert worker.stdout is not None
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            if not line:
                break
            lines.append(line)
            if " ready." in line:
                break
        log = "".join(lines)
        assert "Worker CPU priority: idle" in log, log[-2000:]
        frozen = re.search(r"Worker heap frozen: (\d+) objects", log)
        assert frozen and int(frozen.group(1)) > 100_000, log[-2000:]  # core/heap.py: before the pool forks
        pool = _children(worker.pid)
        assert len(pool) == 2, log[-2000:]
        assert [cpu_priority(pid) for pid in (worker.pid, *pool)] == ["idle", "idle", "idle"]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
