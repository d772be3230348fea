"""bot/app/analytics.py: the fold of Rasa events into per-day aggregates, and the store that
counts each event once whatever way (queue, tracker store) and however often it arrives."""
from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest

from bot.app.analytics import (
    CHINA_TZ,
    SqlAnalyticsStore,
    event_day,
    event_id,
    tally,
)
from bot.app.database import make_app_session_factory

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CHINA_TZ).timestamp()
DAY = date(2026, 3, 2)


def user(sender, intent, t, channel="rest"):
    return {"sender_id": sender, "event": "user", "timestamp": t, "text": "…", "input_channel": channel,
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}}}


def slot(sender, name, value, t):
    return {"sender_id": sender, "event": "slot", "timestamp": t, "name": name, "value": value}


def bot(sender, response, t):
    return {"sender_id": sender, "event": "bot", "timestamp": t, "text": "…", "metadata": {"utter_action": response}}


def session(sender, t):
    return {"sender_id": sender, "event": "session_started", "timestamp": t}


def solved_at_step_two(sender="a", channel="rest", t=T0):
    return [
        session(sender, t),
        user(sender, "login_failure", t + 1, channel),
        slot(sender, "problem", "login_failure", t + 2),
        slot(sender, "step_index", 0.0, t + 3),
        user(sender, "problem_persists", t + 4, channel),
        slot(sender, "step_index", 1.0, t + 5),
        user(sender, "problem_solved", t + 6, channel),
        bot(sender, "utter_problem_solved", t + 7),
        slot(sender, "problem", None, t + 8),
        slot(sender, "step_index", None, t + 9),
        user(sender, "rate", t + 10, channel),
        slot(sender, "rating", "5", t + 11),
    ]


def handed_over(sender="b", channel="socketio", t=T0):
    return [
        user(sender, "nlu_fallback", t + 1, channel),
        user(sender, "query_empty", t + 2, channel),
        slot(sender, "problem", "query_empty", t + 3),
        slot(sender, "step_index", -1.0, t + 4),
        user(sender, "request_human", t + 5, channel),
        slot(sender, "problem", None, t + 6),
        slot(sender, "ticket_number", "GD20260302-000001", t + 7),
    ]


def test_the_fold_counts_each_metric_once():
    totals = tally(solved_at_step_two() + handed_over()).totals()
    assert totals == {
        "conversations": {"": 2},
        "messages": {"": 7},
        "problems": {"login_failure": 1, "query_empty": 1},
        "resolved": {"login_failure:2": 1},
        "handed_over": {"query_empty": 1},
        "fallbacks": {"": 1},
        "ratings": {"5": 1},
    }


def test_channels_come_from_the_first_user_message_of_the_session():
    counts = tally(solved_at_step_two(channel="wechat") + handed_over(channel="socketio")).counts
    assert counts[(DAY, "wechat", "conversations", "")] == 1
    assert counts[(DAY, "socketio", "handed_over", "query_empty")] == 1


def test_a_new_session_is_a_new_conversation():
    events = solved_at_step_two() + solved_at_step_two(t=T0 + 3600)
    assert tally(events).totals()["conversations"] == {"": 2}


def test_a_pasted_errors_fix_is_step_fix():
    events = handed_over()[:4] + [user("b", "problem_solved", T0 + 5, "socketio"),
                                  bot("b", "utter_problem_solved", T0 + 6)]
    assert tally(events).totals()["resolved"] == {"query_empty:fix": 1}


def test_days_are_china_days():
    assert event_day({"timestamp": datetime(2026, 3, 1, 23, 30, tzinfo=CHINA_TZ).timestamp()}) == date(2026, 3, 1)
    assert event_day({"timestamp": datetime(2026, 3, 1, 16, 30, tzinfo=CHINA_TZ).timestamp()}) == date(2026, 3, 1)


def test_event_ids_depend_on_content_only():
    a = user("a", "greet", T0)
    assert event_id(a) == event_id(dict(reversed(list(a.items()))))
    assert event_id(a) != event_id(user("a", "greet", T0 + 0.001))


@pytest.fixture
def store(tmp_path):
    return SqlAnalyticsStore(make_app_session_factory(f"sqlite:///{tmp_path / 'app.db'}"))


def test_the_store_holds_what_the_fold_counts_and_counts_redeliveries_once(store):
    events = solved_at_step_two() + handed_over()
    assert asyncio.run(store.record(events[:5])) == 5
    assert asyncio.run(store.record(events[:9])) == 4  # a redelivery with new events behind it
    assert asyncio.run(store.record(events)) == len(events) - 9
    assert asyncio.run(store.record(events)) == 0
    assert asyncio.run(store.totals(DAY, DAY)) == tally(events).totals()


def test_tracker_rows_move_the_cursor_and_share_ids_with_the_queue(store):
    events = solved_at_step_two()
    asyncio.run(store.record(events[:6], source="broker"))
    rows = list(enumerate(events, start=1))
    assert asyncio.run(store.record_tracker_rows("tracker:x", rows)) == len(events) - 6
    assert asyncio.run(store.cursor("tracker:x")) == len(events)
    assert asyncio.run(store.totals(DAY, DAY)) == tally(events).totals()


def test_daily_figures_by_channel_and_forgetting_a_sender(store):
    asyncio.run(store.record(solved_at_step_two(channel="wechat") + handed_over()))
    figures = asyncio.run(store.daily(DAY, DAY, channel="wechat"))
    assert {(f.metric, f.key, f.count) for f in figures} >= {("conversations", "", 1), ("ratings", "5", 1)}
    before = asyncio.run(store.totals(DAY, DAY))
    assert asyncio.run(store.forget_sender("a")) > 0
    assert asyncio.run(store.forget_sender("a")) == 0
    assert asyncio.run(store.prune(T0 + 86400 * 30)) > 0
    assert asyncio.run(store.totals(DAY, DAY)) == before, "the counts stay"


def test_any_order_of_arrival_gives_the_counts_of_timestamp_order(store):
    events = solved_at_step_two() + handed_over()
    shuffled = events[::-1]
    for event in shuffled:
        asyncio.run(store.record([event]))
    assert asyncio.run(store.totals(DAY, DAY)) == tally(events).totals() == tally(shuffled).totals()
    assert tally(events).totals()["resolved"] == {"login_failure:2": 1}
