"""Channel state shared through a real Redis (127.0.0.1:6379): what several Rasa replicas
see. Each store instance below stands for one replica."""

import asyncio
import os
import uuid

import pytest
import pytest_asyncio

from bot.rasa_plugins.channels.wechat import crypto, dedupe
from bot.rasa_plugins.channels.wechat.common import CallbackHandler, HandlerSettings
from bot.rasa_plugins.channels.wechat.kv import RedisStore
from bot.rasa_plugins.channels.wechat.oa import SAFE, OfficialAccountProtocol
from bot.rasa_plugins.channels.wechat.render import ButtonMemory, render_turn
from bot.rasa_plugins.channels.wechat.tokens import AccessTokenCache
from tests.channels.simulator import Account, WeChatSimulator
from tests.channels.unit.fakes import FakeRasa, RecordingApi, RecordingEraser, parse_query, say

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest_asyncio.fixture
async def replicas():
    stores = [RedisStore(REDIS_URL), RedisStore(REDIS_URL)]
    try:
        await stores[0].set("probe", "1", 1)
    except Exception as error:  # pragma: no cover - depends on the machine
        pytest.fail(f"Redis is required at {REDIS_URL}: {error}")
    namespace = f"test:{uuid.uuid4().hex}"
    yield stores, namespace
    for store in stores:
        await store.close()


async def test_a_redelivery_on_another_replica_is_recognised(replicas):
    (a, b), namespace = replicas
    first, second = dedupe.DeliveryLedger(a, namespace), dedupe.DeliveryLedger(b, namespace)
    assert await first.claim("msg:42")
    assert not await second.claim("msg:42")
    await first.record("msg:42", dedupe.PASSIVE, "您好")
    assert await second.get("msg:42") == dedupe.Delivery(dedupe.PASSIVE, "您好")


async def test_keys_expire(replicas):
    (a, _), namespace = replicas
    ledger = dedupe.DeliveryLedger(a, namespace, ttl=0.2)
    assert await ledger.claim("msg:1")
    await asyncio.sleep(0.3)
    assert await ledger.claim("msg:1")


async def test_button_map_is_shared(replicas):
    (a, b), namespace = replicas
    turn = render_turn([{"text": "选", "buttons": [{"title": "A", "payload": "/a"}]}])
    await ButtonMemory(a, namespace).remember("u", turn)
    assert await ButtonMemory(b, namespace).resolve("u", "1") == "/a"


async def test_replicas_share_one_access_token(replicas):
    (a, b), namespace = replicas
    fetched = []

    async def fetch():
        fetched.append(1)
        await asyncio.sleep(0.2)
        return f"token-{len(fetched)}", 7200

    caches = [AccessTokenCache(a, namespace, fetch), AccessTokenCache(b, namespace, fetch)]
    tokens = await asyncio.gather(*(cache.get() for cache in caches * 3))
    assert set(tokens) == {"token-1"} and len(fetched) == 1
    await caches[1].invalidate("token-1")
    assert await caches[0].get() == "token-2"


async def test_three_deliveries_over_two_replicas_run_one_turn(replicas):
    (a, b), namespace = replicas
    account = Account("oa", "tok", AES_KEY, "wx0123456789abcdef", "s", mode=SAFE)
    sim = WeChatSimulator(account)

    def replica(store):
        return CallbackHandler(
            "wechat", OfficialAccountProtocol("tok", crypto.WeChatCipher(AES_KEY, account.receive_id), SAFE),
            RecordingApi(), store, namespace, HandlerSettings())

    handlers = [replica(a), replica(b), replica(a)]
    rasa = FakeRasa(say("第一步"))
    message = sim.text("oUser", "登录不了")
    contents = []
    for handler in handlers:
        query, body = sim.signed_request(message)
        reply = await handler.handle_post(parse_query(query), body, rasa, RecordingEraser())
        contents.append(sim.read_reply(reply.body)["Content"])
    assert rasa.texts == ["登录不了"] and contents == ["第一步"] * 3
