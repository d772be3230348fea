"""Queries of KnowledgeBase over a SQLite database loaded from the shipped content."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from knowledge.errors import InvalidAnnouncement
from knowledge.repository import CST, KnowledgeBase
from knowledge.types import ASSISTANT_CHECKS, PROBLEM_KEYS, Problem

DURING_2024_INCIDENT = datetime(2024, 10, 29, 12, 0, tzinfo=CST)
TODAY = datetime(2026, 11, 27, 12, 0, tzinfo=CST)


@pytest.mark.parametrize("key", PROBLEM_KEYS)
def test_problem_has_everything_a_conversation_needs(shared_kb: KnowledgeBase, key):
    problem = shared_kb.problem(key)

    assert isinstance(problem, Problem) and problem.key == key
    assert problem.title and problem.acknowledgement
    assert 4 <= len(problem.steps) <= 7
    assert [s.index for s in problem.steps] == list(range(len(problem.steps)))
    assert all(s.instructions and s.if_not_helped for s in problem.steps)
    assert len(problem.tips) >= 2 and problem.symptoms and problem.causes
    assert set(problem.assistant_checks) <= set(ASSISTANT_CHECKS) and problem.assistant_checks
    assert problem.escalation.needs and problem.escalation.follow_up_hours > 0


def test_steps_keep_content_order(shared_kb: KnowledgeBase):
    ids = [s.id for s in shared_kb.problem("login_failure").steps]

    assert ids == ["check_network_and_status", "clear_browser_cache", "check_ukey_certificate",
                   "reset_password", "unlock_account"]


@pytest.mark.parametrize("key, index, expected", [
    ("login_failure", 0, "check_network_and_status"),
    ("login_failure", 4, "unlock_account"),
    ("login_failure", 5, None),
    ("login_failure", -1, None),
    ("printer_jam", 0, None),
])
def test_step(shared_kb: KnowledgeBase, key, index, expected):
    step = shared_kb.step(key, index)

    assert (step.id if step else None) == expected


@pytest.mark.parametrize("key, expected", [("login_failure", 5), ("printer_jam", 0)])
def test_step_count(shared_kb: KnowledgeBase, key, expected):
    assert shared_kb.step_count(key) == expected


def test_unknown_problem_is_none(shared_kb: KnowledgeBase):
    assert shared_kb.problem("printer_jam") is None
    assert shared_kb.escalation("printer_jam") is None


def test_problem_is_none_before_the_first_load(sessions):
    assert KnowledgeBase(sessions).problem("login_failure") is None


@pytest.mark.parametrize("key, priority, hours",
                         [("login_failure", "urgent", 4), ("query_empty", "normal", 9)])
def test_escalation_takes_follow_up_from_support(shared_kb: KnowledgeBase, key, priority, hours):
    escalation = shared_kb.escalation(key)

    assert (escalation.problem, escalation.priority, escalation.follow_up_hours) == (key, priority, hours)


def test_prevention_tip_of_a_problem_is_deterministic_with_a_seed(shared_kb: KnowledgeBase):
    tips = shared_kb.problem("login_failure").tips

    tip = shared_kb.prevention_tip("login_failure", seed=3)

    assert tip in tips
    assert tip == shared_kb.prevention_tip("login_failure", seed=3)


@pytest.mark.parametrize("key", [None, "printer_jam"])
def test_general_prevention_tip(shared_kb: KnowledgeBase, key):
    problem_tips = {t for k in PROBLEM_KEYS for t in shared_kb.problem(k).tips}

    tips = {shared_kb.prevention_tip(key, seed=seed) for seed in range(20)}

    assert len(tips) > 1 and not tips & problem_tips


def test_support_channels(shared_kb: KnowledgeBase):
    channels = {c.key: c for c in shared_kb.support_channels()}

    assert {"hotline", "online", "wechat"} <= set(channels)
    assert channels["hotline"].contact == "12366" and channels["hotline"].hours


def test_follow_up_levels(shared_kb: KnowledgeBase):
    levels = shared_kb.follow_up_levels()

    assert [(f.priority, f.hours) for f in levels] == [("urgent", 4), ("normal", 9), ("low", 18)]
    assert [f.text.split("内")[0] for f in levels] == [
        "工单会在4个工作小时", "工单会在1个工作日", "工单会在2个工作日"]


@pytest.mark.parametrize("now", [TODAY, datetime(2026, 11, 27, tzinfo=timezone.utc)])
def test_shipped_announcements_are_not_in_effect_today(shared_kb: KnowledgeBase, now):
    assert shared_kb.active_announcements(now) == []


@pytest.mark.parametrize("now, problem, expected", [
    (DURING_2024_INCIDENT, None, ["incident-2024-10-29-login-query"]),
    (DURING_2024_INCIDENT, "login_failure", ["incident-2024-10-29-login-query"]),
    (DURING_2024_INCIDENT, "upload_failure", []),
    (DURING_2024_INCIDENT, "system_outage", ["incident-2024-10-29-login-query"]),
    (datetime(2024, 10, 29, 8, 59, tzinfo=CST), None, []),
    (datetime(2024, 10, 29, 18, 0, tzinfo=CST), None, []),
    (datetime(2024, 10, 29, 1, 0), None, ["incident-2024-10-29-login-query"]),  # naive = UTC
    (datetime(2030, 1, 13, 0, 0, tzinfo=CST), "issuance_failure", ["maintenance-2030-01-12-capacity"]),
])
def test_active_announcements(shared_kb: KnowledgeBase, now, problem, expected):
    assert [a.id for a in shared_kb.active_announcements(now, problem)] == expected


def test_announcement_times_are_china_standard_time(shared_kb: KnowledgeBase):
    [announcement] = shared_kb.active_announcements(DURING_2024_INCIDENT)

    assert announcement.starts_at == datetime(2024, 10, 29, 9, 0, tzinfo=CST)
    assert announcement.starts_at.utcoffset() == timedelta(hours=8)
    assert announcement.source == "content" and announcement.kind == "incident"


def test_console_announcement_lifecycle(kb: KnowledgeBase):
    created = kb.add_announcement("登录服务异常", "部分用户无法登录，技术人员正在处理。",
                                  affects=["login_failure"], starts_at=TODAY - timedelta(hours=1),
                                  expected_recovery=TODAY + timedelta(hours=2))

    assert created.source == "console" and created.id.startswith("console-")
    assert [a.id for a in kb.active_announcements(TODAY, "login_failure")] == [created.id]
    assert kb.active_announcements(TODAY, "query_empty") == []
    assert [a.id for a in kb.active_announcements(TODAY, "system_outage")] == [created.id]

    assert kb.end_announcement(created.id, now=TODAY) is True
    assert kb.active_announcements(TODAY, "login_failure") == []
    assert kb.end_announcement(created.id, now=TODAY) is False
    assert kb.end_announcement("no-such-announcement") is False


def test_console_announcement_without_affects_concerns_every_problem(kb: KnowledgeBase):
    created = kb.add_announcement("系统升级", "系统正在升级。", kind="maintenance",
                                  starts_at=TODAY - timedelta(minutes=5))

    for key in PROBLEM_KEYS:
        assert [a.id for a in kb.active_announcements(TODAY, key)] == [created.id]


def test_console_announcement_keeps_its_punctuation(kb: KnowledgeBase):
    created = kb.add_announcement("  系统维护（临时）", "请稍候！\n", starts_at=TODAY)

    assert (created.title, created.message) == ("系统维护（临时）", "请稍候！")


@pytest.mark.parametrize("kwargs", [
    {"title": "", "message": "系统维护。"},
    {"title": "维护", "message": "   "},
    {"title": "维护", "message": "系统维护。", "kind": "outage"},
    {"title": "维护", "message": "系统维护。", "affects": ["printer_jam"]},
    {"title": "维护", "message": "系统维护。", "starts_at": TODAY, "ends_at": TODAY},
    {"title": "维护", "message": "系统维护。", "announcement_id": "incident-2024-10-29-login-query"},
])
def test_invalid_console_announcement_is_rejected(kb: KnowledgeBase, kwargs):
    with pytest.raises(InvalidAnnouncement):
        kb.add_announcement(**kwargs)

    assert kb.announcements(source="console") == []


# ------------------------------------------------------- step context, skips, errors, service level

def test_every_step_carries_context_and_every_problem_general_questions(shared_kb: KnowledgeBase):
    problems = shared_kb.problems()

    assert [p.key for p in problems] == list(PROBLEM_KEYS)
    for problem in problems:
        assert problem.general_questions, problem.key
        for step in problem.steps:
            assert 2 <= len(step.context) <= 6, (problem.key, step.id)
            assert all(3 <= len(e.asks) <= 6 and len(e.answer) <= 200 for e in step.context)


def test_steps_come_back_with_their_skip_conditions(shared_kb: KnowledgeBase):
    skips = {(p.key, s.id): s.skip_when for p in shared_kb.problems() for s in p.steps if s.skip_when}

    assert skips == {
        ("login_failure", "check_ukey_certificate"): ("no_tax_device",),
        ("issuance_failure", "read_error_and_fix"): ("error_known",),
        ("issuance_failure", "check_tax_device"): ("no_tax_device",),
        ("system_outage", "confirm_outage"): ("outage_announced",),
    }


def test_issuance_has_a_step_for_the_tax_device(shared_kb: KnowledgeBase):
    steps = shared_kb.problem("issuance_failure").steps
    device = next(s for s in steps if s.id == "check_tax_device")

    assert 4 <= len(steps) <= 7 and "UKey" in device.instructions and "清卡" in device.instructions
    assert any(e.kind == "not_applicable" and "数电" in e.answer for e in device.context)


def test_known_errors_are_stored_as_in_the_catalogue(shared_kb: KnowledgeBase):
    from knowledge.error_catalogue import load_catalogue

    catalogue = load_catalogue()

    assert shared_kb.known_errors() == list(catalogue.errors)
    assert shared_kb.known_error("cy_daily_limit") == catalogue.get("cy_daily_limit")
    assert shared_kb.known_error("no_such_error") is None


def test_known_errors_build_the_matcher(shared_kb: KnowledgeBase):
    from knowledge.error_catalogue import ErrorCatalogue

    found = ErrorCatalogue(shared_kb.known_errors()).match("查验时提示：超过该张发票当日查验次数")

    assert found is not None and found.error.key == "cy_daily_limit"


def test_service_level(shared_kb: KnowledgeBase):
    level = shared_kb.service_level()

    assert level.working_hours == "08:30-17:30" and level.priorities == ("urgent", "normal", "low")
    assert [level.hours_phrase(level.hours_for(p)) for p in level.priorities] == [
        "4个工作小时", "1个工作日", "2个工作日"]
    assert "{due}" in level.text("promise")
    with pytest.raises(ValueError, match="unknown priority"):
        level.hours_for("whenever")


def test_service_level_before_the_first_load(sessions):
    from knowledge.errors import KnowledgeNotLoaded

    with pytest.raises(KnowledgeNotLoaded):
        KnowledgeBase(sessions).service_level()
