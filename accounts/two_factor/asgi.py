"""The panel's socket asks for a verified session too: an unverified person's socket closes before it opens."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from accounts.models import User
from accounts.two_factor.services import session_is_verified, two_factor_needed_on_request

CLOSE_TWO_FACTOR_REQUIRED = 4401


def _socket_refused(user: User, session: Any) -> bool:
    return two_factor_needed_on_request(user=user) and not session_is_verified(user=user, session=session)


class TwoFactorSocketMiddleware:
    """ASGI, inside ``AuthMiddlewareStack`` (it needs ``scope["user"]`` and ``scope["session"]``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            user = scope.get("user")
            if (user is not None and user.is_authenticated
                    and await database_sync_to_async(_socket_refused)(user, scope.get("session") or {})):
                message = await receive()
                if message["type"] == "websocket.connect":
                    await send({"type": "websocket.close", "code": CLOSE_TWO_FACTOR_REQUIRED})
                return
        await self.app(scope, receive, send)
