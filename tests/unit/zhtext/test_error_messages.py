"""Quoted error messages, messages after cue words, and error codes."""
from __future__ import annotations

import pytest

from bot.zhtext.error_messages import MAX_LENGTH, find_error_messages
from bot.zhtext.pipeline import is_term
from bot.zhtext.text import fold_for_matching, normalise


def messages(text):
    norm = normalise(text)
    return [c.value for c in find_error_messages(norm, fold_for_matching(norm), is_term)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("登录时提示“证书已过期”", ["证书已过期"]),
        ("提示框里写着「税号不匹配」", ["税号不匹配"]),
        ("弹出『系统维护中』", ["系统维护中"]),
        ("它说'纳税人识别号不存在'", ["纳税人识别号不存在"]),
        ('显示"invalid certificate"', ["invalid certificate"]),
        ("页面顯示“查無此票”", ["查無此票"]),  # the value keeps what the user wrote
        ("报错：E1002 证书无效，请联系管理员。然后就退出了", ["E1002 证书无效,请联系管理员"]),
        ("系统提示：纳税人识别号不存在，请核对。", ["纳税人识别号不存在,请核对"]),
        ("上传时报错网络超时怎么办", ["网络超时"]),
        ("提示我密码错误", ["密码错误"]),
        ("发票显示已作废了", ["已作废"]),
        ("错误代码：1102", ["1102"]),
        ("错误码0x80070005", ["0x80070005"]),
        ("一直报E1002", ["E1002"]),
        ("error code: 500", ["500"]),
    ],
)
def test_error_messages(text, expected):
    assert messages(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "开票软件一直报错",
        "显示不出来",
        "提示框在哪里",
        "我开的是“专票”",  # a quoted term is not an error message
        "号码是“12345678”",
        "it's fine, don't worry",
        "GB32100标准",
    ],
)
def test_no_error_message(text):
    assert messages(text) == []


def test_long_messages_are_cut():
    (value,) = messages("提示：" + "错" * 500)
    assert len(value) == MAX_LENGTH
