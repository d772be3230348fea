"""Chinese numerals and amounts (only with a currency cue)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bot.zhtext.numbers import find_amounts, parse_number
from bot.zhtext.text import fold_for_matching, normalise


@pytest.mark.parametrize(
    "text, expected",
    [
        ("一万二千五百", "12500"),
        ("1.2万", "12000"),
        ("三千", "3000"),
        ("两万零五十", "20050"),
        ("两万零五", "20005"),
        ("壹万贰仟", "12000"),
        ("壹佰贰拾叁", "123"),
        ("12,500.50", "12500.50"),
        ("三万五", "35000"),  # colloquial: the last digit counts in the next lower unit
        ("两千五", "2500"),
        ("一百零五", "105"),
        ("十五", "15"),
        ("十", "10"),
        ("3万5", "35000"),
        ("1万2000", "12000"),
        ("一亿二千万", "120000000"),
        ("二〇二四", "2024"),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["万一", "12三", "元", ""])
def test_parse_number_rejects(text):
    assert parse_number(text) is None


def amounts(text):
    return [c.value for c in find_amounts(fold_for_matching(normalise(text)))]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("一万二千五百元", ["12500.00"]),
        ("大概1.2万", ["12000.00"]),
        ("三千块", ["3000.00"]),
        ("两万零五十", ["20050.00"]),
        ("壹万贰仟元整", ["12000.00"]),
        ("12,500.50元", ["12500.50"]),
        ("¥3000", ["3000.00"]),
        ("￥3000", ["3000.00"]),
        ("人民币 500", ["500.00"]),
        ("金额是3000", ["3000.00"]),
        ("价税合计：12,500.50", ["12500.50"]),
        ("3万5千元", ["35000.00"]),
        ("两千五百块钱", ["2500.00"]),
        ("一萬元", ["10000.00"]),  # traditional
        ("兩千塊", ["2000.00"]),
        ("统一1000元", ["1000.00"]),
        ("0.5元", ["0.50"]),
        ("0元", ["0.00"]),
        ("金额3000，税额390", ["3000.00", "390.00"]),
    ],
)
def test_find_amounts(text, expected):
    assert amounts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024年10月29日",
        "发票号码12345678",
        "开了3000张",
        "两万张发票",
        "两块UKey",
        "一块税盘",
        "万一开不了怎么办",
        "千万不要重复开票",
        "10.29",
    ],
)
def test_no_amount_without_currency_cue(text):
    assert amounts(text) == []
