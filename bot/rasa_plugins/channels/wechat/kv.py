"""A tiny expiring key-value interface with an in-memory and a Redis implementation.

The channel keeps three kinds of short-lived shared state: delivery records (de-duplication of
WeChat's re-deliveries), the API access token, and each user's number→payload button map.
With several Rasa replicas behind a load balancer a re-delivery may land on another replica,
so the state must live in Redis; on one machine memory suffices. All three use this interface.
"""

import asyncio
import logging
import time
from typing import Dict, Optional, Protocol, Tuple

from redis.exceptions import RedisError  # redis is a Rasa dependency (RedisLockStore)

logger = logging.getLogger(__name__)


class KeyValueStore(Protocol):
    """Expiring string store. TTLs are in seconds."""

    async def get(self, key: str) -> Optional[str]:
        ...

    async def set(self, key: str, value: str, ttl: float) -> None:
        ...

    async def add(self, key: str, value: str, ttl: float) -> bool:
        """Set only if absent; True when this call created the key."""
        ...

    async def replace(self, key: str, value: str, ttl: float) -> None:
        """Set only if present (keeps an expired or deleted key absent)."""
        ...

    async def delete(self, key: str) -> None:
        ...

    async def delete_if_equals(self, key: str, value: str) -> bool:
        ...

    async def close(self) -> None:
        ...


class MemoryStore:
    """Process-local store; expired keys are dropped lazily."""

    _SWEEP_INTERVAL = 30.0

    def __init__(self, clock=time.monotonic) -> None:
        self._items: Dict[str, Tuple[str, float]] = {}
        self._clock = clock
        self._next_sweep = 0.0

    def _live(self, key: str) -> Optional[str]:
        item = self._items.get(key)
        if item is None:
            return None
        value, expires_at = item
        if expires_at <= self._clock():
            del self._items[key]
            return None
        return value

    def _sweep(self) -> None:
        now = self._clock()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self._SWEEP_INTERVAL
        for key in [k for k, (_, expires_at) in self._items.items() if expires_at <= now]:
            del self._items[key]

    async def get(self, key: str) -> Optional[str]:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        self._sweep()
        self._items[key] = (value, self._clock() + ttl)

    async def add(self, key: str, value: str, ttl: float) -> bool:
        self._sweep()
        if self._live(key) is not None:
            return False
        self._items[key] = (value, self._clock() + ttl)
        return True

    async def replace(self, key: str, value: str, ttl: float) -> None:
        if self._live(key) is not None:
            self._items[key] = (value, self._clock() + ttl)

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)

    async def delete_if_equals(self, key: str, value: str) -> bool:
        if self._live(key) == value:
            del self._items[key]
            return True
        return False

    async def close(self) -> None:
        self._items.clear()


_DELETE_IF_EQUALS = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisStore:
    """Redis-backed store shared by every replica (`SET NX EX` for `add`).

    The client is created on first use, inside the server's event loop.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._client = None

    def _redis(self):
        if self._client is None:
            import redis.asyncio

            self._client = redis.asyncio.from_url(
                self._url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2
            )
        return self._client

    async def get(self, key: str) -> Optional[str]:
        return await self._redis().get(key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        await self._redis().set(key, value, px=max(int(ttl * 1000), 1))

    async def add(self, key: str, value: str, ttl: float) -> bool:
        return bool(await self._redis().set(key, value, px=max(int(ttl * 1000), 1), nx=True))

    async def replace(self, key: str, value: str, ttl: float) -> None:
        await self._redis().set(key, value, px=max(int(ttl * 1000), 1), xx=True)

    async def delete(self, key: str) -> None:
        await self._redis().delete(key)

    async def delete_if_equals(self, key: str, value: str) -> bool:
        return bool(await self._redis().eval(_DELETE_IF_EQUALS, 1, key, value))

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()
            await client.connection_pool.disconnect()


class FallbackStore:
    """Uses `primary` (Redis) and falls back to a local `MemoryStore` while it fails.

    A Redis outage must not silence the assistant: losing cross-replica sharing for a while
    (a re-delivery landing on another replica may then run twice) is the lesser harm.
    """

    _LOG_INTERVAL = 60.0

    def __init__(self, primary: KeyValueStore, fallback: Optional[MemoryStore] = None) -> None:
        self._primary = primary
        self._fallback = fallback or MemoryStore()
        self._last_log = -self._LOG_INTERVAL

    async def _call(self, name: str, *args):
        try:
            return await getattr(self._primary, name)(*args)
        except (RedisError, OSError, asyncio.TimeoutError) as error:
            self._warn(error)
        return await getattr(self._fallback, name)(*args)

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_log >= self._LOG_INTERVAL:
            self._last_log = now
            logger.warning(
                "WeChat channel: Redis unavailable (%s); using process memory for channel state",
                type(error).__name__,
            )

    async def get(self, key: str) -> Optional[str]:
        return await self._call("get", key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        await self._call("set", key, value, ttl)

    async def add(self, key: str, value: str, ttl: float) -> bool:
        return await self._call("add", key, value, ttl)

    async def replace(self, key: str, value: str, ttl: float) -> None:
        await self._call("replace", key, value, ttl)

    async def delete(self, key: str) -> None:
        await self._call("delete", key)

    async def delete_if_equals(self, key: str, value: str) -> bool:
        return await self._call("delete_if_equals", key, value)

    async def close(self) -> None:
        await self._primary.close()
        await self._fallback.close()


def make_store(redis_url: Optional[str]) -> KeyValueStore:
    """Redis (with a memory fallback) when `redis_url` is set, memory otherwise."""
    if redis_url:
        return FallbackStore(RedisStore(redis_url))
    return MemoryStore()
