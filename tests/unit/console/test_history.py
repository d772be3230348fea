"""Tracker events -> the conversation the widget shows."""
from __future__ import annotations

import pytest

from bot.console.history import conversation_messages, has_conversation, is_valid_session_id

BUTTONS = [{"title": "已解决", "payload": "/problem_solved"},
           {"title": "没解决", "payload": "/problem_persists"}]


def user(text, **metadata):
    return {"event": "user", "text": text, "timestamp": 1.0, "metadata": metadata}


def bot(text, buttons=None, **data):
    return {"event": "bot", "text": text, "timestamp": 2.0,
            "data": {"buttons": buttons, **data}}


@pytest.mark.parametrize("value, valid", [
    ("0123456789abcdef0123456789abcdef", True),
    ("0123456789ABCDEF0123456789ABCDEF", False),
    ("default", False),
    ("0123456789abcdef", False),
    ("../../conversations/x/tracker", False),
    ("", False),
])
def test_only_unguessable_session_ids_are_valid(value, valid):
    assert is_valid_session_id(value) is valid


def test_keeps_only_user_and_bot_messages_in_order():
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        user("登录不了"),
        {"event": "slot", "name": "problem", "value": "login_failure"},
        bot("请先检查账号。", BUTTONS),
        {"event": "action", "name": "action_listen"},
    ]
    messages = conversation_messages(events)
    assert [(m["role"], m["text"]) for m in messages] == [("user", "登录不了"), ("bot", "请先检查账号。")]
    assert messages[1]["buttons"] == BUTTONS
    assert messages[1]["id"] == "bot-1"


def test_bot_text_is_split_like_the_socketio_channel_with_buttons_on_the_last_part():
    messages = conversation_messages([bot("第一段\n\n1. 第一步\n2. 第二步", BUTTONS), bot("再见")])
    assert [m["text"] for m in messages] == ["第一段", "1. 第一步\n2. 第二步", "再见"]
    assert [m["buttons"] for m in messages] == [[], BUTTONS, []]
    assert [m["id"] for m in messages] == ["bot-1", "bot-2", "bot-3"]


@pytest.mark.parametrize("event, shown", [
    (user("/problem_solved"), "已解决"),                            # title of the button offered
    (user("/rate{\"rating\":\"5\"}", button_title="非常满意"), "非常满意"),  # title sent by the widget
    (user("/unknown_payload"), "/unknown_payload"),
    (user("普通文字"), "普通文字"),
])
def test_payloads_show_as_the_button_title(event, shown):
    messages = conversation_messages([bot("结果如何？", BUTTONS), event])
    assert messages[-1] == {"role": "user", "text": shown, "timestamp": 1.0}


def test_messages_without_text_are_skipped_and_not_counted():
    events = [{"event": "bot", "text": None, "data": {"image": "https://x/a.png"}}, bot("好的")]
    messages = conversation_messages(events)
    assert [(m["text"], m["id"]) for m in messages] == [("好的", "bot-1")]


def test_has_conversation():
    assert not has_conversation([])
    assert not has_conversation([{"event": "action", "name": "action_listen"}])
    assert has_conversation([user("你好")])
