"""The shared Playwright fixtures (Debian's Chromium; the daphne of tests/conftest.py)."""

from tests.browser.conftest import browser, hosts, page  # noqa: F401
