"""Ticket tests: the provider fakes of the conversations tests."""

from tests.conversations.conftest import ai_off, post_meta, provider_settings  # noqa: F401 - fixtures
