"""Conversation identity (issue 14, against the real servers): the server mints widget
sessions, a socket joins only the session whose token it presents, REST needs a named sender
and cannot take over another channel's conversation, and the console's history needs the token."""
from __future__ import annotations

import asyncio
import re
import sqlite3
import uuid

import pytest
import requests
import socketio

from tests.security.conftest import say, tracker


async def _session(rasa_url: str, presented=None, message: str = ""):
    """Connect, ask for a session (presenting ``presented``), optionally say ``message``; returns
    (token, ack, bot messages received)."""
    client = socketio.AsyncClient(reconnection=False)
    received = []
    client.on("bot_uttered", lambda data: received.append(data))
    confirmed = asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda token: confirmed.done() or confirmed.set_result(token))
    await client.connect(rasa_url, transports=["polling"], socketio_path="/socket.io")
    try:
        await client.emit("session_request", {"session_id": presented} if presented is not None else {})
        token = await asyncio.wait_for(confirmed, 15)
        ack = None
        if message:
            ack = await client.call("user_uttered", {"message": message, "session_id": presented or token,
                                                     "metadata": {"client_message_id": "c" + uuid.uuid4().hex[:12]}},
                                    timeout=90)
            await asyncio.sleep(0.5)
        return token, ack, received
    finally:
        await client.disconnect()


def run(coroutine):
    return asyncio.run(coroutine)


def test_the_server_mints_sessions_and_ignores_guessed_ids(rasa_stack):
    token, _, _ = run(_session(rasa_stack.rasa_url, message="你好"))
    session_id, signature = token.split(".")
    assert len(session_id) == 32 and len(signature) == 43
    # Someone who knows (or guesses) the id and asks for it gets a fresh session of their own.
    other, _, overheard = run(_session(rasa_stack.rasa_url, session_id, message="我登录不了电子税务局"))
    assert other.split(".")[0] != session_id
    forged, _, _ = run(_session(rasa_stack.rasa_url, session_id + "." + "A" * 43))
    assert forged.split(".")[0] != session_id
    # ... and the owner's conversation holds only the owner's message.
    texts = [e.get("text") for e in tracker(rasa_stack.rasa_url, session_id)["events"] if e["event"] == "user"]
    assert texts == ["你好"]


def test_a_valid_token_rejoins_its_own_session(rasa_stack):
    token, _, _ = run(_session(rasa_stack.rasa_url, message="你好"))
    again, ack, received = run(_session(rasa_stack.rasa_url, token, message="谢谢"))
    assert again == token and ack["status"] == "ok" and received


def test_a_message_names_no_other_session(rasa_stack):
    victim, _, _ = run(_session(rasa_stack.rasa_url, message="你好"))

    async def inject():
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(rasa_stack.rasa_url, transports=["polling"], socketio_path="/socket.io")
        try:  # no session_request: the socket has no session, whatever the message claims
            return await client.call("user_uttered", {"message": "转人工", "session_id": victim}, timeout=30)
        finally:
            await client.disconnect()

    assert run(inject())["status"] == "no_session"
    events = tracker(rasa_stack.rasa_url, victim.split(".")[0])["events"]
    texts = [e.get("text") for e in events if e["event"] == "user"]
    assert texts == ["你好"]


@pytest.mark.parametrize("body, error", [
    ({"message": "你好"}, "missing_sender"),
    ({"sender": "", "message": "你好"}, "missing_sender"),
    ({"sender": "x" * 65, "message": "你好"}, "invalid_sender"),
    ({"sender": "../default", "message": "你好"}, "invalid_sender"),
    ({"sender": 42, "message": "你好"}, "invalid_sender"),
])
def test_rest_needs_a_named_sender(rasa_stack, body, error):
    response = requests.post(f"{rasa_stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=30)
    assert response.status_code == 400 and response.json()["error"] == error


def test_rest_cannot_use_a_widget_conversation(rasa_stack):
    token, _, _ = run(_session(rasa_stack.rasa_url, message="转人工"))
    session_id = token.split(".")[0]
    response = say(rasa_stack.rasa_url, session_id, "我的工单怎么样了")
    assert response.status_code == 403
    assert response.json()["error"] == "sender_belongs_to_another_channel"


def test_rest_cannot_claim_another_input_channel(rasa_stack):
    who = f"sec-{uuid.uuid4().hex[:12]}"
    assert say(rasa_stack.rasa_url, who, "你好", input_channel="socketio").status_code == 200
    channels = {e.get("input_channel") for e in tracker(rasa_stack.rasa_url, who)["events"] if e["event"] == "user"}
    assert channels == {"rest"}


def test_history_needs_the_session_token(rasa_stack):
    token, _, _ = run(_session(rasa_stack.rasa_url, message="我的电话是13812345678"))
    session_id = token.split(".")[0]
    url = f"{rasa_stack.console_url}/api/history/{session_id}"
    assert requests.get(url, timeout=30).status_code == 401
    other, _, _ = run(_session(rasa_stack.rasa_url))
    assert requests.get(url, headers={"X-Fapiao-Session": other}, timeout=30).status_code == 403
    own = requests.get(url, headers={"X-Fapiao-Session": token}, timeout=30)
    assert own.status_code == 200 and own.json()["messages"][0]["text"] == "我的电话是13812345678"
    evil = requests.get(url, headers={"X-Fapiao-Session": token, "Origin": "https://evil.example"}, timeout=30)
    assert "Access-Control-Allow-Origin" not in evil.headers


def test_feedback_needs_the_session_token(rasa_stack):
    token, _, _ = run(_session(rasa_stack.rasa_url))
    vote = {"kind": "vote", "session_id": token.split(".")[0], "message_id": "bot-1", "text": "x", "up": True}
    url = f"{rasa_stack.console_url}/api/feedback"
    assert requests.post(url, json=vote, timeout=30).status_code == 401
    assert requests.post(url, json=vote, headers={"X-Fapiao-Session": token}, timeout=30).status_code == 201


def test_one_open_ticket_per_conversation(rasa_stack):
    who = f"sec-{uuid.uuid4().hex[:12]}"
    first = say(rasa_stack.rasa_url, who, "转人工").json()
    second = say(rasa_stack.rasa_url, who, "转人工，快点").json()
    numbers = {m for text in (first, second) for m in re.findall(r"GD\d{8}-\d{6}", str(text))}
    assert len(numbers) == 1
    assert count_rows(rasa_stack.var_dir / "app.db", "tickets", who) == 1


def count_rows(database, table: str, sender_id: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT count(*) FROM {table} WHERE sender_id = ?", (sender_id,)).fetchone()[0]
