"""The channel layer of a deployment: Redis pub/sub, with a bound per socket and a resync after a lost connection.

channels_redis' ``RedisChannelLayer`` gives every socket its own Redis list: a group send is one push per
socket (fifty agents in the unassigned queue, fifty pushes per event), and each socket waits in its own
blocking pop. Its pub/sub layer publishes once per group; each web process subscribes once and hands the
message to its sockets in memory. Measured on the panel bench (paired runs, same minutes): the web process
8.3 -> 6.4 ms of CPU per inbound message, Redis 1.34 -> 0.79 ms.

Pub/sub keeps nothing for a subscriber that is away, and upstream's layer keeps what it has for a socket in an
unbounded queue. Two additions here make that safe for the panel, whose browsers catch up from the database
after every (re)connect (static/panel/socket.js, static/sandbox/sandbox.js):

- **a bound per socket** (``capacity``, as the list layer had): a socket that falls that far behind has its
  queue emptied and gets one ``layer.resync`` message; its consumer closes the socket (``CLOSE_RESYNC``), the
  browser reconnects and fetches what it missed. The list layer dropped events silently past its capacity.
- **a resync after a lost connection**: when the subscribing connection to Redis is made again (redis-py
  re-subscribes by itself), events published meanwhile are gone, so every socket of the process gets
  ``layer.resync`` too, and catches up the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close, create_pool, decode_hosts
from redis import asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RESYNC = {"type": "layer.resync"}  # what a socket gets when events meant for it may be gone
CLOSE_RESYNC = 4000  # the consumers' close code for it: the browser reconnects and catches up
DEFAULT_CAPACITY = 1000
DECODED_KEPT = 256  # decoded messages kept for the process's other sockets (PubSubChannelLayer.deserialize)


class PubSubChannelLayer(RedisPubSubChannelLayer):
    """``RedisPubSubChannelLayer`` with a bounded queue per channel and a resync after reconnecting (module doc)."""

    def __init__(self, *args: Any, capacity: int = DEFAULT_CAPACITY, **kwargs: Any) -> None:
        kwargs.pop("expiry", None)  # the list layer's setting: pub/sub keeps nothing to expire
        super().__init__(*args, **kwargs)
        self.capacity = capacity
        self._decoded: dict[bytes, Any] = {}

    def deserialize(self, message: bytes) -> Any:
        """Decoded once per published message in this process, however many of its sockets hear it.

        A group's sockets get the very same bytes (one publish, handed out in memory), so they share the message
        they decode to; consumers only read it (``conversations.consumers`` also keeps the frame's JSON on it).
        The last ``DECODED_KEPT`` messages are kept: a socket further behind decodes its own copy.
        """
        decoded = self._decoded.get(message)
        if decoded is None:
            decoded = super().deserialize(message)
            if len(self._decoded) >= DECODED_KEPT:
                del self._decoded[next(iter(self._decoded))]
            self._decoded[message] = decoded
        return decoded

    def _get_layer(self) -> _LoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = _LoopLayer(*self._args, **self._kwargs, channel_layer=self, capacity=self.capacity)
            self._layers[loop] = layer
            _wrap_close(self, loop)  # the loop's connections close with it
        return layer


class _LoopLayer(RedisPubSubLoopLayer):
    """The layer of one event loop: its sockets' queues, its groups and its connections."""

    def __init__(self, hosts: Any = None, *, capacity: int, **kwargs: Any) -> None:
        super().__init__(hosts, **kwargs)
        self.capacity = capacity
        self._shards = [_Shard(host, self) for host in decode_hosts(hosts)]

    async def _subscribe_to_channel(self, channel: str) -> None:
        self.channels[channel] = asyncio.Queue(maxsize=self.capacity)
        await self._get_shard(channel).subscribe(channel)

    def deliver(self, channel: str, data: bytes) -> None:
        """Queue ``data`` for ``channel``; a full queue is emptied and told to resync instead."""
        queue = self.channels.get(channel)
        if queue is None:
            return
        try:
            queue.put_nowait(data)
        except asyncio.QueueFull:
            logger.warning("a socket fell %s events behind: it is told to reconnect and catch up", self.capacity)
            self._resync(queue)

    def resync_all(self) -> None:
        for queue in self.channels.values():
            self._resync(queue)

    def _resync(self, queue: asyncio.Queue[bytes]) -> None:
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(self.channel_layer.serialize(RESYNC))


class _ResubscribingPubSub(PubSub):
    """redis-py's ``PubSub``, which re-subscribes whenever its connection is made again; then ``on_reconnect``.

    The first connection comes from the pool before this callback is registered: it runs on reconnects only.
    """

    def __init__(self, *args: Any, on_reconnect: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_reconnect = on_reconnect

    async def on_connect(self, connection: Any) -> None:
        await super().on_connect(connection)
        self._on_reconnect()


class _Shard(RedisSingleShardConnection):
    """One Redis host's publishing and subscribing connections for a loop's layer."""

    channel_layer: _LoopLayer

    def __init__(self, host: Any, channel_layer: _LoopLayer) -> None:
        super().__init__(host, channel_layer)
        self._down = False

    def _ensure_redis(self) -> None:
        if self._redis is None:
            self._redis = aioredis.Redis(connection_pool=create_pool(self.host))
            self._pubsub = _ResubscribingPubSub(self._redis.connection_pool, on_reconnect=self._reconnected)

    def _reconnected(self) -> None:
        if self._down:
            # Every socket that was open when the connection was lost has been told; one opened since subscribed
            # through this new connection and missed nothing.
            self._down = False
            logger.warning("the channel layer's Redis connection is back")
            return
        # Lost and made again inside redis-py's own retries: nobody was told yet.
        logger.warning("the channel layer's Redis connection was made again: every socket of this process catches up")
        self.channel_layer.resync_all()

    def _receive_message(self, message: dict[str, Any] | None) -> None:
        if message is None:
            return
        name = message["channel"]
        if isinstance(name, bytes):
            name = name.decode()
        layer = self.channel_layer
        if name in layer.channels:
            layer.deliver(name, message["data"])
        else:
            for channel in layer.groups.get(name, ()):
                layer.deliver(channel, message["data"])

    async def _do_receiving(self) -> None:
        while True:
            try:
                if self._pubsub is not None and self._pubsub.subscribed:
                    message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
                    self._receive_message(message)
                else:
                    await asyncio.sleep(0.1)
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                if not self._down:
                    self._down = True
                    logger.warning("the channel layer lost Redis (%s): retrying every second", type(exc).__name__)
                    self.channel_layer.resync_all()  # nothing they hear from now on is complete
                await asyncio.sleep(1)
            except Exception:
                logger.exception("unexpected error in the channel layer's receiver")
                await asyncio.sleep(1)
