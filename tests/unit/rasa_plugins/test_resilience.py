"""bot/rasa_plugins/resilience.py: the polite reply while the action server is away, and
messages processed once whatever number of times they arrive (the tracker is the record)."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import aiohttp
import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.events import ActionExecuted, BotUttered, FollowupAction, UserUttered

from bot.rasa_plugins import resilience
from bot.rasa_plugins.resilience import (
    UNAVAILABLE_RESPONSE,
    client_message_id,
    project_response_text,
    replies_to,
    rest_metadata,
    worth_retrying,
)


def test_message_ids_come_from_rest_or_widget_metadata():
    assert client_message_id({"message_id": "m-1"}) == "m-1"
    assert client_message_id({"client_message_id": "w-7"}) == "w-7"
    assert client_message_id({"message_id": 12}) == "12"
    for bad in (None, "m-1", {}, {"message_id": ""}, {"message_id": True}, {"message_id": "x" * 200}):
        assert client_message_id(bad) is None


def test_the_replies_of_a_processed_message_are_found_in_the_tracker():
    events = [
        UserUttered("你好", message_id="m1"), ActionExecuted("utter_greet"), BotUttered("您好"),
        UserUttered("登录不上", message_id="m2"), BotUttered("第 1 步", {"buttons": [{"title": "已解决"}]}),
        BotUttered("还有别的吗"), UserUttered("谢谢", message_id="m3"), BotUttered("不客气"),
    ]
    replies = replies_to(events, "m2")
    assert [r["text"] for r in replies] == ["第 1 步", "还有别的吗"]
    assert replies[0]["buttons"] == [{"title": "已解决"}]
    assert replies_to(events, "m9") is None
    assert [r["text"] for r in replies_to(events, "m3")] == ["不客气"]


def test_rest_metadata_passes_the_clients_metadata_and_falls_back_to_the_proxys_id():
    def request(body, headers=None):
        return SimpleNamespace(json=body, headers=headers or {})

    assert rest_metadata(None, request({"metadata": {"message_id": "a"}}, {"X-Request-ID": "r"})) == {"message_id": "a"}
    assert rest_metadata(None, request({"message": "x"}, {"X-Request-ID": "r1"})) == {"message_id": "proxy-r1"}
    assert rest_metadata(None, request({"message": "x"})) is None
    assert rest_metadata(None, request("not an object")) is None


def test_the_unavailable_response_is_in_the_domain():
    assert "暂时不可用" in project_response_text(UNAVAILABLE_RESPONSE)


class FailingEndpoint:
    url = "http://127.0.0.1:9/webhook"

    def __init__(self, error):
        self.error = error

    async def request(self, **kwargs):
        raise self.error


class NoResponseNlg:
    async def generate(self, *args, **kwargs):
        return None  # a model trained before the response existed


class FlakyEndpoint:
    url = "http://127.0.0.1:9/webhook"

    def __init__(self, error):
        self.errors = [error]
        self.calls = 0

    async def request(self, **kwargs):
        self.calls += 1
        if self.errors:
            raise self.errors.pop()
        return {"events": [], "responses": []}


@pytest.fixture
def fallback(monkeypatch):
    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)
    monkeypatch.setattr(resilience, "RETRY_DELAY", 0)
    resilience.install_action_server_fallback()


def test_failures_on_the_way_are_worth_one_more_try_and_action_errors_are_not():
    from rasa.utils.endpoints import ClientResponseError

    assert worth_retrying(aiohttp.ClientConnectionError("refused"))
    assert worth_retrying(asyncio.TimeoutError())
    for status, expected in ((502, True), (503, True), (504, True), (500, False), (404, False)):
        try:
            raise RuntimeError("Failed to execute custom action") from ClientResponseError(status, "x", "")
        except RuntimeError as error:
            assert worth_retrying(error) is expected, status


def test_a_call_broken_on_the_way_is_tried_once_more(fallback):
    endpoint = FlakyEndpoint(aiohttp.ServerDisconnectedError())
    action = RemoteAction("action_next_step", endpoint)
    action._action_call_format = lambda tracker, domain: {}
    events = asyncio.run(action.run(CollectingOutputChannel(), NoResponseNlg(), SimpleNamespace(), None))
    assert events == [] and endpoint.calls == 2


def run_remote(error):
    action = RemoteAction("action_next_step", FailingEndpoint(error))
    tracker = SimpleNamespace(sender_id="s", current_state=lambda *a, **k: {}, latest_message=None)
    action._action_call_format = lambda tracker, domain: {}
    return asyncio.run(action.run(CollectingOutputChannel(), NoResponseNlg(), tracker, None))


def test_an_unreachable_action_server_gets_the_polite_reply_and_ends_the_turn(fallback):
    events = run_remote(aiohttp.ClientConnectionError("refused"))
    assert isinstance(events[0], BotUttered) and "暂时不可用" in events[0].text
    assert events[0].metadata.get("utter_action") == UNAVAILABLE_RESPONSE
    assert isinstance(events[1], FollowupAction) and events[1].action_name == "action_listen"


def test_a_rejection_stays_rasas(fallback):
    with pytest.raises(ActionExecutionRejection):
        run_remote(ActionExecutionRejection("action_next_step"))


def test_installing_twice_keeps_one_layer(fallback):
    patched = RemoteAction.run
    resilience.install_action_server_fallback()
    assert RemoteAction.run is patched
