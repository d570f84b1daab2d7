"""Load generator of ``bench/webhooks.py``: fires a prepared plan of HTTP POSTs open-loop and times them.

Not meant to be run by hand; ``bench/webhooks.py`` starts it as a separate process::

    .venv/bin/python bench/_webhook_load.py PLAN.json RESULT.json

The plan (JSON) holds ``base_url``, ``connections``, ``timeout`` (seconds), ``warmup`` (requests sent first,
one by one, not timed) and ``requests``: ``[offset_s, path, body, headers, expect]`` each. Request ``i`` is
due at ``t0 + offset_s`` whatever happened to the earlier ones (open loop: a slow server does not slow the
sender down): it is then queued for the next of ``connections`` keep-alive HTTP/1.1 connections of one
``httpx.AsyncClient`` that is free (a FIFO of our own: httpx's pool gets slow with thousands waiting). A
request that waited ``timeout`` s for a connection is given up unsent, as a provider would give up; one
that was sent has ``timeout`` s for each step (connect, write, read). The bodies and their signatures are
built beforehand by the parent, so the loop here only sends bytes.

The result (JSON) holds, per request, ``[wait_ms, service_ms, status, body_ok]``: ``wait_ms`` from the
moment it was due to the moment it left on a connection (the sender's own lag included), ``service_ms``
from then to the full response, ``status`` the HTTP status, or 0 when it was given up unsent and -1 for a
transport error or timeout after it left (it may have reached the server), ``body_ok`` whether the answer
contains ``expect``. It also reports the sender's own CPU time, to tell whether the sender kept up.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import httpx

Request = list[Any]  # [offset_s, path, body, headers, expect]
Outcome = list[Any]  # [wait_ms, service_ms, status, body_ok]


async def _send(client: httpx.AsyncClient, request: Request, due: float, timeout: float,
                errors: dict[str, int]) -> Outcome:
    _offset, path, body, headers, expect = request
    started = time.perf_counter()
    if started - due > timeout:
        return [round((started - due) * 1000, 3), 0.0, 0, False]
    try:
        response = await client.post(path, content=body.encode("utf-8"), headers=headers)
        status = response.status_code
        body_ok = expect in response.text
    except httpx.HTTPError as exc:
        status, body_ok = -1, False
        errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
    ended = time.perf_counter()
    return [round((started - due) * 1000, 3), round((ended - started) * 1000, 3), status, body_ok]


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    requests: list[Request] = plan["requests"]
    connections: int = plan["connections"]
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    out: list[Outcome | None] = [None] * len(requests)
    errors: dict[str, int] = {}
    due_queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    timeout = httpx.Timeout(plan["timeout"])
    async with httpx.AsyncClient(base_url=plan["base_url"], limits=limits, timeout=timeout) as client:
        warmup_statuses = []
        for _offset, path, body, headers, _expect in plan["warmup"]:
            response = await client.post(path, content=body.encode("utf-8"), headers=headers)
            warmup_statuses.append(response.status_code)

        async def connection_worker() -> None:
            while (item := await due_queue.get()) is not None:
                index, due = item
                out[index] = await _send(client, requests[index], due, plan["timeout"], errors)

        workers = [asyncio.create_task(connection_worker()) for _ in range(connections)]
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        loop_start = time.perf_counter() + 0.05
        wall_start = time.time() + 0.05
        for index, request in enumerate(requests):
            due = loop_start + request[0]
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            due_queue.put_nowait((index, due))
        sent_done = time.perf_counter()
        for _ in workers:
            due_queue.put_nowait(None)
        await asyncio.gather(*workers)
        all_done = time.perf_counter()
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {
        "outcomes": out,
        "errors": errors,
        "warmup_statuses": warmup_statuses,
        "wall_start": wall_start,
        "send_seconds": round(sent_done - loop_start, 3),
        "total_seconds": round(all_done - loop_start, 3),
        "cpu_seconds": round(cpu, 3),
    }


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    plan = json.loads(Path(sys.argv[1]).read_text())
    result = asyncio.run(run(plan))
    Path(sys.argv[2]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
