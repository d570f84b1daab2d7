"""Byte ranges (RFC 9110 section 14) for files streamed through a view: audio and video players seek with them.

Without ``Accept-Ranges``/206 a browser cannot jump inside a recording (Chromium reports nothing seekable and
plays from 0:00). One range is served (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``); several ranges, or a header
we cannot read, get the whole file (RFC 9110 lets a server ignore Range); a range past the end is 416.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

CHUNK = 64 * 1024
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class Unsatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte (inclusive) that ``header`` asks of a ``size``-byte file; ``None`` for the
    whole file (no header, several ranges, unreadable). Raises ``Unsatisfiable`` past the end."""
    match = _RANGE.match(header or "")
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last n bytes
        suffix = int(last)
        if suffix == 0:
            raise Unsatisfiable
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None  # invalid: ignored, as RFC 9110 says
    if start >= size:
        raise Unsatisfiable
    return start, end


def _slice(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        left = length
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def ranged_file_response(request: HttpRequest, handle: IO[bytes], *, size: int, content_type: str,
                         **file_response_kwargs: object) -> HttpResponse:
    """The file in ``handle`` (``size`` bytes), whole (200) or the range the request asks (206), or 416.

    ``file_response_kwargs`` go to ``FileResponse`` for the whole file (``as_attachment``, ``filename``)."""
    try:
        wanted = parse_range(request.headers.get("Range", ""), size) if request.method == "GET" else None
    except Unsatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    if wanted is None or wanted == (0, size - 1):
        full = FileResponse(handle, content_type=content_type, **file_response_kwargs)  # type: ignore[arg-type]
        full["Accept-Ranges"] = "bytes"
        return full
    start, end = wanted
    length = end - start + 1
    partial = StreamingHttpResponse(_slice(handle, start, length), status=206, content_type=content_type)
    partial["Content-Length"] = str(length)
    partial["Content-Range"] = f"bytes {start}-{end}/{size}"
    partial["Accept-Ranges"] = "bytes"
    return partial
