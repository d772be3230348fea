"""Real Rasa servers with the WeChat and WeCom channels, and the simulator playing WeChat.

- `wechat_api`: the simulator's API peer (token + customer-service / app-message APIs) for the
  whole session, on the port the test stack's WECHAT_API_BASE / WECOM_API_BASE point at;
- `channel_stack`: the session stack of tests/conftest.py (credentials.yml lists the
  channels, tests/support/wechat_env.py configures them), warmed up by one REST turn so that
  the first WeChat turn is not slowed down by TensorFlow's first graph tracing;
- `slow_stack`: a second stack whose reply budget is 0.05 s, so every turn is "slow" and
  must be answered with `success` and delivered through the API.
"""

import uuid
from typing import Iterator

import pytest
import requests

from tests.channels.accounts import OA_ACCOUNT, WECOM_ACCOUNT, channel_env
from tests.channels.rasa_api import Tracker
from tests.channels.simulator import ApiPeer, ApiPeerThread, WeChatSimulator
from tests.support.client import remember_token
from tests.support.servers import Stack


@pytest.fixture(scope="session")
def wechat_api(wechat_api_port) -> Iterator[ApiPeer]:
    runner = ApiPeerThread(ApiPeer(OA_ACCOUNT, WECOM_ACCOUNT), wechat_api_port)
    peer = runner.start()
    yield peer
    runner.stop()


def _require_channels(rasa_url: str) -> None:
    for name in ("wechat", "wecom"):
        response = requests.get(f"{rasa_url}/webhooks/{name}/", timeout=10)
        assert response.status_code == 200, (
            f"/webhooks/{name}/ answered {response.status_code}: credentials.yml must list "
            "bot.rasa_plugins.channels.wechat.oa.WeChatOfficialAccountInput and "
            "bot.rasa_plugins.channels.wechat.wecom.WeComInput"
        )
        assert response.json() == {"status": "ok"}, f"the {name} channel is disabled: see the Rasa log"


def _warm_up(rasa_url: str) -> None:
    """The first turns after loading (TensorFlow tracing, first action calls) are slow."""
    sender = f"warmup-{uuid.uuid4().hex}"
    for text in ("你好", "电子税务局登录不上", "/problem_persists"):
        requests.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                      timeout=120)


@pytest.fixture(scope="session")
def channel_stack(rasa_stack, wechat_api) -> Stack:
    _require_channels(rasa_stack.rasa_url)
    _warm_up(rasa_stack.rasa_url)
    return rasa_stack


@pytest.fixture(scope="session")
def slow_stack(tmp_path_factory, wechat_api) -> Iterator[Stack]:
    env = {**channel_env(wechat_api.base_url), "WECHAT_REPLY_BUDGET": "0.05"}
    stack = Stack(var_dir=tmp_path_factory.mktemp("var-wechat-slow"), env=env, name="wechat-slow")
    stack.start()
    remember_token(stack)
    try:
        _require_channels(stack.rasa_url)
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def oa(channel_stack, wechat_api) -> WeChatSimulator:
    return WeChatSimulator(OA_ACCOUNT, f"{channel_stack.rasa_url}/webhooks/wechat/webhook", wechat_api)


@pytest.fixture
def wecom(channel_stack, wechat_api) -> WeChatSimulator:
    return WeChatSimulator(WECOM_ACCOUNT, f"{channel_stack.rasa_url}/webhooks/wecom/webhook", wechat_api)


@pytest.fixture
def user() -> str:
    """A fresh OpenID-like user id per test."""
    return "o" + uuid.uuid4().hex[:27]


@pytest.fixture
def tracker_of(channel_stack):
    return lambda sender, stack=channel_stack: Tracker(stack.rasa_url, sender)
