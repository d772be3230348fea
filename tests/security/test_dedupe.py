"""De-duplication is recorded after the turn succeeded (issue 14), in the real socket.io channel
class with a turn that fails: Rasa's fail-safe tracker store hides storage errors from a live
server, so the failure is injected here (the WeChat handler's equivalent is in
tests/channels/unit/test_wechat_handler.py)."""
from __future__ import annotations

from bot.app.settings import Settings
from bot.rasa_plugins.channels.socketio_fixed import SocketIOInputFixed

SESSION = "0123456789abcdef0123456789abcdef"


async def test_a_failed_turn_is_not_recorded_and_the_retry_is_processed():
    turns = []

    async def on_new_message(message):
        turns.append(message.text)
        if len(turns) == 1:
            raise RuntimeError("the tracker store is locked")

    channel = SocketIOInputFixed("user_uttered", "bot_uttered", session_persistence=True)
    channel.settings = Settings.from_env({"WIDGET_SESSION_SECRET": "x" * 32})
    channel.blueprint(on_new_message)
    handle = channel.sio.handlers["/"]["user_uttered"]
    channel._sessions["sid-1"] = SESSION
    payload = {"message": "你好", "session_id": "ignored", "metadata": {"client_message_id": "c1"}}

    assert await handle("sid-1", payload) == {"status": "error", "id": "c1"}
    assert await handle("sid-1", payload) == {"status": "ok", "id": "c1"}
    assert await handle("sid-1", payload) == {"status": "duplicate", "id": "c1"}
    assert turns == ["你好", "你好"]


async def test_a_socket_without_a_confirmed_session_cannot_speak():
    channel = SocketIOInputFixed("user_uttered", "bot_uttered", session_persistence=True)
    channel.settings = Settings.from_env({"WIDGET_SESSION_SECRET": "x" * 32})

    async def on_new_message(message):
        raise AssertionError("processed a message of no session")

    channel.blueprint(on_new_message)
    handle = channel.sio.handlers["/"]["user_uttered"]
    assert (await handle("sid-2", {"message": "转人工", "session_id": SESSION}))["status"] == "no_session"
