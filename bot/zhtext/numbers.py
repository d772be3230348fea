"""Chinese and Arabic numerals, and amounts of money in yuan.

``parse_number`` understands Arabic numbers (``12,500.50``), Chinese numerals
(``一万二千五百``, ``两万零五十``), financial capitals (``壹万贰仟``), mixtures (``1.2万``,
``3万5``) and the colloquial short forms (``三万五`` = 35000, ``两千五`` = 2500).

``find_amounts`` only reports a number as an amount when a currency cue is present (元, 块,
圆, ¥, 人民币, a 万/亿 multiplier, or a preceding 金额 / 价税合计 ...), so dates and invoice
numbers are not taken for amounts.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import List, Optional

from .entity import AMOUNT, Candidate

_DIGITS = {
    "零": 0, "〇": 0,
    "一": 1, "壹": 1,
    "二": 2, "两": 2, "贰": 2,
    "三": 3, "叁": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10**4, "亿": 10**8}

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_UNITS = "十百千万亿拾佰仟"
# A numeral starts with a digit (or 十, as in 十五) and alternates units and digits.
NUMERAL = (
    rf"(?:{_ARABIC}|[{_CN_DIGITS}]+|[十拾])"
    rf"(?:[{_UNITS}零〇]+(?:{_ARABIC}|[{_CN_DIGITS}]+)?)*"
)
_TOKEN = re.compile(rf"{_ARABIC}|.", re.S)

_AMOUNT = re.compile(
    rf"(?:(?P<prefix>(?:¥|人民币|rmb)\s*)|(?<![\d.,a-z]))"
    rf"(?P<num>{NUMERAL})"
    rf"(?P<unit>\s*(?:元整|元|块钱|块|圆整|圆|rmb))?"
)
# Cues written before a bare number: "金额 3000", "价税合计: 12,500.50".
_CUE_BEFORE = re.compile(
    r"(?:金额|价税合计|合计|总额|总价|税额|价款|含税价|不含税价|多少钱|一共|共计)"
    r"\s*(?:是|为|:|共|约|大概|:)?\s*$"
)
# 块 is also a measure word: 两块ukey, 一块税盘.
_NOT_MONEY_AFTER_KUAI = re.compile(r"[a-z]|税|盘|屏|板|卡|金税|硬")
# 两万张发票: a 万 multiplier followed by a measure word counts things, not money.
_MEASURE_WORDS = frozenset("张份个次条笔家户人年天台件号位页行")
_CUE_WINDOW = 12
_CENT = Decimal("0.01")


def parse_number(text: str) -> Optional[Decimal]:
    """Parses a numeral into a Decimal.

    Args:
        text: a numeral such as ``一万二千五百``, ``1.2万``, ``12,500.50`` or ``壹万贰仟``
            (already NFKC-normalised; traditional 萬/兩 folded to 万/两).

    Returns:
        The value, or None when ``text`` is not a well-formed numeral.
    """
    total = Decimal(0)
    section = Decimal(0)
    number: Optional[Decimal] = None
    single = False  # the pending number is one digit, as in 三万五
    arabic = False  # the pending number was written in Arabic digits
    zero_seen = False
    last_unit = 0
    seen_any = False
    for token in _TOKEN.findall(text):
        if token[0].isdigit() and token[0].isascii():
            if number is not None:
                return None
            try:
                number = Decimal(token.replace(",", ""))
            except InvalidOperation:
                return None
            single, arabic, seen_any = len(token) == 1, True, True
        elif token in _DIGITS:
            digit = _DIGITS[token]
            seen_any = True
            if number is not None:
                if arabic:
                    return None  # 12三 is not a numeral
                number = number * 10 + digit  # positional: 一二三, 二〇二四
                single = False
            elif digit == 0:
                zero_seen = True
            else:
                number, single, arabic = Decimal(digit), True, False
        elif token in _SMALL_UNITS:
            unit = _SMALL_UNITS[token]
            section += (number if number is not None else 1) * unit
            number, single, zero_seen, last_unit = None, False, False, unit
            arabic, seen_any = False, True
        elif token in _BIG_UNITS:
            unit = _BIG_UNITS[token]
            section += number if number is not None else 0
            if section == 0 and total == 0:
                return None
            if unit == _BIG_UNITS["亿"]:
                total = (total + section) * unit
            else:
                total += section * unit
            section = Decimal(0)
            number, single, zero_seen, last_unit = None, False, False, unit
            arabic = False
        else:
            return None
    if not seen_any:
        return None
    if number is not None:
        if single and last_unit >= 10 and not zero_seen:
            number *= Decimal(last_unit) / 10  # 三万五 = 3万 + 5千
        section += number
    return total + section


def format_amount(value: Decimal) -> str:
    """Formats an amount in yuan with two decimals, e.g. ``12500.00``."""
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _unit_is_money(folded: str, match: "re.Match[str]") -> bool:
    unit = (match.group("unit") or "").strip()
    if not unit:
        return False
    return not (unit == "块" and _NOT_MONEY_AFTER_KUAI.match(folded[match.end() :]))


def _has_currency_cue(folded: str, match: "re.Match[str]") -> bool:
    if match.group("prefix") or _unit_is_money(folded, match):
        return True
    num = match.group("num")
    after = folded[match.end("num") :].lstrip()
    if ("万" in num or "亿" in num) and after[:1] not in _MEASURE_WORDS:
        return True
    before = folded[max(0, match.start("num") - _CUE_WINDOW) : match.start("num")]
    return bool(_CUE_BEFORE.search(before))


def find_amounts(folded: str) -> List[Candidate]:
    """Finds amounts of money in a normalised, folded text.

    Args:
        folded: the output of :func:`bot.zhtext.text.fold_for_matching`.

    Returns:
        ``amount`` candidates whose value is a decimal string in yuan (``12500.00``).
    """
    found: List[Candidate] = []
    for match in _AMOUNT.finditer(folded):
        if not _has_currency_cue(folded, match):
            continue
        value = parse_number(match.group("num"))
        if value is None:
            continue
        start = match.start("prefix") if match.group("prefix") else match.start("num")
        end = match.end() if _unit_is_money(folded, match) else match.end("num")
        found.append(Candidate(AMOUNT, format_amount(value), start, end))
    return found
