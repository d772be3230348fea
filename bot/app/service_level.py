"""The service-level promise: by when a person contacts the user, counted in working hours.

Pure functions over the knowledge base's one service level (`knowledge.types.ServiceLevel`,
``support.yml:service_level``): working hours (e.g. 08:30-17:30, China time) on working days,
where a working day is what the official calendar says — public holidays off, 调休 make-up
Saturdays and Sundays on — as published in the ``chinesecalendar`` package.

Beyond the calendar's data (the package covers the years the State Council has announced when it
was released; a new version each November adds the next year) the calendar is unknown and the
functions fall back to Monday–Friday, less the statutory holidays on fixed Gregorian dates
(元旦 1 January, 劳动节 1-2 May, 国庆节 1-3 October; the lunar holidays and 调休 cannot be
known in advance); `ServicePromise.calendar_known` is then False, so callers can log it and the
dependency can be upgraded (pyproject.toml pins it).

Everything here takes an explicit ``now``; naive datetimes are taken as China time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional, Tuple

import chinese_calendar

from knowledge.types import ServiceLevel

#: China Standard Time (no daylight saving).
CHINA = timezone(timedelta(hours=8), "CST")

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

#: Statutory holidays on fixed Gregorian dates (month, day), used beyond the calendar's data.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})

#: How far ahead a deadline is searched for (a service level is at most a few working days;
#: the longest run of days off in China is about 9).
_MAX_DAYS = 60


@dataclass(frozen=True)
class ServicePromise:
    """By when a person contacts the user, and how to say it.

    Attributes:
        priority: The ticket priority.
        hours: Working hours the service level gives that priority.
        due: The deadline (aware, China time, whole minutes).
        when: The deadline as a phrase relative to ``now``, e.g. "今天下午 16:30 前",
            "明天（周一）上午 10:30 前", "12月1日（周二）上午 10:30 前",
            "下一个工作日（10月8日，周四）中午 12:30 前".
        text: The sentence to say (``service_level.texts``: ``promise``, ``promise_outside_hours``
            or ``promise_overdue``).
        in_working_hours: Whether ``now`` is within the working hours of a working day.
        overdue: Whether the deadline (counted from ``since``) has already passed at ``now``.
        calendar_known: False when a day involved lies beyond the calendar's data and was taken
            as a working day by its weekday (Monday–Friday).
    """

    priority: str
    hours: int
    due: datetime
    when: str
    text: str
    in_working_hours: bool
    overdue: bool
    calendar_known: bool = True


def china_time(moment: datetime) -> datetime:
    """``moment`` in China time; a naive value is taken as China time already."""
    return moment.replace(tzinfo=CHINA) if moment.tzinfo is None else moment.astimezone(CHINA)


def working_day(day: date) -> Tuple[bool, bool]:
    """Whether ``day`` is a working day in China, and whether the calendar knows it.

    Holidays and 调休 come from ``chinesecalendar``; for a year it has no data for, Monday to
    Friday are working days except `FIXED_HOLIDAYS`, and the second value is False.
    """
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:  # "no available data for year …"
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS, False


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day in China (see `working_day` for the fallback)."""
    return working_day(day)[0]


def calendar_covers(day: date) -> bool:
    """Whether the installed calendar has data for ``day``'s year."""
    return working_day(day)[1]


def in_working_hours(now: datetime, opens: time, closes: time) -> bool:
    """Whether ``now`` lies within the working hours of a working day."""
    now = china_time(now)
    return is_working_day(now.date()) and opens <= now.time() < closes


def next_working_day(day: date) -> date:
    """The first working day after ``day``."""
    for offset in range(1, _MAX_DAYS + 1):
        candidate = day + timedelta(days=offset)
        if is_working_day(candidate):
            return candidate
    raise ValueError(f"no working day within {_MAX_DAYS} days after {day}")


