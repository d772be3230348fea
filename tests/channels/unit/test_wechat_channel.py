"""Pieces of the Rasa glue: the privacy hook, proactive messages, the query parser."""

import sys
import types

import pytest

from bot.rasa_plugins.channels.wechat.channel import ApiOutputChannel, collector_named
from bot.rasa_plugins.channels.wechat.common import forget_user_elsewhere, query_from_string
from tests.channels.unit.fakes import RecordingApi, oa_handler


@pytest.mark.parametrize("is_async", [False, True])
async def test_unsubscribe_calls_the_privacy_hook_when_present(monkeypatch, is_async):
    forgotten = []
    module = types.ModuleType("bot.app.privacy")
    if is_async:
        async def forget_user(user):
            forgotten.append(user)
    else:
        def forget_user(user):
            forgotten.append(user)
    module.forget_user = forget_user
    monkeypatch.setitem(sys.modules, "bot.app.privacy", module)
    await forget_user_elsewhere("oUser")
    assert forgotten == ["oUser"]


async def test_a_failing_privacy_hook_is_logged_not_raised(monkeypatch, caplog):
    module = types.ModuleType("bot.app.privacy")
    module.forget_user = lambda user: 1 / 0
    monkeypatch.setitem(sys.modules, "bot.app.privacy", module)
    await forget_user_elsewhere("oUser")
    assert "forget_user failed" in caplog.text


async def test_a_missing_privacy_module_is_fine(monkeypatch):
    monkeypatch.setitem(sys.modules, "bot.app.privacy", None)  # import raises ModuleNotFoundError
    await forget_user_elsewhere("oUser")


async def test_proactive_messages_go_through_the_api_with_numbered_choices():
    api = RecordingApi()
    handler = oa_handler(api=api)
    output = ApiOutputChannel(handler, "wechat")
    await output.send_response("oUser", {"text": "您的工单已处理",
                                         "buttons": [{"title": "满意", "payload": "/affirm"}]})
    assert api.sent == [("oUser", "您的工单已处理\n【1】满意\n回复数字选择")]
    assert await handler.buttons.resolve("oUser", "1") == "/affirm"
    assert output.name() == "wechat"


def test_collector_reports_the_channel_name_for_response_variations():
    assert collector_named("wecom")().name() == "wecom"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("a=1&b=x%2By", {"a": "1", "b": "x+y"}),
        ("echostr=ab+cd", {"echostr": "ab+cd"}),  # a raw "+" stays a "+"
        ("a=1&a=2", {"a": "1"}),
        ("", {}),
        ("flag", {"flag": ""}),
    ],
)
def test_query_parsing(raw, expected):
    assert dict(query_from_string(raw)) == expected
