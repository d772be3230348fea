"""Pieces of the Rasa glue: proactive messages, the query parser."""


import pytest

from bot.rasa_plugins.channels.wechat.channel import ApiOutputChannel, collector_named
from bot.rasa_plugins.channels.wechat.common import query_from_string
from tests.channels.unit.fakes import RecordingApi, oa_handler


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
