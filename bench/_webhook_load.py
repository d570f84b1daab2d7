"""Load generator of ``bench/webhooks.py``: fires a prepared plan of HTTP POSTs open-loop and times them.

Not meant to be run by hand; ``bench/webhooks.py`` starts it as a separate process::

    .venv/bin/python bench/_webhook_load.py PLAN.json RESULT.json

The plan (JSON) holds ``base_url``, ``connections``, ``timeout`` (seconds), ``warmup`` (requests sent first,
one by one, not timed) and ``requests``: ``[offset_s, path, body, headers, expect]`` each. Request ``i`` is
due at ``t0 + offset_s`` whatever happened to the earlier ones (open loop: a slow server does not slow the
sender down): it is then queued for the next of ``connections`` keep-alive HTTP/1.1 connections that is
free (a FIFO of our own; each connection a minimal client on asyncio streams and uvloop, so the sender
takes as little as it can of the CPU it shares with the server under test). A
request that waited ``timeout`` s for a connection is given up unsent, as a provider would give up; one
that was sent has ``timeout`` s for each step (connect, write, read). The bodies and their signatures are
built beforehand by the parent and encoded as HTTP before the timed loop, so the loop only sends bytes.

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
from urllib.parse import urlsplit

Request = list[Any]  # [offset_s, path, body, headers, expect]
Outcome = list[Any]  # [wait_ms, service_ms, status, body_ok]


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just what the benchmark needs: a POST with a body,
    a response with ``Content-Length``. Cheaper per request than a general client, so the sender takes
    less of the CPU it shares with the server under test."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes, timeout: float) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), timeout)
        assert self.reader is not None
        self.writer.write(raw)
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), timeout)
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await asyncio.wait_for(self.reader.readexactly(length), timeout) if length else b""
        if b"connection: close" in head.lower():
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer = None


def encode(request: Request, host: str) -> bytes:
    _offset, path, body, headers, _expect = request
    payload = body.encode("utf-8")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(payload)}",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


async def _send(connection: Connection, raw: bytes, expect: bytes, due: float, timeout: float,
                errors: dict[str, int]) -> Outcome:
    started = time.perf_counter()
    if started - due > timeout:
        return [round((started - due) * 1000, 3), 0.0, 0, False]
    try:
        status, body = await connection.request(raw, timeout)
        body_ok = expect in body
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
        connection.close()
        status, body_ok = -1, False
        errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
    ended = time.perf_counter()
    return [round((started - due) * 1000, 3), round((ended - started) * 1000, 3), status, body_ok]


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    requests: list[Request] = plan["requests"]
    connections: int = plan["connections"]
    target = urlsplit(plan["base_url"])
    host, port = target.hostname or "127.0.0.1", target.port or 80
    netloc = target.netloc
    raws = [encode(request, netloc) for request in requests]
    expects = [request[4].encode() for request in requests]
    out: list[Outcome | None] = [None] * len(requests)
    errors: dict[str, int] = {}
    due_queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    timeout = float(plan["timeout"])
    warmup_statuses = []
    first = Connection(host, port)
    for request in plan["warmup"]:
        status, _body = await first.request(encode(request, netloc), timeout)
        warmup_statuses.append(status)
    first.close()

    async def connection_worker() -> None:
        connection = Connection(host, port)
        while (item := await due_queue.get()) is not None:
            index, due = item
            out[index] = await _send(connection, raws[index], expects[index], due, timeout, errors)
        connection.close()

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
    try:
        import uvloop  # installed with uvicorn[standard]; a cheaper loop for the sender too
    except ImportError:
        result = asyncio.run(run(plan))
    else:
        result = uvloop.run(run(plan))
    Path(sys.argv[2]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
