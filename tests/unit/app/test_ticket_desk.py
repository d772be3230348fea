"""The support team's side of the tickets: queue, assignment, notes and history, waiting users."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.app.database import CHINA_TZ, make_app_session_factory
from bot.app.handover import HandoverTaken, SqlHandoverState
from bot.app.models import TicketStatus
from bot.app.tickets import SqlTicketStore


@pytest.fixture()
def sessions(tmp_path):
    return make_app_session_factory(f"sqlite:///{tmp_path}/app.db")


async def test_history_records_who_did_what(sessions):
    store = SqlTicketStore(sessions)
    ticket = await store.create("u1", "login_failure", {}, [], "socketio")
    await store.assign(ticket.number, "wangfang", "boss")
    await store.add_operator_note(ticket.number, "wangfang", "已电话联系，待回复")
    assert await store.add_operator_note(ticket.number, "wangfang", "   ") is None
    await store.change_status(ticket.number.lower(), TicketStatus.RESOLVED, "wangfang")
    await store.change_status(ticket.number, TicketStatus.RESOLVED, "wangfang")  # no change: no entry
    history = [(e.kind, e.actor, e.text) for e in await store.history(ticket.number)]
    assert history == [("assign", "boss", "wangfang"), ("status", "boss", "in_progress"),
                       ("note", "wangfang", "已电话联系，待回复"), ("status", "wangfang", "resolved")]
    assert await store.history("GD20990101-000009") == []
    with pytest.raises(ValueError):
        await store.record(ticket.number, "gossip", "x", "y")


async def test_the_user_sees_the_status_the_operator_set(sessions):
    store = SqlTicketStore(sessions)
    ticket = await store.create("u2", "login_failure", {}, [], "socketio")
    await store.change_status(ticket.number, TicketStatus.IN_PROGRESS, "wangfang")
    assert (await store.latest_for("u2")).status is TicketStatus.IN_PROGRESS  # what actions/handoff reads


async def test_forgetting_a_user_removes_history_and_hand_over(sessions):
    store, state = SqlTicketStore(sessions), SqlHandoverState(sessions)
    ticket = await store.create("u3", None, {}, [], "socketio")
    await store.add_operator_note(ticket.number, "a", "note")
    await state.take("u3", ticket.number, "socketio", "a")
    assert await store.forget_sender("u3") == 1
    assert await store.history(ticket.number) == [] and await state.active("u3") is None


async def test_waiting_lists_open_untaken_tickets_in_the_window(sessions):
    now = datetime.now(CHINA_TZ)
    old = SqlTicketStore(sessions, clock=lambda: now - timedelta(minutes=20))
    ancient = SqlTicketStore(sessions, clock=lambda: now - timedelta(hours=5))
    store, state = SqlTicketStore(sessions), SqlHandoverState(sessions)
    waiting = await old.create("w1", None, {}, [], "socketio")
    taken = await old.create("w2", None, {}, [], "socketio")
    await state.take("w2", taken.number, "socketio", "agent1")
    await ancient.create("w3", None, {}, [], "socketio")
    await store.create("w4", None, {}, [], "socketio")
    found = await store.waiting(timedelta(minutes=5), timedelta(hours=2))
    assert [t.number for t in found] == [waiting.number]
    assert await store.claim_wait_notice(waiting.number) is True
    assert await store.claim_wait_notice(waiting.number) is False
    assert await store.waiting(timedelta(minutes=5), timedelta(hours=2)) == []


async def test_one_agent_per_conversation(sessions):
    state = SqlHandoverState(sessions)
    first = await state.take("c1", "GD1", "socketio", "a", "甲")
    assert (await state.take("c1", "GD1", "socketio", "a")).agent_name == first.agent_name == "甲"
    with pytest.raises(HandoverTaken) as taken:
        await state.take("c1", "GD1", "socketio", "b")
    assert taken.value.current.agent_name == "甲"
    assert [h.sender_id for h in await state.all_active()] == ["c1"]
    assert (await state.release("c1")).agent == "a"
    assert await state.release("c1") is None


def test_purge_takes_the_history_of_old_tickets_along(tmp_path):
    import asyncio
    import sqlite3

    from bot.app.privacy import purge_app_data

    url = f"sqlite:///{tmp_path}/purge.db"
    sessions = make_app_session_factory(url)
    now = datetime.now(CHINA_TZ)
    old = SqlTicketStore(sessions, clock=lambda: now - timedelta(days=300))
    recent = SqlTicketStore(sessions)
    gone = asyncio.run(old.create("p1", None, {}, [], "socketio"))
    asyncio.run(old.add_operator_note(gone.number, "a", "用户电话 13800138000"))
    kept = asyncio.run(recent.create("p2", None, {}, [], "socketio"))
    asyncio.run(recent.add_operator_note(kept.number, "a", "已回电"))
    assert purge_app_data(url, now - timedelta(days=180))["tickets"] == 1
    with sqlite3.connect(tmp_path / "purge.db") as connection:
        assert connection.execute("SELECT text FROM ticket_events").fetchall() == [("已回电",)]
