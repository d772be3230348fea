"""Feedback in the console: a vote with a comment is linked to the step and the conversation;
the feedback page sums votes per step."""
from __future__ import annotations

from bot.app.operators import SqlOperatorStore
from bot.console.transcript import step_of_message
from tests.unit.console.conftest import KNOWN
from tests.unit.console.operator_support import sign_in

PASSWORD = "correct horse battery"
# As Rasa stores a custom action's result: its messages first, then its slot events.
EVENTS = [
    {"event": "user", "text": "登录不上"},
    {"event": "action", "name": "action_start_problem"},
    {"event": "bot", "text": "别着急。"},
    {"event": "bot", "text": "第 1 步：确认网络\n\n1. 打开网站"},
    {"event": "slot", "name": "problem", "value": "login_failure"},
    {"event": "slot", "name": "step_index", "value": 0.0},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "没解决"},
    {"event": "action", "name": "action_next_step"},
    {"event": "bot", "text": "第 2 步：清缓存"},
    {"event": "slot", "name": "step_index", "value": 1.0},
]


def test_step_of_message_counts_like_the_widget():
    assert step_of_message(EVENTS, "bot-1") == "login_failure:1"  # said with the first step
    assert step_of_message(EVENTS, "bot-3") == "login_failure:1"
    assert step_of_message(EVENTS, "bot-4") == "login_failure:2"
    assert step_of_message(EVENTS, "bot-9") is None
    assert step_of_message([{"event": "bot", "text": "您好"}], "bot-1") is None


async def test_vote_with_comment_is_linked_to_its_step_and_shown(make_client, sessions, fake_rasa):
    await SqlOperatorStore(sessions).add("agent1", PASSWORD, "agent")
    fake_rasa.trackers[KNOWN] = {"events": EVENTS}
    widget = await make_client()
    stored = await widget.post("/api/feedback", json={
        "kind": "vote", "session_id": KNOWN, "message_id": "bot-4", "text": "第 2 步：清缓存", "up": False,
        "comment": "清了缓存，也没用"})
    assert stored.status == 201
    vote = (await stored.json())["vote"]
    assert vote["step"] == "login_failure:2" and vote["comment"] == "清了缓存，也没用"
    too_long = await widget.post("/api/feedback", json={
        "kind": "vote", "session_id": KNOWN, "message_id": "bot-4", "text": "x", "up": False, "comment": "长" * 1001})
    assert too_long.status == 400

    console = await make_client(headers={})
    await sign_in(console, "agent1", PASSWORD)
    page = await (await console.get("/operator/feedback")).text()
    assert 'data-step="login_failure:2"' in page and "清了缓存，也没用" in page
    assert "第 2 步：清除缓存或换个浏览器" in page  # the step's title from the knowledge base
    assert f"/operator/conversations/{KNOWN}" in page
    conversation = await (await console.get(f"/operator/conversations/{KNOWN}")).text()
    assert "第 2 步：清缓存" in conversation and "清了缓存，也没用" in conversation
