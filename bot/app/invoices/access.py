"""Who may see an invoice, and how often anyone may ask (issue 14; docs/privacy.md).

* **Disclosure needs a relation.** An invoice's type, date, amount and state are told only to a
  conversation that has shown the seller's or the buyer's tax ID (统一社会信用代码) of *that*
  invoice; `relation_shown` checks it against the record. A wrong tax ID and an unknown number
  get the same answer, so numbers cannot be enumerated with a guessed tax ID either.
* **Look-ups are rate-limited** per conversation (channel + sender id) and per client address
  (a keyed hash of the address the channel saw, `client_key`; the address itself is never
  stored). In one process with aiolimiter; with ``REDIS_URL`` in Redis (fixed windows,
  ``INCR``/``EXPIRE``), so replicas share the limits.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Iterable, Optional, Tuple

from aiolimiter import AsyncLimiter

from bot.app.invoices.base import InvoiceRecord

logger = logging.getLogger(__name__)

#: Message-metadata key under which the channels put the client's keyed address hash. A
#: channel overwrites whatever a client sent under this key.
CLIENT_KEY_METADATA = "fapiao_client"


def client_key(secret: str, address: str) -> str:
    """A keyed hash of a client address (16 hex characters): rate limits without storing IPs."""
    digest = hmac.new(secret.encode("utf-8"), b"client:" + address.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:16]


def _tax_id(value: Any) -> str:
    return "".join(str(value or "").split()).upper()


def relation_shown(record: InvoiceRecord, tax_ids: Iterable[Any]) -> bool:
    """True when one of ``tax_ids`` is the seller's or the buyer's tax ID of ``record``."""
    known = {t for t in (_tax_id(record.seller_tax_id), _tax_id(record.buyer_tax_id)) if t}
    return any(hmac.compare_digest(_tax_id(given), known_id)
               for given in tax_ids if _tax_id(given) for known_id in known)


class LookupLimiter:
    """Counts look-ups per key within a window; `allow` says whether one more may run.

    Args:
        per_conversation: look-ups one conversation may make per ``window`` seconds.
        per_client: look-ups one client address may make per ``window`` seconds.
        window: seconds.
        redis_url: share the counters through Redis (None: this process only).
        capacity: how many keys the in-process limiter remembers (oldest forgotten first).
    """

    def __init__(self, per_conversation: int, per_client: int, window: float,
                 redis_url: Optional[str] = None, capacity: int = 50_000) -> None:
        self._limits = {"conversation": per_conversation, "client": per_client}
        self._window = window
        self._redis_url = redis_url
        self._redis: Any = None
        self._limiters: "OrderedDict[Tuple[str, str], AsyncLimiter]" = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def _limiter(self, kind: str, key: str) -> AsyncLimiter:
        with self._lock:
            limiter = self._limiters.get((kind, key))
            if limiter is None:
                limiter = AsyncLimiter(self._limits[kind], self._window)
                self._limiters[(kind, key)] = limiter
                if len(self._limiters) > self._capacity:
                    self._limiters.popitem(last=False)
            else:
                self._limiters.move_to_end((kind, key))
            return limiter

    async def _allow_redis(self, keys: Iterable[Tuple[str, str]]) -> Optional[bool]:
        try:
            if self._redis is None:
                import redis.asyncio as redis_asyncio

                self._redis = redis_asyncio.from_url(self._redis_url, socket_timeout=1.0)
            bucket = int(time.time() // self._window)
            allowed = True
            for kind, key in keys:
                name = f"fapiao:lookups:{kind}:{key}:{bucket}"
                count = await self._redis.incr(name)
                if count == 1:
                    await self._redis.expire(name, int(self._window) + 1)
                if count > self._limits[kind]:
                    allowed = False
            return allowed
        except Exception as error:  # noqa: BLE001 - Redis away: fall back to this process
            logger.warning("Redis unavailable for look-up limits (%s); counting in process",
                           type(error).__name__)
            return None

    async def allow(self, conversation: str, client: Optional[str] = None) -> bool:
        """Count one look-up for ``conversation`` (and ``client``); False when a limit is hit."""
        keys = [("conversation", conversation)] + ([("client", client)] if client else [])
        if self._redis_url:
            shared = await self._allow_redis(keys)
            if shared is not None:
                return shared
        limiters = [self._limiter(kind, key) for kind, key in keys]
        if not all(limiter.has_capacity() for limiter in limiters):
            return False
        for limiter in limiters:
            await limiter.acquire()
        return True
