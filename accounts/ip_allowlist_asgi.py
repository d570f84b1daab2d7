"""The panel's socket asks the IP allowlist too: a refused person's socket is closed before it opens."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from accounts.ip_allowlist import ip_access_allowed, ip_restriction_enabled

CLOSE_NOT_ALLOWED = 4403


class IPAllowlistSocketMiddleware:
    """ASGI, inside ``AuthMiddlewareStack`` (it needs ``scope["user"]``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and ip_restriction_enabled():
            user = scope.get("user")
            address = (scope.get("client") or ("", 0))[0]
            if user is not None and user.is_authenticated and not await database_sync_to_async(ip_access_allowed)(
                user=user, address=address, path=scope.get("path", "")
            ):
                message = await receive()
                if message["type"] == "websocket.connect":
                    await send({"type": "websocket.close", "code": CLOSE_NOT_ALLOWED})
                return
        await self.app(scope, receive, send)
