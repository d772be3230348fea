"""bot/rasa_plugins/action_client.py: Rasa's action calls reuse one connection per endpoint, with
Rasa's headers and the same JSON, against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_plugins.action_client import close_kept_sessions, install_kept_action_connections


@pytest.fixture
def kept(monkeypatch):
    import rasa.core.run

    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    monkeypatch.setattr(rasa.core.run, "configure_app", rasa.core.run.configure_app)
    install_kept_action_connections()


async def serve(seen, port=0):
    async def webhook(request: web.Request) -> web.Response:
        seen.append({"peer": request.transport.get_extra_info("peername"),
                     "token": request.headers.get("X-Action-Token"),
                     "body": await request.json()})
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, shutdown_timeout=0.1)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


def test_calls_share_one_connection_with_rasas_headers_and_json(kept):
    tracker = {"sender_id": "s", "events": [{"event": "user", "text": "发票查不到",
                                             "timestamp": 1764460800.123456789}]}

    async def scenario():
        seen = []
        runner, port = await serve(seen)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Action-Token": "t0k"})
        for _ in range(3):
            assert await endpoint.request(json=tracker, method="post") == {"events": [], "responses": []}
        await close_kept_sessions()
        await runner.cleanup()
        return seen

    seen = asyncio.run(scenario())
    assert len(seen) == 3 and len({s["peer"] for s in seen}) == 1, "one kept connection"
    assert all(s["token"] == "t0k" for s in seen)
    assert all(s["body"] == json.loads(json.dumps(tracker)) for s in seen)


def test_a_restarted_server_is_reached_again(kept):
    async def scenario():
        seen = []
        runner, port = await serve(seen)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        await endpoint.request(json={"n": 1}, method="post")
        await runner.cleanup()  # the action server stops: its connections close
        seen_again = []
        app_runner, _ = await serve(seen_again, port)
        try:
            await endpoint.request(json={"n": 2}, method="post")
        finally:
            await close_kept_sessions()
            await app_runner.cleanup()
        return seen_again

    assert [s["body"] for s in asyncio.run(scenario())] == [{"n": 2}]
