"""Masking of personal data in text and in log records."""
from __future__ import annotations

import logging

import pytest

from bot.zhtext.mask import PersonalDataFilter, mask_personal_data


@pytest.mark.parametrize(
    "text, expected",
    [
        ("税号91350100M000100Y43", "税号9135************43"),
        ("税号91350100M000100Y44错了", "税号9135************44错了"),  # masked even if invalid
        ("手机13812345678", "手机138****5678"),
        ("电话 +86 138 1234 5678", "电话 +86 138****5678"),
        ("身份证11010119900101123X", "身份证110101********123X"),
        ("身份证110101199001011234", "身份证110101********1234"),
        ("邮箱zhang.san@example.com", "邮箱z***@example.com"),
        ("发票号码12345678", "发票号码12345678"),
        ("号码24442000000012345678", "号码24442000000012345678"),
        ("代码044002001111", "代码044002001111"),
        ("", ""),
    ],
)
def test_mask_personal_data(text, expected):
    assert mask_personal_data(text) == expected


def make_record(msg, args):
    return logging.LogRecord("test", logging.INFO, __file__, 1, msg, args, None)


def test_filter_masks_message_and_arguments():
    record = make_record("user %s phone %s data %s",
                         ("91350100M000100Y43", 13812345678, {"m": "13812345678"}))
    assert PersonalDataFilter().filter(record) is True
    message = record.getMessage()
    assert "13812345678" not in message and "91350100M000100Y43" not in message
    assert "138****5678" in message and "9135************43" in message


def test_filter_keeps_records_with_broken_format_strings():
    record = make_record("phone %s %s", ("13812345678",))
    assert PersonalDataFilter().filter(record) is True
    assert record.args == ("138****5678",)


def test_filter_on_a_handler(caplog):
    logger = logging.getLogger("tests.mask")
    caplog.handler.addFilter(PersonalDataFilter())
    try:
        with caplog.at_level(logging.INFO, logger="tests.mask"):
            logger.info("ticket for %s", "13812345678")
    finally:
        caplog.handler.filters.clear()
    assert caplog.messages == ["ticket for 138****5678"]
