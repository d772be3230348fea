"""The customer-service / application-message clients against the simulator's API peer
(real HTTP on 127.0.0.1)."""

import asyncio

import pytest
import pytest_asyncio

from bot.rasa_plugins.channels.wechat.api import HttpSessions, OfficialAccountApi, WeComApi
from bot.rasa_plugins.channels.wechat.kv import MemoryStore
from tests.channels.simulator import Account, ApiPeer

OA = Account("oa", "t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxappid0000000001",
             "app-secret")
WECOM = Account("wecom", "t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "ww0000000000000001",
                "corp-secret", agent_id="1000002")


@pytest_asyncio.fixture
async def peer():
    peer = await ApiPeer(OA, WECOM).start()
    yield peer
    await peer.stop()


@pytest_asyncio.fixture
async def sessions():
    sessions = HttpSessions()
    yield sessions
    await sessions.close()


def oa_api(peer, sessions, store=None, secret="app-secret"):
    return OfficialAccountApi(peer.base_url, OA.receive_id, secret, store=store or MemoryStore(),
                              namespace="wechat:test", sessions=sessions, backoff=0.01)


async def test_sends_text_with_a_cached_token(peer, sessions):
    api = oa_api(peer, sessions)
    assert await api.send_text("oUser", "第一条") and await api.send_text("oUser", "第二条")
    assert peer.sent_to("oUser") == ["第一条", "第二条"]
    assert peer.token_requests["oa"] == 1
    assert peer.calls[0] == {"touser": "oUser", "msgtype": "text", "text": {"content": "第一条"}}


async def test_expired_token_is_refreshed_once(peer, sessions):
    api = oa_api(peer, sessions)
    assert await api.send_text("oUser", "一")
    peer.expire_tokens()
    assert await api.send_text("oUser", "二")
    assert peer.token_requests["oa"] == 2 and peer.sent_to("oUser") == ["一", "二"]


@pytest.mark.parametrize("code", [40014, 42001])
async def test_other_token_errors_also_refresh(peer, sessions, code):
    api = oa_api(peer, sessions)
    peer.inject_errors = [code]
    assert await api.send_text("oUser", "一")
    assert peer.token_requests["oa"] == 2


async def test_a_token_error_is_not_retried_forever(peer, sessions):
    api = oa_api(peer, sessions)
    peer.inject_errors = [40001, 40001, 40001]
    assert not await api.send_text("oUser", "一")
    assert len(peer.calls) == 2


@pytest.mark.parametrize("code", [45015, 45047])
async def test_quota_errors_are_dropped_without_retry(peer, sessions, code, caplog):
    api = oa_api(peer, sessions)
    peer.inject_errors = [code]
    assert await api.send_texts("oUser", ["一", "二", "三"]) == 0
    assert len(peer.calls) == 1  # neither retried nor the remaining chunks tried
    assert str(code) in caplog.text


async def test_system_busy_is_retried_a_bounded_number_of_times(peer, sessions):
    api = oa_api(peer, sessions)
    peer.inject_errors = [-1]
    assert await api.send_text("oUser", "一")
    peer.inject_errors = [-1, -1, -1, -1]
    assert not await api.send_text("oUser", "二")
    assert len(peer.calls) == 2 + 3


async def test_wrong_secret_fails_cleanly(peer, sessions, caplog):
    api = oa_api(peer, sessions, secret="wrong")
    assert not await api.send_text("oUser", "一")
    assert "40013" in caplog.text


async def test_unreachable_api_fails_cleanly(sessions):
    api = OfficialAccountApi("http://127.0.0.1:9", "wx", "s", store=MemoryStore(), namespace="x",
                             sessions=sessions, backoff=0.01)
    assert not await api.send_text("oUser", "一")


async def test_concurrent_sends_fetch_one_token(peer, sessions):
    api = oa_api(peer, sessions)
    results = await asyncio.gather(*(api.send_text(f"u{i}", "并发") for i in range(8)))
    assert all(results) and peer.token_requests["oa"] == 1


async def test_wecom_application_message(peer, sessions):
    api = WeComApi(peer.base_url, WECOM.receive_id, "corp-secret", "1000002", store=MemoryStore(),
                   namespace="wecom:test", sessions=sessions)
    assert await api.send_text("zhangsan", "您好")
    assert peer.calls[-1] == {"touser": "zhangsan", "msgtype": "text", "agentid": 1000002,
                              "text": {"content": "您好"}, "safe": 0}
    assert peer.sent_to("zhangsan") == ["您好"] and peer.token_requests["wecom"] == 1
