"""Connection loss: the widget says so, reconnects by itself, and sends each message once."""
from __future__ import annotations

import asyncio
import uuid

import socketio
from playwright.sync_api import expect

from tests.browser.widget import ChatWidget


def test_dropped_connection_reconnects_without_loss_or_duplicates(page, servers, proxied, screenshots):
    console, proxy = proxied
    page.goto(console.url + "/")
    widget = ChatWidget(page).open()
    widget.say("你好")
    session = widget.session_id()

    proxy.drop()
    expect(widget.status).to_have_text("连接已断开，正在重连…")
    widget.send("我登录不了电子税务局")  # typed while offline: queued, shown as waiting
    expect(widget.user_messages.last).to_have_class("fw-msg fw-user fw-pending")
    expect(page.locator(".fw-pending-note").last).to_be_visible()
    page.screenshot(path=screenshots / "desktop-8-connection-lost.png")

    proxy.restore()
    expect(widget.status).to_have_text("已重新连接")
    widget.wait_for_reply(1)
    expect(widget.active_chips.first).to_be_visible()
    expect(widget.status).to_be_hidden()

    sent = servers.user_texts(session)
    assert sent.count("你好") == 1
    assert sent.count("我登录不了电子税务局") == 1


async def _emit_twice(rasa_url: str, message_id: str):
    """Send one message twice with the same client id, as the widget's outbox does on retry."""
    client = socketio.AsyncClient(reconnection=False)
    replies = []
    client.on("bot_uttered", lambda data: replies.append(data))
    confirmed = asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda token: confirmed.done() or confirmed.set_result(token))
    await client.connect(rasa_url, transports=["polling"], socketio_path="/socket.io")
    try:
        await client.emit("session_request", {})  # the server mints the session
        token = await asyncio.wait_for(confirmed, 10)
        payload = {"message": "你好", "session_id": token,
                   "metadata": {"client_message_id": message_id}}
        first = await client.call("user_uttered", payload, timeout=60)
        second = await client.call("user_uttered", payload, timeout=60)
        return token.split(".")[0], first, second, replies
    finally:
        await client.disconnect()


def test_socketio_channel_processes_a_resent_message_once(servers, loop_thread):
    message_id = "c" + uuid.uuid4().hex[:12]
    # Playwright's sync API owns this thread's event loop: run the client on the test loop.
    session_id, first, second, replies = loop_thread.run(
        _emit_twice(servers.rasa_url, message_id), timeout=120)
    assert first == {"status": "ok", "id": message_id}
    assert second == {"status": "duplicate", "id": message_id}
    assert replies, "the session room received the bot's reply (enter_room was awaited)"
    assert servers.user_texts(session_id) == ["你好"]
