"""The sandbox's ``MessagingClient``: a send reaches the pretend phone at once and nothing leaves the machine.

Each send gets a provider id (``sbx-out-<hex>``) and comes back ``sent``; before it returns, the client
reports the message ``delivered`` through ``on_status`` (the caller wires that to the same status path a
real provider's callback takes: stored as a webhook event, applied by the inbound task, even when it
arrives before the send has returned). ``read`` follows when the sandbox page shows the message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Self

from integrations.base import (
    Button,
    DeliveryStatus,
    DownloadedMedia,
    ListRow,
    MediaRef,
    MessageType,
    ParsedWebhook,
    SendResult,
)
from integrations.errors import PermanentError
from integrations.sandbox.webhooks import OUTBOUND_PREFIX, status_updates


class SandboxClient:
    """See the module docstring. ``on_status`` receives a ``ParsedWebhook`` of status updates."""

    def __init__(self, account_ref: str, *, on_status: Callable[[ParsedWebhook], object]) -> None:
        self.account_ref = account_ref
        self._on_status = on_status

    def __repr__(self) -> str:
        return f"SandboxClient(account_ref={self.account_ref!r})"

    def close(self) -> None:
        """Nothing to close: no connection is ever opened."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _deliver(self, to: str, kind: str) -> SendResult:
        if not to:
            raise PermanentError("Sandbox send: the customer has no id on the channel", code="no_recipient")
        external_id = f"{OUTBOUND_PREFIX}{uuid.uuid4().hex}"
        self._on_status(status_updates([external_id], status=DeliveryStatus.DELIVERED, account_ref=self.account_ref,
                                       recipient_id=to, now=datetime.now(UTC)))
        return SendResult(external_id=external_id, status=DeliveryStatus.SENT,
                          raw={"id": external_id, "status": "sent", "to": to, "kind": kind})

    def send_text(self, *, to: str, body: str, reply_to: str = "", human_agent: bool = False) -> SendResult:
        return self._deliver(to, "text")

    def send_media(
        self, *, to: str, url: str, kind: MessageType, caption: str = "", filename: str = ""
    ) -> SendResult:
        """The page shows the file's name and caption (it never fetches ``url``, which may be empty)."""
        return self._deliver(to, str(kind))

    def send_template(
        self, *, to: str, template: str, language: str = "es", variables: list[str] | None = None
    ) -> SendResult:
        return self._deliver(to, "template")

    def send_buttons(self, *, to: str, body: str, buttons: list[Button]) -> SendResult:
        return self._deliver(to, "buttons")

    def send_list(self, *, to: str, body: str, button: str, rows: list[ListRow], section: str = "") -> SendResult:
        return self._deliver(to, "list")

    def send_location(
        self, *, to: str, latitude: float, longitude: float, name: str = "", address: str = ""
    ) -> SendResult:
        return self._deliver(to, "location")

    def download_media(self, media: MediaRef, *, kind: MessageType) -> DownloadedMedia:
        raise PermanentError("The sandbox sends no files to download", code="no_media")
