"""De-duplication ledger, token cache and the memory store behind them."""

import pytest

from bot.rasa_plugins.channels.wechat import dedupe
from bot.rasa_plugins.channels.wechat.kv import FallbackStore, MemoryStore, RedisStore
from bot.rasa_plugins.channels.wechat.tokens import AccessTokenCache


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize(
    "fields, key",
    [
        ({"MsgId": "6054768590064713728", "FromUserName": "u", "CreateTime": "1"}, "msg:6054768590064713728"),
        ({"FromUserName": "u", "CreateTime": "1", "Event": "subscribe"}, "event:u|1|subscribe|"),
        ({"FromUserName": "u", "CreateTime": "1", "Event": "CLICK", "EventKey": "A"}, "event:u|1|CLICK|A"),
    ],
)
def test_delivery_key(fields, key):
    assert dedupe.delivery_key(fields) == key


async def test_memory_store_expires_keys():
    clock = Clock()
    store = MemoryStore(clock)
    assert await store.add("k", "v", 10)
    assert not await store.add("k", "w", 10)
    clock.now += 11
    assert await store.get("k") is None
    assert await store.add("k", "w", 10)
    await store.replace("absent", "x", 10)
    assert await store.get("absent") is None


async def test_ledger_claims_once_and_records_the_outcome():
    ledger = dedupe.DeliveryLedger(MemoryStore(), "wechat:test")
    assert await ledger.claim("msg:1")
    assert not await ledger.claim("msg:1")
    assert (await ledger.get("msg:1")).state == dedupe.PENDING
    await ledger.record("msg:1", dedupe.PASSIVE, "您好")
    assert await ledger.get("msg:1") == dedupe.Delivery(dedupe.PASSIVE, "您好")
    assert await ledger.claim("msg:2")


async def test_token_cache_refreshes_before_expiry_and_after_invalidation():
    clock, fetched = Clock(), []
    store = MemoryStore(clock)

    async def fetch():
        fetched.append(1)
        return f"token-{len(fetched)}", 7200

    cache = AccessTokenCache(store, "wechat:test", fetch)
    assert await cache.get() == "token-1"
    clock.now += 6800
    assert await cache.get() == "token-1"
    clock.now += 150  # within the 300 s margin before expiry
    assert await cache.get() == "token-2"
    await cache.invalidate("token-1")  # stale invalidation keeps the fresh token
    assert await cache.get() == "token-2"
    await cache.invalidate("token-2")
    assert await cache.get() == "token-3"


async def test_fallback_store_survives_a_dead_redis(caplog):
    store = FallbackStore(RedisStore("redis://127.0.0.1:9/0"))
    assert await store.add("k", "v", 10)
    assert not await store.add("k", "v", 10)
    assert await store.get("k") == "v"
    assert "Redis unavailable" in caplog.text
    await store.close()
