"""The service-level promise (`bot.app.service_level`) over real 2026 dates: working hours
08:30-17:30 on working days, 国庆 and 春节 off, 调休 Saturdays on; the Monday–Friday fallback
beyond the calendar's data; and `KnowledgeService.service_promise` over the shipped content."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.app import service_level
from bot.app.service_level import CHINA, ServicePromise, promise, working_day, working_deadline
from knowledge.reader import read_content
from knowledge.types import ServiceLevel

LEVEL = ServiceLevel.from_spec(read_content().shared["support.yml"]["service_level"])
OPENS, CLOSES = time(8, 30), time(17, 30)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA)


@pytest.mark.parametrize("now, priority, due, when", [
    # an ordinary week (Thursday 26 November - Monday 30 November 2026)
    (at(2026, 11, 27, 10, 0), "urgent", at(2026, 11, 27, 14, 0), "今天下午 14:00 前"),
    (at(2026, 11, 27, 13, 30), "urgent", at(2026, 11, 27, 17, 30), "今天下午 17:30 前"),
    (at(2026, 11, 26, 16, 0), "urgent", at(2026, 11, 27, 11, 0), "明天（周五）上午 11:00 前"),
    (at(2026, 11, 27, 15, 0), "urgent", at(2026, 11, 30, 10, 0), "11月30日（周一）上午 10:00 前"),
    (at(2026, 11, 27, 10, 0), "normal", at(2026, 11, 30, 10, 0), "11月30日（周一）上午 10:00 前"),
    (at(2026, 11, 27, 20, 0), "urgent", at(2026, 11, 30, 12, 30),
     "下一个工作日（11月30日，周一）中午 12:30 前"),
    (at(2026, 11, 28, 9, 0), "low", at(2026, 12, 1, 17, 30), "12月1日（周二）下午 17:30 前"),
    (at(2026, 11, 30, 7, 0), "urgent", at(2026, 11, 30, 12, 30), "今天中午 12:30 前"),
    # 国庆: 1-7 October off, 8 October (Thursday) back, Saturday 10 October a 调休 working day
    (at(2026, 9, 30, 16, 0), "urgent", at(2026, 10, 8, 11, 0), "10月8日（周四）上午 11:00 前"),
    (at(2026, 10, 3, 11, 0), "normal", at(2026, 10, 8, 17, 30), "下一个工作日（10月8日，周四）下午 17:30 前"),
    (at(2026, 10, 7, 22, 0), "urgent", at(2026, 10, 8, 12, 30), "明天（周四）中午 12:30 前"),
    (at(2026, 10, 8, 16, 30), "low", at(2026, 10, 10, 16, 30), "10月10日（周六，调休上班）下午 16:30 前"),
    # 春节 2026: 15-23 February off; Saturdays 14 and 28 February are 调休 working days
    (at(2026, 2, 13, 16, 0), "urgent", at(2026, 2, 14, 11, 0), "明天（周六，调休上班）上午 11:00 前"),
    (at(2026, 2, 14, 17, 0), "urgent", at(2026, 2, 24, 12, 0), "2月24日（周二）中午 12:00 前"),
    (at(2026, 2, 18, 10, 0), "normal", at(2026, 2, 24, 17, 30), "下一个工作日（2月24日，周二）下午 17:30 前"),
    (at(2026, 2, 28, 9, 0), "urgent", at(2026, 2, 28, 13, 0), "今天下午 13:00 前"),
    # beyond the calendar's data (2027): Monday-Friday less 元旦
    (at(2026, 12, 31, 16, 0), "normal", at(2027, 1, 4, 16, 0), "2027年1月4日（周一）下午 16:00 前"),
    (at(2026, 12, 31, 20, 0), "urgent", at(2027, 1, 4, 12, 30),
     "下一个工作日（2027年1月4日，周一）中午 12:30 前"),
])
def test_deadline_and_phrase(now, priority, due, when):
    found = promise(LEVEL, priority, now)

    assert (found.due, found.when) == (due, when)
    assert found.text.count(when) == 1 and not found.overdue


@pytest.mark.parametrize("now, in_hours", [
    (at(2026, 11, 27, 10, 0), True), (at(2026, 11, 27, 20, 0), False), (at(2026, 11, 28, 10, 0), False),
    (at(2026, 10, 5, 10, 0), False), (at(2026, 10, 10, 10, 0), True), (at(2026, 11, 30, 8, 29), False),
])
def test_outside_working_hours_the_text_says_so(now, in_hours):
    found = promise(LEVEL, "urgent", now)

    assert found.in_working_hours is in_hours
    assert found.text.startswith("现在是非工作时间") is not in_hours
    assert "08:30-17:30" in found.text or in_hours


def test_the_promise_sentence_comes_from_the_content():
    found = promise(LEVEL, "urgent", at(2026, 11, 27, 10, 0))

    assert found == ServicePromise("urgent", 4, at(2026, 11, 27, 14, 0), "今天下午 14:00 前",
                                   "专人会在今天下午 14:00 前联系您，请保持电话畅通。", True, False, True)


def test_counted_from_the_ticket_phrased_from_now():
    created = at(2026, 11, 27, 10, 0)  # Friday

    waiting = promise(LEVEL, "normal", at(2026, 11, 28, 9, 0), since=created)
    late = promise(LEVEL, "normal", at(2026, 11, 30, 11, 0), since=created)

    assert waiting.due == late.due == at(2026, 11, 30, 10, 0)
    assert waiting.when == "下一个工作日（11月30日，周一）上午 10:00 前" and not waiting.overdue
    assert late.overdue and late.when == "今天上午 10:00 前" and late.text.startswith("非常抱歉")


def test_seconds_round_up_to_the_next_minute():
    assert promise(LEVEL, "urgent", at(2026, 11, 27, 10, 7, 23)).due == at(2026, 11, 27, 14, 8)


def test_naive_now_is_china_time():
    assert promise(LEVEL, "urgent", datetime(2026, 11, 27, 10, 0)).due == at(2026, 11, 27, 14, 0)


def test_an_aware_utc_now_is_converted():
    from datetime import timezone

    now = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)  # 10:00 in China

    assert promise(LEVEL, "urgent", now).due == at(2026, 11, 27, 14, 0)


def test_unknown_priority():
    with pytest.raises(ValueError, match="unknown priority"):
        promise(LEVEL, "asap", at(2026, 11, 27, 10, 0))


@pytest.mark.parametrize("day, working, known", [
    (date(2026, 10, 1), False, True), (date(2026, 10, 8), True, True), (date(2026, 10, 10), True, True),
    (date(2026, 9, 20), True, True), (date(2026, 2, 17), False, True), (date(2026, 2, 14), True, True),
    (date(2026, 11, 28), False, True), (date(2026, 12, 31), True, True),
    (date(2027, 1, 1), False, False), (date(2027, 1, 4), True, False), (date(2027, 1, 9), False, False),
    (date(2027, 5, 3), True, False), (date(2027, 10, 1), False, False),
])
def test_working_day(day, working, known):
    assert working_day(day) == (working, known)


def test_the_pinned_calendar_knows_2026():
    assert service_level.calendar_covers(date(2026, 1, 1))
    assert service_level.calendar_covers(date(2026, 12, 31))


def test_beyond_the_calendar_the_promise_says_so():
    assert not promise(LEVEL, "normal", at(2026, 12, 31, 16, 0)).calendar_known
    assert promise(LEVEL, "normal", at(2026, 12, 30, 9, 0)).calendar_known


def test_working_deadline_rejects_nothing_to_count():
    with pytest.raises(ValueError):
        working_deadline(at(2026, 11, 27, 10, 0), 0, OPENS, CLOSES)


@pytest.mark.parametrize("start, end, hours", [
    (at(2026, 11, 27, 10, 0), at(2026, 11, 30, 10, 0), 9.0),
    (at(2026, 9, 30, 16, 0), at(2026, 10, 8, 11, 0), 4.0),
    (at(2026, 11, 27, 10, 0), at(2026, 11, 27, 9, 0), 0.0),
])
def test_working_hours_between(start, end, hours):
    assert service_level.working_hours_between(start, end, OPENS, CLOSES) == hours


async def test_knowledge_service_promises_from_the_loaded_content(tmp_path):
    from bot.app.knowledge import KnowledgeService
    from knowledge.db import make_engine, make_session_factory
    from knowledge.loader import load
    from knowledge.repository import KnowledgeBase

    engine = make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    sessions = make_session_factory(engine)
    load(sessions)
    service = KnowledgeService(KnowledgeBase(sessions))
    try:
        found = await service.service_promise("urgent", at(2026, 9, 30, 16, 0))
        later = await service.service_promise("normal", at(2026, 11, 30, 11, 0),
                                              since=at(2026, 11, 27, 10, 0))
        help_ = await service.step_help("issuance_failure", 2, "额度在哪看")
        error = await service.known_error("cy_daily_limit")
        step = await service.first_step("issuance_failure", skip={"error_known"})
        move = await service.next_move("issuance_failure", step.index, "not_solved", skip={"error_known"})
    finally:
        engine.dispose()

    assert found.when == "10月8日（周四）上午 11:00 前" and later.overdue
    assert help_ is not None and "数据概览" in help_.answer
    assert error is not None and error.problem == "query_empty"
    assert step.step_id == "verify_invoice_details" and move.step.step_id == "check_quota"
