"""The operator dashboard: figures from the analytics aggregates, unrecognised messages from
the tracker store (masked), the CSV export, the chart bundle's route."""
from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta

import pytest

from bot.app.analytics import DailyFigure
from bot.app.operators import SqlOperatorStore
from bot.app.unrecognised import SqlUnrecognisedMessages
from bot.console.charts import figures
from tests.unit.app.analytics_fake import FakeAnalytics
from tests.unit.console.operator_support import sign_in

PASSWORD = "correct horse battery"
DAY = date(2026, 11, 20)


def test_figures_fold_the_aggregates_into_the_charts():
    daily = [
        DailyFigure(DAY, "socketio", "conversations", "", 8), DailyFigure(DAY, "wechat", "conversations", "", 2),
        DailyFigure(DAY, "socketio", "messages", "", 40), DailyFigure(DAY, "socketio", "fallbacks", "", 4),
        DailyFigure(DAY, "socketio", "problems", "login_failure", 6),
        DailyFigure(DAY, "socketio", "resolved", "login_failure:2", 3),
        DailyFigure(DAY, "socketio", "resolved", "login_failure:fix", 1),
        DailyFigure(DAY, "socketio", "handed_over", "login_failure", 1),
        DailyFigure(DAY, "socketio", "ratings", "5", 2), DailyFigure(DAY, "socketio", "ratings", "2", 1),
        DailyFigure(DAY + timedelta(days=1), "socketio", "conversations", "", 5),
    ]
    result = figures(daily, DAY, DAY + timedelta(days=2))
    assert result["days"] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert result["per_day"]["conversations"] == [10, 5, 0]
    assert result["totals"]["self_service_share"] == 66.7 and result["fallback_rate"][0] == 10.0
    assert result["totals"]["average_rating"] == 4.0
    login = next(r for r in result["resolution"] if r["problem"] == "login_failure")
    assert (login["resolved"], login["handed_over"], login["left"]) == (4, 1, 1)
    assert result["steps"]["login_failure"] == [("报错专项处理", 1), ("第 2 步", 3)]
    assert [c["name"] for c in result["channels"]] == ["网页", "微信公众号"]


@pytest.fixture()
def tracker_db(tmp_path):
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
                           "timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)")
        noon = datetime(2026, 11, 20, 12).timestamp()
        rows = [("u1", "你们几点下班", "nlu_fallback"), ("u2", "你们几点下班 ", "nlu_fallback"),
                ("u3", "我电话13800138000打不通", "nlu_fallback"), ("u4", "登录不上", "login_failure")]
        for n, (sender, text, intent) in enumerate(rows):
            connection.execute("INSERT INTO events VALUES (?, ?, 'user', ?, ?, NULL, ?)",
                               (n + 1, sender, noon + n, intent, json.dumps({"text": text})))
    return f"sqlite:///{path}"


async def test_unrecognised_messages_are_grouped_and_masked(tracker_db):
    found = await SqlUnrecognisedMessages(tracker_db).most_frequent(DAY, DAY)
    assert found[0] == ("你们几点下班", 2)
    assert "13800138000" not in found[1][0] and found[1][1] == 1
    later = DAY + timedelta(days=1)
    assert await SqlUnrecognisedMessages(tracker_db).most_frequent(later, later) == []
    assert await SqlUnrecognisedMessages("sqlite:///" + "/nonexistent-dir-x/none.db").most_frequent(DAY, DAY) == []


async def test_dashboard_page_json_and_csv(make_client, sessions, tracker_db):
    await SqlOperatorStore(sessions).add("agent1", PASSWORD, "agent")
    analytics = FakeAnalytics()
    await analytics.record([
        {"sender_id": "a", "event": "user", "timestamp": datetime(2026, 11, 20, 10).timestamp(),
         "input_channel": "socketio", "parse_data": {"intent": {"name": "nlu_fallback"}}}])
    client = await make_client(headers={}, analytics=analytics,
                               unrecognised=SqlUnrecognisedMessages(tracker_db))
    assert (await client.get("/operator/dashboard", allow_redirects=False)).status == 302
    await sign_in(client, "agent1", PASSWORD)
    page = await client.get("/operator/dashboard?from=2026-11-20&to=2026-11-21")
    text = await page.text()
    assert page.status == 200 and 'data-chart="conversations"' in text and "你们几点下班" in text
    assert '<script type="application/json" id="dashboard-data">' in text
    body = await (await client.get("/operator/api/dashboard?from=2026-11-20&to=2026-11-21")).json()
    assert body["per_day"]["conversations"] == [1, 0] and body["totals"]["fallbacks"] == 1
    export = await client.get("/operator/dashboard.csv?from=2026-11-20&to=2026-11-21")
    assert export.headers["Content-Disposition"].endswith('.csv"')
    lines = (await export.read()).decode("utf-8-sig").splitlines()
    assert lines[0] == "day,channel,metric,key,count" and "2026-11-20,socketio,conversations,,1" in lines
    bad = await client.get("/operator/api/dashboard?from=yesterday")
    assert bad.status == 400
