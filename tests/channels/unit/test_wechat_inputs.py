"""Inbound message → Rasa input (the payloads the domain must handle)."""

import pytest

from bot.rasa_plugins.channels.wechat.inputs import TurnInput, turn_input


def msg(msg_type, **extra):
    return {"ToUserName": "gh", "FromUserName": "u", "CreateTime": "1", "MsgType": msg_type, **extra}


@pytest.mark.parametrize(
    "fields, expected",
    [
        (msg("text", Content="登录不了"), TurnInput("登录不了", typed=True)),
        (msg("text", Content="/restart"), TurnInput("restart", typed=True)),
        (msg("text", Content='/inform{"ticket_number":"1"}'),
         TurnInput('inform{"ticket_number":"1"}', typed=True)),
        (msg("text", Content="  "), TurnInput("", typed=True)),
        (msg("text", Content="/"), TurnInput("", typed=True)),
        (msg("voice", Recognition="我登录不了。"), TurnInput("我登录不了。")),
        (msg("voice", Recognition=""), TurnInput("/voice_unrecognized")),
        (msg("voice"), TurnInput("/voice_unrecognized")),
        (msg("image", PicUrl="x"), TurnInput("/unsupported_message")),
        (msg("video"), TurnInput("/unsupported_message")),
        (msg("location"), TurnInput("/unsupported_message")),
        (msg("file"), TurnInput("/unsupported_message")),
        (msg("event", Event="subscribe"), TurnInput("/greet")),
        (msg("event", Event="subscribe", EventKey="qrscene_123"), TurnInput("/greet")),
        (msg("event", Event="unsubscribe"), TurnInput(forget_user=True)),
        (msg("event", Event="CLICK", EventKey="LOGIN_FAILURE"), TurnInput("/login_failure")),
        (msg("event", Event="click", EventKey="system_outage"), TurnInput("/system_outage")),
        (msg("event", Event="CLICK", EventKey="Upload_Failure"), TurnInput("/upload_failure")),
        (msg("event", Event="CLICK", EventKey="SOMETHING_ELSE"), TurnInput("/greet")),
        (msg("event", Event="VIEW", EventKey="https://x"), TurnInput()),
        (msg("event", Event="LOCATION"), TurnInput()),
        (msg("event", Event="enter_agent"), TurnInput()),
    ],
)
def test_turn_input(fields, expected):
    assert turn_input(fields) == expected


@pytest.mark.parametrize(
    "key",
    ["LOGIN_FAILURE", "INVOICE_MISSING", "ISSUANCE_FAILURE", "QUERY_EMPTY", "UPLOAD_FAILURE",
     "SYSTEM_OUTAGE"],
)
def test_every_problem_has_a_menu_key(key):
    assert turn_input(msg("event", Event="CLICK", EventKey=key)).text == "/" + key.lower()
