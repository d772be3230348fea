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
        ("十五万", "150000"),
        ("拾伍", "15"),
        ("参万", "30000"),  # OpenCC's 参 for the financial 參
        ("壹万参仟", "13000"),
        ("贰拾参", "23"),
        ("仨", "3"),
        ("仨万", "30000"),
        ("1,234,567.891", "1234567.891"),
        ("1.23456万", "12345.6"),  # exact: cn2an alone would truncate to 12345
        ("0.5", "0.5"),
        ("0", "0"),
    ],
)
def test_parse_number(text, expected):
    value = parse_number(text)
    assert value == Decimal(expected)
    assert isinstance(value, Decimal)


@pytest.mark.parametrize("text", ["万一", "12三", "元", "", "三千元", "1,2345", "一点五", "十五点", "参考"])
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
        ("參萬元", ["30000.00"]),  # 參 → 参 by OpenCC (was lost before)
        ("参万", ["30000.00"]),  # what the extractor gets after ChineseTextNormaliser
        ("金额參萬", ["30000.00"]),
        ("壹萬參仟元整", ["13000.00"]),
        ("仨万块", ["30000.00"]),
        ("仨块钱", ["3.00"]),
        ("十五元", ["15.00"]),  # was 5.00: the numeral lost its leading 十
        ("十五万元", ["150000.00"]),
        ("三万五", ["35000.00"]),
        ("两千五百元", ["2500.00"]),
        ("3万5", ["35000.00"]),
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
        "参考金额见附件",  # 参 is a digit only before a unit or a money word
        "金额参照发票",
        "我们仨都开不了票",
        "十分满意",
    ],
)
def test_no_amount_without_currency_cue(text):
    assert amounts(text) == []


@pytest.mark.parametrize("text", ["發票金額參萬元", "发票金额参万元"])
def test_amount_in_traditional_text_with_and_without_the_nlu_normaliser(text):
    """Rasa's ChineseTextNormaliser runs OpenCC before the extractor; actions call it on raw text."""
    from bot.zhtext import extract, normalise_for_nlu

    for message in (text, normalise_for_nlu(text)):
        (amount,) = [e for e in extract(message) if e.entity == "amount"]
        assert amount.value == "30000.00"
        assert message[amount.start:amount.end] == message[4:7]
