"""The console's routes through aiohttp's test client (fake Rasa on 127.0.0.1, SQLite)."""
from __future__ import annotations

import pytest

from tests.unit.console.conftest import KNOWN, SITE, operator_headers, session_headers

VOTE = {"kind": "vote", "session_id": KNOWN, "message_id": "bot-1", "text": "请先检查账号。", "up": True}


async def test_health(client):
    response = await client.get("/api/health")
    assert response.status == 200 and await response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/", "/faq.html"])
async def test_demo_pages_embed_the_widget_once_pointing_at_rasa(client, path):
    response = await client.get(path)
    assert response.status == 200
    body = await response.text()
    assert body.count("<script") == 1
    assert 'src="/widget/fapiao-widget.js"' in body
    assert 'data-server-url="http://rasa.example:5005"' in body
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "ws://rasa.example:5005" in csp


async def test_widget_files_come_from_the_build_directory(client, settings):
    missing = await client.get("/widget/fapiao-widget.js")
    assert missing.status == 404 and (await missing.json())["error"] == "widget_not_built"
    settings.widget_dist_dir.mkdir()
    (settings.widget_dist_dir / "fapiao-widget.js").write_text("/* built */", encoding="utf-8")
    built = await client.get("/widget/fapiao-widget.js")
    assert built.status == 200 and await built.text() == "/* built */"
    assert built.headers["Content-Type"].split(";")[0] in ("text/javascript", "application/javascript")
    escape = await client.get("/widget/..%2Fapp.db")
    assert escape.status == 404


async def test_unknown_api_route_is_a_json_404(client):
    response = await client.get("/api/nothing-here")
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"


# ---- history ---------------------------------------------------------------------------------

async def test_history_returns_user_and_bot_messages_only(client, fake_rasa):
    fake_rasa.trackers[KNOWN] = {"events": [
        {"event": "action", "name": "action_session_start"},
        {"event": "user", "text": "登录不了", "timestamp": 1},
        {"event": "bot", "text": "请先检查账号。", "timestamp": 2,
         "data": {"buttons": [{"title": "已解决", "payload": "/problem_solved"}]}},
        {"event": "user", "text": "/problem_solved", "timestamp": 3},
    ]}
    response = await client.get(f"/api/history/{KNOWN}")
    assert response.status == 200
    body = await response.json()
    assert [(m["role"], m["text"]) for m in body["messages"]] == [
        ("user", "登录不了"), ("bot", "请先检查账号。"), ("user", "已解决")]
    assert fake_rasa.queries[-1] == {"include_events": "ALL", "token": "rasa-token"}


@pytest.mark.parametrize("session_id", ["default", "0123", "ABCDEF0123456789ABCDEF0123456789"])
async def test_history_refuses_guessable_ids_without_asking_rasa(client, fake_rasa, session_id):
    response = await client.get(f"/api/history/{session_id}")
    assert response.status == 404
    assert fake_rasa.queries == []


async def test_history_of_an_unknown_conversation_is_404(make_client):
    client = await make_client(headers=session_headers("f" * 32))
    response = await client.get(f"/api/history/{'f' * 32}")
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"


async def test_history_needs_the_conversations_session_token(make_client, fake_rasa):
    fake_rasa.trackers[KNOWN] = {"events": [{"event": "user", "text": "我的电话 13812345678"}]}
    anonymous = await make_client(headers={})
    missing = await anonymous.get(f"/api/history/{KNOWN}")
    assert missing.status == 401 and (await missing.json())["error"] == "invalid_session_token"
    forged = await anonymous.get(f"/api/history/{KNOWN}", headers={"X-Fapiao-Session": KNOWN + "." + "A" * 43})
    assert forged.status == 401
    other = await make_client(headers=session_headers("e" * 32))
    assert (await other.get(f"/api/history/{KNOWN}")).status == 403
    assert fake_rasa.queries == []


async def test_history_when_rasa_fails_is_a_clean_502(client, fake_rasa):
    fake_rasa.fail_with = 500
    response = await client.get(f"/api/history/{KNOWN}")
    assert response.status == 502
    body = await response.json()
    assert body["error"] == "rasa_unavailable" and "Traceback" not in body["message"]


async def test_history_when_rasa_is_down_is_a_clean_502(make_client):
    client = await make_client(settings={"rasa_url": "http://127.0.0.1:9"})
    response = await client.get(f"/api/history/{KNOWN}")
    assert response.status == 502


# ---- feedback --------------------------------------------------------------------------------

async def test_a_vote_is_stored(client, sessions):
    response = await client.post("/api/feedback", json=VOTE)
    assert response.status == 201
    assert (await response.json())["vote"]["up"] is True
    from bot.app.feedback import SqlFeedbackStore

    stored = await SqlFeedbackStore(sessions).for_conversation(KNOWN)
    assert [v.message_id for v in stored.votes] == ["bot-1"]


async def test_a_rating_is_stored(client):
    response = await client.post("/api/feedback", json={"kind": "rating", "session_id": KNOWN,
                                                        "rating": 5, "comment": "很好"})
    assert response.status == 201
    assert (await response.json())["rating"]["rating"] == 5


