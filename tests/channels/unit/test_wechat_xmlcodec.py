"""Safe XML parsing and reply rendering (docs/channels.md §1.4, §1.7)."""

import xml.etree.ElementTree as ET

import pytest

from bot.rasa_plugins.channels.wechat.xmlcodec import (
    XmlRejected,
    cdata,
    parse_callback,
    render_text_reply,
)


def test_parses_v1_plaintext_message(vectors):
    fields = parse_callback(vectors["V1_tencent_oa_sample"]["decrypted"].encode())
    assert fields == {
        "ToUserName": "gh_10f6c3c3ac5a",
        "FromUserName": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        "CreateTime": "1409735668",
        "MsgType": "text",
        "Content": "abcdteT",
        "MsgId": "6054768590064713728",  # kept as a string: 64-bit ids lose precision elsewhere
    }


def test_nested_elements_are_skipped_not_expanded():
    body = b"<xml><MsgType>event</MsgType><ScanCodeInfo><ScanType>qrcode</ScanType></ScanCodeInfo></xml>"
    assert parse_callback(body) == {"MsgType": "event", "ScanCodeInfo": ""}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<xml><Content>&b;</Content></xml>"""


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        b'<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
        b'<!DOCTYPE xml [<!ENTITY e "x">]><xml><Content>&e;</Content></xml>',
        b"<!DOCTYPE xml><xml><Content>hi</Content></xml>",
        b"<xml><Content>unclosed</xml>",
        b"",
        b"not xml at all",
        b"<root><Content>hi</Content></root>",
        b"<xml><MsgId>1</MsgId><MsgId>2</MsgId></xml>",
    ],
    ids=["billion-laughs", "external-entity", "internal-entity", "bare-doctype", "malformed",
         "empty", "text", "wrong-root", "duplicate-tag"],
)
def test_unsafe_or_malformed_bodies_are_rejected(body):
    with pytest.raises(XmlRejected):
        parse_callback(body)


@pytest.mark.parametrize("text", ["a]]><Evil/>b", "]]>", "]]]]>>", "普通文本", ""])
def test_cdata_escaping_survives_a_real_parser(text):
    element = ET.fromstring(f"<x>{cdata(text)}</x>")
    assert (element.text or "") == text
    assert len(element) == 0  # no injected element


def test_text_reply_layout_and_content_round_trip():
    content = "第一步：检查UKey]]><Evil/>\n\n回复数字选择"
    reply = render_text_reply("oUser", "gh_account", content, 1700000000)
    fields = {child.tag: child.text for child in ET.fromstring(reply)}
    assert fields == {
        "ToUserName": "oUser",
        "FromUserName": "gh_account",
        "CreateTime": "1700000000",
        "MsgType": "text",
        "Content": content,
    }


def test_control_characters_are_dropped_from_replies():
    reply = render_text_reply("u", "gh", "a\x00b\x07c\td", 1)
    assert ET.fromstring(reply).find("Content").text == "abc\td"
