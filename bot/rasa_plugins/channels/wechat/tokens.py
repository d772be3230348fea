"""The access-token holder (docs/channels.md §1.6, "中控服务器").

WeChat's `/cgi-bin/token` invalidates the previous token (after a 5-minute overlap) each time
it is called, so every replica must share one token: it is cached in the key-value store
(Redis when configured), refreshed shortly before it expires, and fetched by one replica at a
time under a short lock key. An API answer of 40001/40014/42001 invalidates the cached token.
"""

import asyncio
import logging
import time
from typing import Awaitable, Callable, Optional, Tuple

from bot.rasa_plugins.channels.wechat.kv import KeyValueStore

logger = logging.getLogger(__name__)

TokenFetcher = Callable[[], Awaitable[Tuple[str, int]]]


class AccessTokenCache:
    """Returns a valid access token, fetching it with `fetch` when none is cached."""

    def __init__(
        self,
        store: KeyValueStore,
        namespace: str,
        fetch: TokenFetcher,
        refresh_margin: float = 300.0,
        lock_wait: float = 5.0,
    ) -> None:
        self._store = store
        self._key = f"{namespace}:access_token"
        self._lock_key = f"{namespace}:access_token:lock"
        self._fetch = fetch
        self._margin = refresh_margin
        self._lock_wait = lock_wait
        self._local_lock = asyncio.Lock()

    async def get(self) -> str:
        token = await self._store.get(self._key)
        if token:
            return token
        async with self._local_lock:  # one fetch per process at a time
            token = await self._store.get(self._key)
            if token:
                return token
            if await self._store.add(self._lock_key, "1", self._lock_wait * 2):
                try:
                    return await self._fetch_and_store()
                finally:
                    await self._store.delete(self._lock_key)
            # Another replica is fetching: wait for its token rather than invalidating it.
            token = await self._wait_for_other_replica()
            return token or await self._fetch_and_store()

    async def invalidate(self, token: str) -> None:
        """Forget `token` unless it has already been replaced by a fresh one."""
        await self._store.delete_if_equals(self._key, token)

    async def _fetch_and_store(self) -> str:
        token, expires_in = await self._fetch()
        ttl = expires_in - min(self._margin, expires_in / 2)
        await self._store.set(self._key, token, max(ttl, 1.0))
        logger.info("WeChat channel: fetched a new access token (valid %ss)", expires_in)
        return token

    async def _wait_for_other_replica(self) -> Optional[str]:
        deadline = time.monotonic() + self._lock_wait
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            token = await self._store.get(self._key)
            if token:
                return token
        return None
