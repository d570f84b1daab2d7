"""The one outbound HTTP choke point: timeouts, and failures mapped to what the caller may do next.

- connection refused / connect timeout / pool timeout: the request never left -> ``TransientError``
- 429 and 503: the provider did not process it -> ``TransientError`` (with ``Retry-After`` when given)
- read/write timeout or a broken connection after sending, other 5xx: maybe processed -> ``AmbiguousError``
Other 4xx are left to the provider client, which knows its error bodies.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx

from integrations.errors import AmbiguousError, TransientError

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
USER_AGENT = "crm-ventas/1.0"


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The certificate store, loaded once per process: loading it is most of an ``httpx.Client``'s cost
    (about 35 ms of CPU), and a worker makes a client per send."""
    return httpx.create_ssl_context()


def make_client(*, base_url: str = "", timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> httpx.Client:
    kwargs.setdefault("verify", _tls_context())
    return httpx.Client(
        base_url=base_url,
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        **kwargs,
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Make the request; raise Transient/Ambiguous errors as described above, else return the response."""
    try:
        response = client.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise TransientError(f"{method} {url}: not sent ({type(exc).__name__})") from exc
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise AmbiguousError(f"{method} {url}: no answer after sending ({type(exc).__name__})") from exc
    if response.status_code in (429, 503):
        raise TransientError(
            f"{method} {url}: {response.status_code}", status=response.status_code, retry_after=_retry_after(response)
        )
    if response.status_code >= 500:
        raise AmbiguousError(f"{method} {url}: {response.status_code}", status=response.status_code)
    return response
