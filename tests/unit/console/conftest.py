"""A console on a temporary SQLite database, and a fake Rasa HTTP API on 127.0.0.1."""
from __future__ import annotations

from typing import Dict, List

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app.container import Container
from bot.app.database import make_app_session_factory
from bot.app.settings import Settings
from bot.app.widget_sessions import TOKEN_HEADER, token_for
from bot.console.app import create_app

OPERATOR_TOKEN = "s3cret-operator"
KNOWN = "0123456789abcdef0123456789abcdef"
SESSION_SECRET = "unit-test-widget-session-secret"
SITE = "https://help.example.com"


class FakeRasa:
    """Rasa's ``GET /conversations/{id}/tracker``: trackers by id, the last query seen."""

    def __init__(self) -> None:
        self.trackers: Dict[str, dict] = {}
        self.queries: List[dict] = []
        self.fail_with = 0
        self.sent: List[dict] = []  # bodies of POST /webhooks/handover/send
        self.send_headers: List[dict] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/conversations/{sender}/tracker", self.tracker)
        app.router.add_post("/webhooks/handover/send", self.send)
        app.router.add_post("/model/parse", self.parse)
        return app

    async def parse(self, request: web.Request) -> web.Response:
        """NLU: every message is a login failure (enough for the knowledge preview)."""
        body = await request.json()
        return web.json_response({"text": body.get("text"), "intent": {"name": "login_failure"}, "entities": []})

    async def send(self, request: web.Request) -> web.Response:
        """Like bot.rasa_plugins.handover: the message goes into the tracker and is "pushed"."""
        body = await request.json()
        self.sent.append(body)
        self.send_headers.append(dict(request.headers))
        if self.fail_with:
            return web.json_response({"error": "x", "message": "down"}, status=self.fail_with)
        events = self.trackers.setdefault(body["sender_id"], {"events": []})["events"]
        if body.get("text"):
            events.append({"event": "bot", "text": body["text"],
                           "metadata": {"fapiao_agent": body.get("agent_name", "")}})
        else:
            events.append({"event": "bot", "text": f"[{body['notice']}]",
                           "metadata": {"fapiao_notice": body["notice"]}})
        return web.json_response({"status": "sent", "channel": "socketio"})

    async def tracker(self, request: web.Request) -> web.Response:
        self.queries.append(dict(request.query))
        if self.fail_with:
            return web.json_response({"status": "failure"}, status=self.fail_with)
        sender = request.match_info["sender"]
        # Like Rasa: an unknown conversation is an empty tracker, not a 404.
        return web.json_response(self.trackers.get(sender, {"sender_id": sender, "events": []}))


@pytest.fixture()
async def fake_rasa():
    fake = FakeRasa()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture()
def sessions(tmp_path):
    return make_app_session_factory(f"sqlite:///{tmp_path}/app.db")


@pytest.fixture()
def settings(tmp_path, fake_rasa):
    env = {"VAR_DIR": str(tmp_path), "RASA_URL": fake_rasa.url, "RASA_AUTH_TOKEN": "rasa-token",
           "OPERATOR_TOKEN": OPERATOR_TOKEN, "RASA_PUBLIC_URL": "http://rasa.example:5005",
           "WIDGET_DIST_DIR": str(tmp_path / "dist"), "ALLOWED_ORIGINS": SITE,
           "WIDGET_SESSION_SECRET": SESSION_SECRET}
    return Settings.from_env(env)


@pytest.fixture()
async def make_client(settings, sessions):
    clients = []

    async def make(**overrides):
        """A console client (sending the session token of ``KNOWN``); ``settings={...}`` changes
        settings, ``headers={...}`` the client's default headers, other keywords replace services."""
        changed = settings.replace(**overrides.pop("settings", {}))
        headers = overrides.pop("headers", session_headers())
        services = Container(changed, app_sessions=sessions, **overrides)
        client = TestClient(TestServer(create_app(changed, services), host="127.0.0.1"), headers=headers)
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture()
async def client(make_client):
    return await make_client()


def session_headers(session_id: str = KNOWN) -> dict:
    """The widget's session token for ``session_id`` (as the socket.io channel mints it)."""
    return {TOKEN_HEADER: token_for(SESSION_SECRET, session_id)}


def operator_headers(token: str = OPERATOR_TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}