@pytest.mark.parametrize("body, error", [
    ({**VOTE, "session_id": "default"}, "invalid_session_id"),
    ({**VOTE, "up": "yes"}, "invalid_vote"),
    ({**VOTE, "message_id": ""}, "invalid_feedback"),
    ({**VOTE, "kind": "like"}, "invalid_kind"),
    ({"kind": "rating", "session_id": KNOWN, "rating": 6}, "invalid_feedback"),
    ({"kind": "rating", "session_id": KNOWN, "rating": "很好"}, "invalid_feedback"),
    (["not", "an", "object"], "invalid_json"),
])
async def test_invalid_feedback_is_a_400_with_a_reason(client, body, error):
    response = await client.post("/api/feedback", json=body)
    assert response.status == 400
    assert (await response.json())["error"] == error


async def test_feedback_must_be_json(client):
    not_json = await client.post("/api/feedback", data="up=1",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert not_json.status == 415
    broken = await client.post("/api/feedback", data="{", headers={"Content-Type": "application/json"})
    assert broken.status == 400 and (await broken.json())["error"] == "invalid_json"
    huge = await client.post("/api/feedback", data="x" * 200_000,
                             headers={"Content-Type": "application/json"})
    assert huge.status == 413


async def test_public_api_answers_cross_origin_requests(client):
    preflight = await client.options("/api/feedback", headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST"})
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == SITE
    assert "X-Fapiao-Session" in preflight.headers["Access-Control-Allow-Headers"]
    response = await client.get("/api/announcements/active", headers={"Origin": SITE})
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    other = await client.get("/api/announcements/active", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


# ---- announcements ---------------------------------------------------------------------------

ANNOUNCEMENT = {"kind": "maintenance", "title": "系统升级", "message": "今晚 22:00 起维护两小时。",
                "expected_recovery": "2030-01-01T02:00:00+08:00"}


async def test_published_announcement_is_active_until_ended(client):
    assert (await (await client.get("/api/announcements/active")).json()) == {"announcements": []}
    published = await client.post("/api/operator/announcements", json=ANNOUNCEMENT,
                                  headers=operator_headers())
    assert published.status == 201
    item = (await published.json())["announcement"]
    assert item["kind"] == "maintenance" and item["source"] == "console"

    active = (await (await client.get("/api/announcements/active")).json())["announcements"]
    assert [a["id"] for a in active] == [item["id"]]
    assert active[0]["expected_recovery"].startswith("2030-01-01T02:00:00")

    ended = await client.delete(f"/api/operator/announcements/{item['id']}", headers=operator_headers())
    assert ended.status == 200
    assert (await (await client.get("/api/announcements/active")).json()) == {"announcements": []}
    again = await client.delete(f"/api/operator/announcements/{item['id']}", headers=operator_headers())
    assert again.status == 404


@pytest.mark.parametrize("body", [
    {**ANNOUNCEMENT, "title": ""},
    {**ANNOUNCEMENT, "kind": "party"},
    {**ANNOUNCEMENT, "affects": ["no_such_problem"]},
    {**ANNOUNCEMENT, "affects": "login_failure"},
    {**ANNOUNCEMENT, "starts_at": "tomorrow"},
    {**ANNOUNCEMENT, "starts_at": "2030-01-02T00:00:00+08:00", "ends_at": "2030-01-01T00:00:00+08:00"},
])
async def test_invalid_announcements_are_refused(client, body):
    response = await client.post("/api/operator/announcements", json=body, headers=operator_headers())
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_announcement"


# ---- operator auth ---------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("GET", "/api/operator/announcements"),
    ("POST", "/api/operator/announcements"),
    ("DELETE", "/api/operator/announcements/x"),
    ("GET", "/api/operator/tickets"),
    ("GET", f"/api/operator/feedback/{KNOWN}"),
])
async def test_operator_api_needs_the_token(client, method, path):
    for headers in ({}, operator_headers("wrong"), {"Authorization": "Basic abc"}):
        response = await client.request(method, path, headers=headers, json=ANNOUNCEMENT)
        assert response.status == 401, (headers, await response.text())
        assert (await response.json())["error"] == "unauthorized"


async def test_operator_api_is_off_without_a_configured_token(make_client):
    client = await make_client(settings={"operator_token": ""})
    response = await client.get("/api/operator/tickets", headers=operator_headers(""))
    assert response.status == 403
    assert (await response.json())["error"] == "operator_api_disabled"


async def test_operator_api_never_answers_cross_origin(client):
    response = await client.get("/api/operator/tickets",
                                headers={**operator_headers(), "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_operator_sees_tickets_and_feedback(client, sessions):
    from bot.app.tickets import SqlTicketStore

    await SqlTicketStore(sessions).create(KNOWN, "login_failure", {"platform": "电子税务局"},
                                          ["check_password"], channel="socketio")
    await client.post("/api/feedback", json=VOTE)
    listed = await client.get("/api/operator/tickets", headers=operator_headers())
    tickets = (await listed.json())["tickets"]
    assert [t["problem"] for t in tickets] == ["login_failure"]
    feedback = await (await client.get(f"/api/operator/feedback/{KNOWN}", headers=operator_headers())).json()
    assert [v["message_id"] for v in feedback["votes"]] == ["bot-1"]
    bad_limit = await client.get("/api/operator/tickets?limit=abc", headers=operator_headers())
    assert bad_limit.status == 400


# ---- errors ----------------------------------------------------------------------------------

class BrokenKnowledge:
    async def active_announcements(self, now, problem=None):
        raise RuntimeError("database is on fire")


async def test_unexpected_errors_are_a_polite_json_500_without_traceback(make_client):
    client = await make_client(knowledge=BrokenKnowledge())
    response = await client.get("/api/announcements/active")
    assert response.status == 500
    text = await response.text()
    assert "Traceback" not in text and "fire" not in text
    assert (await response.json())["error"] == "internal_error"
