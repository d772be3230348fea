"""Chinese and Arabic numerals, and amounts of money in yuan.

``parse_number`` understands Arabic numbers (``12,500.50``), Chinese numerals
(``一万二千五百``, ``两万零五十``), financial capitals (``壹万贰仟``, ``参万``), mixtures (``1.2万``,
``3万5``) and the colloquial short forms (``三万五`` = 35000, ``两千五`` = 2500, ``仨``). The
Chinese grammar is cn2an's (``smart`` mode); this module finds the numerals in a text, maps
the two digits cn2an does not know (参, which OpenCC makes of the financial 參, and 仨) and
keeps the values exact (``Decimal``).

``find_amounts`` only reports a number as an amount when a currency cue is present (元, 块,
圆, ¥, 人民币, a 万/亿 multiplier, or a preceding 金额 / 价税合计 ...), so dates and invoice
numbers are not taken for amounts.
"""
from __future__ import annotations

import re
import threading
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, List, Optional

from .entity import AMOUNT, Candidate

if TYPE_CHECKING:  # cn2an is imported on first use (it loads proces' tables, about 0.4 s)
    from cn2an import Cn2An

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_UNITS = "十百千万亿拾佰仟"
# 参 (OpenCC's simplified form of the financial 參) and 仨 (colloquial three) are also common
# characters (参考, 参数; 我们仨): they count as digits only before a unit or a money word.
_RARE_DIGITS = {"参": "叁", "仨": "三"}
_RARE_DIGIT = rf"[{''.join(_RARE_DIGITS)}](?=[{_UNITS}元块圆])"
_CN_DIGIT = rf"(?:[{_CN_DIGITS}]|{_RARE_DIGIT})"
# A numeral starts with a digit (or with 十, as in 十五 and 十万) and alternates units and
# digits.
NUMERAL = (
    rf"(?:{_ARABIC}|{_CN_DIGIT}+|(?=[十拾]))"
    rf"(?:[{_UNITS}零〇]+(?:{_ARABIC}|{_CN_DIGIT}+)?)*"
)
# parse_number's input after 参/仨 are mapped: the same shape, without the look-ahead.
_WELL_FORMED = re.compile(
    rf"(?:{_ARABIC}|[{_CN_DIGITS}]+|(?=[十拾]))(?:[{_UNITS}零〇]+(?:{_ARABIC}|[{_CN_DIGITS}]+)?)+"
    rf"|{_ARABIC}|[{_CN_DIGITS}]+"
)
_MAP_RARE_DIGITS = str.maketrans(_RARE_DIGITS)
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# 12500.50, 1.2万, 3亿: exact in Decimal (cn2an would truncate 1.23456万 to an int).
_PLAIN = re.compile(r"(\d+(?:\.\d+)?)([万亿]?)")
_BIG_UNITS = {"": 1, "万": 10**4, "亿": 10**8}

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

_cn2an_lock = threading.Lock()
_cn2an: Optional["Cn2An"] = None


def _converter() -> "Cn2An":
    global _cn2an
    if _cn2an is None:
        with _cn2an_lock:
            if _cn2an is None:
                from cn2an import Cn2An

                _cn2an = Cn2An()
    return _cn2an


def parse_number(text: str) -> Optional[Decimal]:
    """Parses a numeral into a Decimal.

    Args:
        text: a numeral such as ``一万二千五百``, ``1.2万``, ``12,500.50``, ``壹万贰仟`` or
            ``参万`` (already NFKC-normalised and folded to simplified characters).

    Returns:
        The value, or None when ``text`` is not a well-formed numeral (``万一``, ``12三``).
    """
    text = _THOUSANDS_SEPARATOR.sub("", text or "").translate(_MAP_RARE_DIGITS)
    if not _WELL_FORMED.fullmatch(text):
        return None
    plain = _PLAIN.fullmatch(text)
    if plain:
        try:
            return Decimal(plain.group(1)) * _BIG_UNITS[plain.group(2)]
        except InvalidOperation:  # pragma: no cover - the pattern only admits decimals
            return None
    try:
        value = _converter().cn2an(text, "smart")
    except (ValueError, KeyError, IndexError):
        return None
    # Without 点 in the numeral cn2an returns an int; str() keeps a float's shortest form.
    return Decimal(str(value))


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