def working_deadline(start: datetime, hours: float, opens: time, closes: time) -> Tuple[datetime, bool]:
    """The moment ``hours`` working hours after ``start``, and whether the calendar knew every
    day involved.

    Time counts only between ``opens`` and ``closes`` on working days: from a moment outside
    them, counting starts at the next opening. A deadline that falls exactly on closing time is
    that day's closing time (not the next opening). The result is rounded up to the minute.
    """
    if hours <= 0:
        raise ValueError(f"hours must be positive: {hours!r}")
    cursor = china_time(start)
    remaining = timedelta(hours=hours)
    known = True
    for _ in range(_MAX_DAYS):
        working, day_known = working_day(cursor.date())
        known = known and day_known
        day_open = datetime.combine(cursor.date(), opens, CHINA)
        day_close = datetime.combine(cursor.date(), closes, CHINA)
        if working and cursor < day_close:
            cursor = max(cursor, day_open)
            available = day_close - cursor
            if remaining <= available:
                return _ceil_minute(cursor + remaining), known
            remaining -= available
        cursor = datetime.combine(cursor.date() + timedelta(days=1), time(0), CHINA)
    raise ValueError(f"no deadline within {_MAX_DAYS} days of {start}")


def _ceil_minute(moment: datetime) -> datetime:
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment


def period(moment: time) -> str:
    """The part of the day as said in Chinese: 凌晨, 上午, 中午 (12:00-12:59), 下午, 晚上."""
    if moment.hour < 6:
        return "凌晨"
    if moment.hour < 12:
        return "上午"
    if moment.hour < 13:
        return "中午"
    if moment.hour < 18:
        return "下午"
    return "晚上"


def describe_due(now: datetime, due: datetime, opens: time, closes: time) -> str:
    """``due`` as a Chinese phrase relative to ``now``.

    * the same day: "今天下午 16:30 前";
    * the next day: "明天（周一）上午 10:30 前";
    * outside working hours, the first working day after today: "下一个工作日（10月8日，周四）
      上午 10:30 前";
    * otherwise the date: "12月1日（周二）上午 10:30 前" (with the year when it differs:
      "2027年1月4日（周一）…").

    A weekend day that is a 调休 working day says so: "明天（周六，调休上班）上午 11:00 前".
    """
    now, due = china_time(now), china_time(due)
    clock = f"{period(due.time())} {due:%H:%M} 前"
    weekday = WEEKDAYS[due.weekday()]
    if due.weekday() >= 5 and is_working_day(due.date()):
        weekday += "，调休上班"
    days = (due.date() - now.date()).days
    if days == 0:
        return f"今天{clock}"
    if days == 1:
        return f"明天（{weekday}）{clock}"
    day = f"{due.month}月{due.day}日" if due.year == now.year else f"{due.year}年{due.month}月{due.day}日"
    if days > 1 and not in_working_hours(now, opens, closes) and due.date() == next_working_day(now.date()):
        return f"下一个工作日（{day}，{weekday}）{clock}"
    return f"{day}（{weekday}）{clock}"


def promise(level: ServiceLevel, priority: str, now: datetime,
            since: Optional[datetime] = None) -> ServicePromise:
    """The service-level promise for ``priority``.

    Args:
        level: The service level (`knowledge.repository.KnowledgeBase.service_level`).
        priority: A priority of the level (``urgent``, ``normal``, ``low``).
        now: The current time (China time if naive).
        since: When the clock started (the ticket's creation), for "when will someone call?"
            after the ticket; default ``now``. The phrase is always relative to ``now``.

    Raises:
        ValueError: For a priority the level does not define.
    """
    hours = level.hours_for(priority)
    now = china_time(now)
    due, known = working_deadline(china_time(since) if since else now, hours, level.opens, level.closes)
    working = in_working_hours(now, level.opens, level.closes)
    overdue = due < now
    when = describe_due(now, due, level.opens, level.closes)
    template = ("promise_overdue" if overdue else "promise" if working else "promise_outside_hours")
    text = level.text(template).format(due=when, hours=level.hours_phrase(hours),
                                       working_hours=level.working_hours)
    return ServicePromise(priority, hours, due, when, text, working, overdue, known)


def working_hours_between(start: datetime, end: datetime, opens: time, closes: time) -> float:
    """Working hours between two moments (0 if ``end`` is not after ``start``); for reports."""
    start, end = china_time(start), china_time(end)
    total = 0.0
    day = start.date()
    while day <= end.date():
        if is_working_day(day):
            lo = max(start, datetime.combine(day, opens, CHINA))
            hi = min(end, datetime.combine(day, closes, CHINA))
            if hi > lo:
                total += (hi - lo).total_seconds() / 3600
        day += timedelta(days=1)
    return math.floor(total * 100) / 100
