"""``make run`` under SIGKILL: each process killed in turn is restarted with back-off while the
others keep serving; while the action server is away the Rasa server answers politely
(``utter_service_unavailable``), and the conversation continues where it was once it is back.
Real processes: ``python -m bot.launcher run`` in a subprocess on free ports."""
from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from bot.app.analytics import SqlAnalyticsStore, tally
from bot.app.database import make_app_session_factory
from tests.cluster.support import TOKEN, Chat, Launched, answers, free_block, wait_for

pytestmark = [pytest.mark.servers, pytest.mark.timeout(900)]

PROBLEM = "电子税务局登录不上，一直提示密码错误"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = free_block(3)
    var_dir = tmp_path_factory.mktemp("run-var")
    launched = Launched("run", var_dir, {
        "VAR_DIR": str(var_dir), "RASA_PORT": str(base), "ACTION_PORT": str(base + 1),
        "CONSOLE_PORT": str(base + 2), "RASA_AUTH_TOKEN": TOKEN, "ANALYTICS_POLL_INTERVAL": "0.5",
    }).start()
    try:
        yield launched
    finally:
        launched.stop()
    assert not (var_dir / "processes.json").exists(), "the launcher did not stop its processes"


def url(stack, name, path):
    return f"http://127.0.0.1:{stack.env[name]}{path}"


def test_the_action_server_killed_mid_conversation(stack):
    chat = Chat(stack.rasa_url)
    chat.say(PROBLEM)
    step = chat.slot("step_index")
    assert step == 0
    old = stack.kill("actions")
    reply = chat.say("没解决")
    assert chat.last_turn_responses() == ["utter_service_unavailable"]
    assert "暂时不可用" in reply[0]["text"]
    assert chat.slot("step_index") == step, "nothing of the failed turn may change the conversation"
    assert answers(url(stack, "CONSOLE_PORT", "/api/health"))
    took = stack.wait_restarted("actions", old, url(stack, "ACTION_PORT", "/health"))
    print(f"action server back in {took:.1f} s")
    chat.say("没解决")
    assert "utter_troubleshooting_step" in chat.last_turn_responses()
    assert chat.slot("step_index") == step + 1


def test_the_rasa_server_killed_mid_conversation(stack):
    chat = Chat(stack.rasa_url)
    chat.say(PROBLEM)
    chat.say("没解决")
    step = chat.slot("step_index")
    old = stack.kill("rasa")
    wait_for(lambda: not answers(f"{stack.rasa_url}/"), 10, "the Rasa server gone")
    assert answers(url(stack, "CONSOLE_PORT", "/api/health")), "the console keeps serving"
    assert answers(url(stack, "ACTION_PORT", "/health")), "the action server keeps serving"
    took = stack.wait_restarted("rasa", old, f"{stack.rasa_url}/")
    print(f"Rasa server back in {took:.1f} s")
    chat.say("没解决")
    assert chat.slot("step_index") == step + 1
    assert "[supervisor] rasa" in stack.output()


def test_the_console_and_the_analytics_process_killed(stack):
    chat = Chat(stack.rasa_url)
    chat.say(PROBLEM)
    for name, ready in (("console", url(stack, "CONSOLE_PORT", "/api/health")), ("analytics", None)):
        old = stack.kill(name)
        stack.wait_restarted(name, old, ready, timeout=120)
    assert answers(f"{stack.rasa_url}/")
    # The analytics fallback of `make run` (no broker) fills the tables from the tracker store.
    engine = create_engine(f"sqlite:///{stack.var_dir / 'tracker.db'}", future=True)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sender_id, data FROM events ORDER BY id")).all()
    expected = tally({"sender_id": s, **json.loads(d)} for s, d in rows).totals()
    store = SqlAnalyticsStore(make_app_session_factory(f"sqlite:///{stack.var_dir / 'app.db'}"))
    wait_for(lambda: asyncio.run(store.totals(date(2000, 1, 1), date(2100, 1, 1))) == expected, 30,
             "analytics equal to the tracker store")
    assert expected["conversations"][""] == 3
