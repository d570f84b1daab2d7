"""The CPU priority of the background workers: the web processes first, by construction.

A webhook is acknowledged by the web process; everything after (inbound, AI, sends, bulk jobs) runs in Celery
workers. On shared cores a busy worker would make the acknowledgement wait behind processing, and a provider
that waits too long delivers again. So each worker lowers its own priority when it starts, before it forks its
pool: with ``idle`` (the default) the kernel gives the workers only the CPU time the web processes leave
(Linux ``SCHED_IDLE``; ``nice 19`` where that policy does not exist); ``low`` is ``nice 19``; ``normal`` leaves
the worker as it was started. The pool's processes inherit the policy. A deployment that runs the workers on
other machines or containers with their own CPU share (``WORKER_CPU_PRIORITY=normal``) keeps the same order by
giving the web containers the larger share (see the README, "Scaling out").
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger("crm.runtime")

POLICIES = ("idle", "low", "normal")


def _nice_19() -> str:
    os.nice(19 - os.nice(0))
    return "low"


def worker_cpu_priority_apply(policy: str) -> str:
    """Lower this process's CPU priority to ``policy`` (one of :data:`POLICIES`); processes it forks later
    inherit it. Returns the priority in force: ``idle``, ``low`` or ``normal``."""
    if policy not in POLICIES:
        raise ValueError(f"WORKER_CPU_PRIORITY must be one of {', '.join(POLICIES)}, not {policy!r}")
    if policy == "normal":
        return "normal"
    if policy == "idle" and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:  # a sandbox that forbids it: the nearest thing
            return _nice_19()
        return "idle"
    return _nice_19()


def cpu_priority(pid: int = 0) -> str:
    """The priority process ``pid`` (0: this one) runs at, as :func:`worker_cpu_priority_apply` names them."""
    if hasattr(os, "SCHED_IDLE") and os.sched_getscheduler(pid) == os.SCHED_IDLE:
        return "idle"
    return "low" if os.getpriority(os.PRIO_PROCESS, pid) >= 19 else "normal"  # noqa: PLR2004 - nice's floor
