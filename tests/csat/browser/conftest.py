"""The shared Playwright fixtures (Debian's Chromium, one daphne per session)."""

from tests.browser.conftest import browser, hosts, page  # noqa: F401
from tests.browser.live import asgi_live_server  # noqa: F401
