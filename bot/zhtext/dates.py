"""Absolute and relative Chinese dates, normalised to ISO 8601.

A single day becomes ``YYYY-MM-DD``; a month, week, quarter or year becomes the range
``YYYY-MM-DD/YYYY-MM-DD`` (both ends inclusive). Relative expressions are resolved against a
``today`` argument so tests can fix the date; :func:`china_today` gives the default.

Dates written without a year (``10月29日``, ``10.29``) mean the most recent such day that is
not in the future. Impossible dates (``2月30日``) are not extracted.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Callable, Dict, List, Optional, Tuple

from .entity import INVOICE_DATE, Candidate
from .numbers import parse_number

CHINA_TIME_ZONE = "Asia/Shanghai"
# China has used UTC+8 without daylight saving time since 1991: a safe fallback when the
# system has no time zone database.
_CHINA_FIXED = timezone(timedelta(hours=8), CHINA_TIME_ZONE)

_CN_SMALL = "一二三四五六七八九十"
_YEAR4 = r"(?:(?<!\d)\d{4}|[〇零一二三四五六七八九]{4})"
_YEAR = r"(?:(?<!\d)\d{4}|(?<!\d)\d{2}|[〇零一二三四五六七八九]{4})"
_MONTH = rf"(?:\d{{1,2}}|[{_CN_SMALL}]{{1,2}})"
_DAY = rf"(?:\d{{1,2}}|[{_CN_SMALL}]{{1,3}})"
_COUNT = rf"(?:\d{{1,3}}|[{_CN_SMALL}两]{{1,3}})"
_WEEK = r"(?:周|星期|礼拜)"
_WEEKDAY = r"[一二三四五六日天七1-7]"
_NOT_MONEY = r"(?!\s*(?:元|块|圆|万|千|百|亿|%|倍|版|g|m|k|岁|分|秒|小时))"

_RULES = [
    ("ymd", rf"(?P<ymd_y>{_YEAR})年(?P<ymd_m>{_MONTH})月(?P<ymd_d>{_DAY})(?:日|号)?(?!\d)"),
    ("ym", rf"(?P<ym_y>{_YEAR})年(?P<ym_m>{_MONTH})月份?"),
    ("iso", r"(?<![\d.])(?P<iso_y>\d{4})(?P<iso_sep>[-/.])(?P<iso_m>\d{1,2})(?P=iso_sep)"
            r"(?P<iso_d>\d{1,2})(?!\d)"),
    ("iso_month", r"(?<![\d.])(?P<isom_y>\d{4})[-/](?P<isom_m>\d{1,2})(?![\d/.-])"),
    ("compact", r"(?<!\d)(?P<c_y>\d{4})(?P<c_m>\d{2})(?P<c_d>\d{2})(?!\d)"),
    ("rel_year_md", rf"(?P<ry_rel>去年|今年|前年)(?P<ry_m>{_MONTH})月(?:份)?"
                    rf"(?:(?P<ry_d>{_DAY})(?:日|号)?)?(?!\d)"),
    ("md", rf"(?<!\d)(?P<md_m>{_MONTH})月(?P<md_d>{_DAY})(?:日|号)(?!\d)"),
    ("md_num", rf"(?<![\d.,/])(?P<mdn_m>\d{{1,2}})(?:\.(?P<mdn_d1>\d{{2}})|/(?P<mdn_d2>\d{{1,2}}))"
               rf"(?![\d./%]){_NOT_MONEY}"),
    ("month", rf"(?<![\d{_CN_SMALL}个每几])(?P<mo_m>{_MONTH})月份?(?![\d{_CN_SMALL}])"),
    ("days_ago", rf"(?P<da_n>{_COUNT})(?:天|日)(?:以)?前"),
    ("weeks_ago", rf"(?P<wa_n>{_COUNT})(?:个)?(?:周|星期|礼拜)(?:以)?前"),
    ("months_ago", rf"(?P<ma_n>{_COUNT})个月(?:以)?前"),
    ("day_word", r"(?P<dw>大前天|前天|昨天|昨日|今天|今日|当天)"),
    ("weekday", rf"(?P<wd_rel>上个?|这个?|本)?{_WEEK}(?P<wd_d>{_WEEKDAY})"),
    ("week", rf"(?P<wk_rel>上个?|这个?|本){_WEEK}"),
    ("month_word", r"(?P<mw>上个月|上月|本月|这个月|这月|当月)"),
    ("quarter_word", r"(?P<qw>上个季度|上一季度|上季度|本季度|这个季度|这季度|本季)"),
    ("year_word", r"(?P<yw>去年|今年|前年)"),
    ("year", rf"(?P<yr_y>{_YEAR4})年(?:度)?"),
]
_DATE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _RULES))
_COMPACT_CUE = re.compile(r"(?:日期|时间|开票日|开具日)\s*(?:是|为|:)?\s*$")
_VERSION_CUE = re.compile(r"(?:版本|v|¥|\$)\s*$")
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_YEAR_OFFSETS = {"今年": 0, "去年": 1, "前年": 2}
_CUE_WINDOW = 8
_AMBIGUOUS = 0.8

Span = Tuple[date, date]


def china_today(time_zone: str = CHINA_TIME_ZONE) -> date:
    """Today's date in ``time_zone`` (default Asia/Shanghai).

    Falls back to a fixed UTC+8 offset when the time zone database is unavailable.
    """
    return datetime.now(_zone(time_zone)).date()


def _zone(name: str) -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - missing tz database or unknown name
        return _CHINA_FIXED


def _int(text: str) -> Optional[int]:
    if text.isdigit():
        return int(text)
    if text and all(ch in "〇零一二三四五六七八九" for ch in text):
        return int("".join(str("〇一二三四五六七八九".index(ch) if ch != "零" else 0) for ch in text))
    value = parse_number(text)
    return int(value) if value is not None and value == int(value) else None


def _year(text: str) -> Optional[int]:
    value = _int(text)
    if value is None:
        return None
    return 2000 + value if len(text) == 2 else value


def _day(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_span(year: int, month: int) -> Optional[Span]:
    if not 1 <= month <= 12 or not 1900 <= year <= 2100:
        return None
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _recent_day(month: int, day: int, today: date) -> Optional[date]:
    """The most recent ``month``/``day`` on or before today (Feb 29 looks back up to 8 years)."""
    for back in range(9):
        found = _day(today.year - back, month, day)
        if found is not None and found <= today:
            return found
    return None


def _recent_month(month: int, today: date) -> Optional[Span]:
    year = today.year if month <= today.month else today.year - 1
    return _month_span(year, month)


def _quarter_span(year: int, quarter: int) -> Span:
    first = date(year, quarter * 3 + 1, 1)
    return first, _month_span(year, quarter * 3 + 3)[1]  # type: ignore[index]


def _week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def _ymd(g: Dict[str, str], y: str, m: str, d: str) -> Optional[Span]:
    year, month, day = _year(g[y]), _int(g[m]), _int(g[d])
    if year is None or month is None or day is None or not 1900 <= year <= 2100:
        return None
    found = _day(year, month, day)
    return (found, found) if found else None


def _ym(g: Dict[str, str], y: str, m: str) -> Optional[Span]:
    year, month = _year(g[y]), _int(g[m])
    return _month_span(year, month) if year is not None and month is not None else None


def _rel_year_md(g: Dict[str, str], today: date) -> Optional[Span]:
    year = today.year - _YEAR_OFFSETS[g["ry_rel"]]
    month = _int(g["ry_m"])
    if month is None:
        return None
    if g["ry_d"] is None:
        return _month_span(year, month)
    day = _int(g["ry_d"])
    found = _day(year, month, day) if day is not None else None
    return (found, found) if found else None


def _md(month_text: str, day_text: Optional[str], today: date) -> Optional[Span]:
    month = _int(month_text)
    day = _int(day_text) if day_text else None
    if month is None or day is None:
        return None
    found = _recent_day(month, day, today)
    return (found, found) if found else None


def _ago(count_text: str, today: date, unit: str) -> Optional[Span]:
    count = _int(count_text)
    if count is None or count > 3650:
        return None
    if unit == "months":
        found = _shift_months(today, count)
    else:
        found = today - timedelta(days=count * (7 if unit == "weeks" else 1))
    return found, found


def _day_word(word: str, today: date) -> Span:
    back = {"大前天": 3, "前天": 2, "昨天": 1, "昨日": 1}.get(word, 0)
    found = today - timedelta(days=back)
    return found, found


def _weekday(g: Dict[str, str], today: date) -> Optional[Span]:
    digit = g["wd_d"]
    weekday = int(digit) - 1 if digit.isdigit() else _WEEKDAYS[digit]
    rel = (g["wd_rel"] or "").rstrip("个")
    monday = _week_start(today)
    if rel == "上":
        found = monday - timedelta(days=7) + timedelta(days=weekday)
    elif rel in ("这", "本"):
        found = monday + timedelta(days=weekday)
    else:  # bare 周五: the most recent Friday, today included
        found = today - timedelta(days=(today.weekday() - weekday) % 7)
    return found, found


def _week(rel: str, today: date) -> Span:
    monday = _week_start(today)
    if rel.startswith("上"):
        monday -= timedelta(days=7)
    return monday, monday + timedelta(days=6)


def _month_word(word: str, today: date) -> Span:
    if word.startswith("上"):
        last = today.replace(day=1) - timedelta(days=1)
        return _month_span(last.year, last.month)  # type: ignore[return-value]
    return _month_span(today.year, today.month)  # type: ignore[return-value]


def _quarter_word(word: str, today: date) -> Span:
    quarter = (today.month - 1) // 3
    year = today.year
    if word.startswith("上"):
        quarter -= 1
        if quarter < 0:
            quarter, year = 3, year - 1
    return _quarter_span(year, quarter)


def _year_span(year: int) -> Optional[Span]:
    if not 1900 <= year <= 2100:
        return None
    return date(year, 1, 1), date(year, 12, 31)


_Handler = Callable[[Dict[str, str], date], Optional[Span]]
_HANDLERS: Dict[str, _Handler] = {
    "ymd": lambda g, t: _ymd(g, "ymd_y", "ymd_m", "ymd_d"),
    "ym": lambda g, t: _ym(g, "ym_y", "ym_m"),
    "iso": lambda g, t: _ymd(g, "iso_y", "iso_m", "iso_d"),
    "iso_month": lambda g, t: _ym(g, "isom_y", "isom_m"),
    "compact": lambda g, t: _ymd(g, "c_y", "c_m", "c_d"),
    "rel_year_md": _rel_year_md,
    "md": lambda g, t: _md(g["md_m"], g["md_d"], t),
    "md_num": lambda g, t: _md(g["mdn_m"], g["mdn_d1"] or g["mdn_d2"], t),
    "month": lambda g, t: _recent_month(_int(g["mo_m"]) or 0, t),
    "days_ago": lambda g, t: _ago(g["da_n"], t, "days"),
    "weeks_ago": lambda g, t: _ago(g["wa_n"], t, "weeks"),
    "months_ago": lambda g, t: _ago(g["ma_n"], t, "months"),
    "day_word": lambda g, t: _day_word(g["dw"], t),
    "weekday": _weekday,
    "week": lambda g, t: _week(g["wk_rel"], t),
    "month_word": lambda g, t: _month_word(g["mw"], t),
    "quarter_word": lambda g, t: _quarter_word(g["qw"], t),
    "year_word": lambda g, t: _year_span(t.year - _YEAR_OFFSETS[g["yw"]]),
    "year": lambda g, t: _year_span(_year(g["yr_y"]) or 0),
}
_CONFIDENCE = {"year": _AMBIGUOUS, "md_num": 0.9}


def _confidence(rule: str, match: "re.Match[str]") -> float:
    if rule == "weekday" and not match.group("wd_rel"):
        return _AMBIGUOUS  # bare 周五: which Friday is a guess
    return _CONFIDENCE.get(rule, 1.0)


def format_span(span: Span) -> str:
    """``YYYY-MM-DD`` for one day, ``YYYY-MM-DD/YYYY-MM-DD`` for a longer span."""
    first, last = span
    return first.isoformat() if first == last else f"{first.isoformat()}/{last.isoformat()}"


def _skip(rule: str, folded: str, match: "re.Match[str]") -> bool:
    before = folded[max(0, match.start() - _CUE_WINDOW) : match.start()]
    if rule == "compact":
        return not _COMPACT_CUE.search(before)  # 20241029 alone may be an invoice number
    if rule == "md_num":
        return bool(_VERSION_CUE.search(before))
    return False


def find_dates(folded: str, today: date) -> List[Candidate]:
    """Finds dates in a normalised, folded text.

    Args:
        folded: the output of :func:`bot.zhtext.text.fold_for_matching`.
        today: the date relative expressions are resolved against.

    Returns:
        ``invoice_date`` candidates with ISO values.
    """
    found: List[Candidate] = []
    for match in _DATE.finditer(folded):
        rule = match.lastgroup or ""
        if _skip(rule, folded, match):
            continue
        span = _HANDLERS[rule](match.groupdict(), today)
        if span is None:
            continue
        found.append(
            Candidate(
                INVOICE_DATE,
                format_span(span),
                match.start(),
                match.end(),
                _confidence(rule, match),
            )
        )
    return found
