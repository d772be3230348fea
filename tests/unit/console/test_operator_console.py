"""The operator console at /operator/: sign-in, sessions, CSRF, roles, the ticket queue and
page, live hand-over through the (fake) Rasa server's hand-over endpoint."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.app.database import CHINA_TZ
from bot.app.models import TicketStatus
from bot.app.operators import SqlOperatorStore
from bot.app.tickets import SqlTicketStore
from bot.console import live
from tests.unit.console.operator_support import csrf_of, origin, post_form, sign_in

PASSWORD = "correct horse battery"
SENDER = "0123456789abcdef0123456789abcdef"


@pytest.fixture()
def operators(sessions):
    return SqlOperatorStore(sessions)


@pytest.fixture()
def tickets(sessions):
    return SqlTicketStore(sessions)


@pytest.fixture()
async def console(make_client, operators):
    await operators.add("wangfang", PASSWORD, "agent", "王芳")
    await operators.add("editor1", PASSWORD, "editor")
    await operators.add("boss", PASSWORD, "admin")
    return await make_client(headers={})


# ---- accounts and sessions ------------------------------------------------------------------------

async def test_admin_is_created_from_the_environment_only_when_nobody_exists(make_client, operators):
    client = await make_client(settings={"operator_admin_password": "first-admin-pass"}, headers={})
    await sign_in(client, "admin", "first-admin-pass")
    assert (await operators.get("admin")).role == "admin"
    # A second start with another password changes nothing.
    await make_client(settings={"operator_admin_password": "another-password"}, headers={})
    assert await operators.authenticate("admin", "another-password") is None


async def test_pages_need_a_signed_in_operator(console):
    page = await console.get("/operator/tickets", allow_redirects=False)
    assert page.status == 302 and page.headers["Location"].startswith("/operator/login?next=")
    api = await console.get("/operator/api/counts")
    assert api.status == 401 and (await api.json())["error"] == "login_required"


async def test_sign_in_sets_a_strict_http_only_cookie_and_signs_out(console):
    response = await sign_in(console, "wangfang", PASSWORD)
    assert response.headers["Location"] == "/operator/"
    cookie = response.headers["Set-Cookie"]
    assert "fapiao_operator=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/operator/" in cookie
    page = await console.get("/operator/tickets")
    assert page.status == 200 and "王芳" in await page.text()
    token = await csrf_of(console, "/operator/tickets")
    out = await console.post("/operator/logout", data={"csrf_token": token}, headers=origin(console),
                             allow_redirects=False)
    assert out.status == 303
    again = await console.get("/operator/tickets", allow_redirects=False)
    assert again.status == 302


async def test_wrong_password_is_refused_and_then_rate_limited(make_client, operators):
    await operators.add("wangfang", PASSWORD, "agent")
    client = await make_client(settings={"operator_login_limit": 3}, headers={})
    for _ in range(3):
        refused = await sign_in(client, "wangfang", "wrong password", expect=401)
        assert "用户名或密码不正确" in await refused.text()
    blocked = await sign_in(client, "wangfang", PASSWORD, expect=429)
    assert "密码错误次数过多" in await blocked.text()
    # An unknown name is refused the same way (no hint whether the account exists).
    other = await make_client(headers={})
    unknown = await sign_in(other, "nobody", PASSWORD, expect=401)
    assert "用户名或密码不正确" in await unknown.text()


async def test_a_disabled_operator_is_signed_out_at_once(console, operators):
    await sign_in(console, "wangfang", PASSWORD)
    await operators.update("wangfang", active=False)
    page = await console.get("/operator/tickets", allow_redirects=False)
    assert page.status == 302


async def test_sign_in_redirects_only_inside_the_console(console):
    token = await csrf_of(console)
    response = await console.post("/operator/login", data={
        "username": "wangfang", "password": PASSWORD, "csrf_token": token, "next": "https://evil.example/"},
        headers=origin(console), allow_redirects=False)
    assert response.headers["Location"] == "/operator/"


# ---- CSRF -------------------------------------------------------------------------------------------

async def test_posts_need_the_csrf_token_and_the_same_origin(console, tickets):
    ticket = await tickets.create(SENDER, "login_failure", {}, [], "socketio")
    await sign_in(console, "wangfang", PASSWORD)
    path = f"/operator/tickets/{ticket.number}/note"
    no_token = await console.post(path, data={"text": "x"}, headers=origin(console))
    assert no_token.status == 403 and "页面已过期" in await no_token.text()
    token = await csrf_of(console, "/operator/tickets")
    cross = await console.post(path, data={"text": "x", "csrf_token": token},
                               headers={"Origin": "https://evil.example"})
    assert cross.status == 403
    no_origin = await console.post(path, data={"text": "x", "csrf_token": token})
    assert no_origin.status == 403
    wrong = await post_form(console, path, {"text": "x"}, token="not-the-token")
    assert wrong.status == 403
    good = await post_form(console, path, {"text": "已电话联系"}, token=token)
    assert good.status == 303
    header_only = await console.post(path, data={"text": "via header"},
                                     headers={**origin(console), "X-CSRF-Token": token}, allow_redirects=False)
    assert header_only.status == 303
    assert [h.text for h in await tickets.history(ticket.number)] == ["已电话联系", "via header"]


async def test_sign_in_itself_needs_the_token(console):
    response = await console.post("/operator/login", data={"username": "wangfang", "password": PASSWORD},
                                  headers=origin(console), allow_redirects=False)
    assert response.status == 403


# ---- roles ------------------------------------------------------------------------------------------

async def test_only_admins_manage_accounts(console, operators):
    await sign_in(console, "wangfang", PASSWORD)
    assert (await console.get("/operator/accounts")).status == 403
    refused = await post_form(console, "/operator/accounts", {"username": "x1", "password": PASSWORD})
    assert refused.status == 403
    await sign_in(console, "boss", PASSWORD)
    page = await console.get("/operator/accounts")
    assert page.status == 200 and "wangfang" in await page.text()
    added = await post_form(console, "/operator/accounts", {
        "username": "lisi", "password": PASSWORD, "role": "editor", "display_name": "李四"})
    assert added.status == 303
    assert (await operators.get("lisi")).role == "editor"
    weak = await post_form(console, "/operator/accounts", {"username": "zs", "password": "short"})
    assert "err=" in weak.headers["Location"]
    self_demote = await post_form(console, "/operator/accounts/boss", {"role": "agent"})
    assert "err=" in self_demote.headers["Location"]
    assert (await operators.get("boss")).role == "admin"


async def test_agents_do_not_see_the_editor_menu(console):
    await sign_in(console, "wangfang", PASSWORD)
    text = await (await console.get("/operator/tickets")).text()
    assert "/operator/announcements" not in text and "/operator/accounts" not in text
    await sign_in(console, "editor1", PASSWORD)
    text = await (await console.get("/operator/tickets")).text()
    assert "/operator/announcements" in text and "/operator/accounts" not in text


# ---- tickets ----------------------------------------------------------------------------------------

async def test_queue_filters_and_counts(console, tickets):
    import re

    a = await tickets.create(SENDER, "login_failure", {}, [], "socketio")
    b = await tickets.create("b" * 32, "upload_failure", {}, [], "wechat")
    c = await tickets.create("c" * 32, None, {}, [], "rest")
    await tickets.set_status(c.number, TicketStatus.RESOLVED)
    await sign_in(console, "wangfang", PASSWORD)

    async def rows(query: str):
        text = await (await console.get("/operator/tickets" + query)).text()
        return re.findall(r'<tr data-number="([^"]+)"', text), text

    shown, text = await rows("")
    assert shown == [a.number, b.number]
    assert '<span class="count">2</span>' in text and '<span class="count">1</span>' in text
    assert (await rows("?status=open&channel=wechat"))[0] == [b.number]
    assert (await rows("?status=open&problem=login_failure"))[0] == [a.number]
    assert (await rows("?status=open&age=1d"))[0] == []
    assert (await rows("?status=resolved"))[0] == [c.number]
    assert (await rows("?status=resolved&problem=none"))[0] == [c.number]
    counts = await (await console.get("/operator/api/counts")).json()
    assert counts == {"open": 2, "in_progress": 0, "resolved": 1, "live": 0}


async def test_ticket_page_shows_the_transcript_details_steps_and_history(console, tickets, fake_rasa):
    ticket = await tickets.create(SENDER, "login_failure", {"phone_number": "13800138000"},
                                  ["check_account"], "socketio")
    await tickets.add_note(ticket.number, "下午都在")
    fake_rasa.trackers[SENDER] = {"events": [
        {"event": "user", "text": "电子税务局登录不上<b>", "timestamp": 1},
        {"event": "bot", "text": "请先检查账号。", "timestamp": 2},
        {"event": "user", "text": "转人工", "timestamp": 3},
    ]}
    await sign_in(console, "wangfang", PASSWORD)
    page = await console.get(f"/operator/tickets/{ticket.number}")
    text = await page.text()
    assert page.status == 200
    assert "电子税务局登录不上&lt;b&gt;" in text and "请先检查账号。" in text  # escaped
    assert "13800138000" in text and "下午都在" in text and "联系电话" in text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assign = await post_form(console, f"/operator/tickets/{ticket.number}/assign", {"assignee": "me"})
    assert assign.status == 303
    status = await post_form(console, f"/operator/tickets/{ticket.number}/status", {"status": "resolved"})
    assert status.status == 303
    stored = await tickets.by_number(ticket.number)
    assert stored.assignee == "wangfang" and stored.status is TicketStatus.RESOLVED
    kinds = [(h.kind, h.text) for h in await tickets.history(ticket.number)]
    assert kinds == [("assign", "wangfang"), ("status", "in_progress"), ("status", "resolved")]
    # Resolving a web ticket tells the user in the chat (and closes the ticket's follow-ups).
    assert fake_rasa.sent[-1] == {"sender_id": SENDER, "notice": "closed", "slots": {"ticket_open": False}}
    missing = await console.get("/operator/tickets/GD20990101-000001")
    assert missing.status == 404 and "找不到该工单" in await missing.text()


async def test_rasa_token_is_sent_to_the_hand_over_endpoint(console, tickets, fake_rasa):
    ticket = await tickets.create(SENDER, "login_failure", {}, [], "socketio")
    fake_rasa.trackers[SENDER] = {"events": [{"event": "user", "text": "转人工"}]}
    await sign_in(console, "wangfang", PASSWORD)
    await post_form(console, f"/operator/tickets/{ticket.number}/take", {})
    assert fake_rasa.send_headers[-1]["Authorization"] == "Bearer rasa-token"


# ---- live hand-over ---------------------------------------------------------------------------------

async def test_take_reply_and_hand_back(console, tickets, fake_rasa, sessions):
    from bot.app.handover import SqlHandoverState

    state = SqlHandoverState(sessions)
    ticket = await tickets.create(SENDER, "login_failure", {}, [], "socketio")
    fake_rasa.trackers[SENDER] = {"events": [{"event": "user", "text": "转人工", "timestamp": 1}]}
    await sign_in(console, "wangfang", PASSWORD)
    live_page = await (await console.get("/operator/live")).text()
    assert ticket.number in live_page and "接入" in live_page

    taken = await post_form(console, f"/operator/tickets/{ticket.number}/take", {})
    assert taken.status == 303 and "msg=" in taken.headers["Location"]
    assert (await state.active(SENDER)).agent == "wangfang"
    assert fake_rasa.sent[-1] == {"sender_id": SENDER, "notice": "taken", "agent_name": "王芳"}
    stored = await tickets.by_number(ticket.number)
    assert stored.assignee == "wangfang" and stored.status is TicketStatus.IN_PROGRESS

    token = await csrf_of(console, f"/operator/tickets/{ticket.number}")
    sent = await console.post(f"/operator/tickets/{ticket.number}/reply", data={"text": "您好，请问报错是什么？"},
                              headers={**origin(console), "X-CSRF-Token": token, "Accept": "application/json"})
    assert sent.status == 200 and (await sent.json()) == {"status": "sent"}
    assert fake_rasa.sent[-1] == {"sender_id": SENDER, "text": "您好，请问报错是什么？", "agent_name": "王芳"}
    fake_rasa.trackers[SENDER]["events"].append({"event": "user", "text": "提示证书过期", "timestamp": 9})
    lines = await (await console.get(f"/operator/api/tickets/{ticket.number}/messages?after=1")).json()
    assert [(line["role"], line["text"]) for line in lines["lines"]] == [
        ("agent", "您好，请问报错是什么？"), ("user", "提示证书过期")]
    assert lines["handover"] == {"agent": "wangfang", "agent_name": "王芳"}

    back = await post_form(console, f"/operator/tickets/{ticket.number}/handback", {}, token=token)
    assert back.status == 303
    assert await state.active(SENDER) is None
    assert fake_rasa.sent[-1] == {"sender_id": SENDER, "notice": "returned"}
    history = [h.text for h in await tickets.history(ticket.number) if h.kind == "handover"]
    assert history == ["接入会话（人工接待）", "交回智能助手"]


async def test_another_agent_cannot_take_or_reply(console, tickets, fake_rasa, operators):
    ticket = await tickets.create(SENDER, "login_failure", {}, [], "socketio")
    fake_rasa.trackers[SENDER] = {"events": [{"event": "user", "text": "转人工"}]}
    await operators.add("zhangsan", PASSWORD, "agent")
    await sign_in(console, "wangfang", PASSWORD)
    await post_form(console, f"/operator/tickets/{ticket.number}/take", {})
    await sign_in(console, "zhangsan", PASSWORD)
    second = await post_form(console, f"/operator/tickets/{ticket.number}/take", {})
    assert "err=" in second.headers["Location"]
    token = await csrf_of(console, "/operator/tickets")
    reply = await console.post(f"/operator/tickets/{ticket.number}/reply", data={"text": "hi"},
                               headers={**origin(console), "X-CSRF-Token": token})
    assert reply.status == 409


async def test_rest_tickets_cannot_be_taken_live(console, tickets):
    ticket = await tickets.create("rest-user-1", "login_failure", {}, [], "rest")
    await sign_in(console, "wangfang", PASSWORD)
    refused = await post_form(console, f"/operator/tickets/{ticket.number}/take", {})
    assert "err=" in refused.headers["Location"]


async def test_users_waiting_too_long_are_told_once(make_client, sessions, fake_rasa):
    clock_now = datetime.now(CHINA_TZ)
    early = SqlTicketStore(sessions, clock=lambda: clock_now - timedelta(minutes=10))
    waiting = await early.create(SENDER, "login_failure", {}, [], "socketio")
    await early.create("rest-user-2", "login_failure", {}, [], "rest")  # cannot be told
    fresh = await SqlTicketStore(sessions).create("f" * 32, "login_failure", {}, [], "socketio")
    client = await make_client(settings={"handover_wait_minutes": 5})
    app = client.server.app
    assert await live.notify_waiting(app) == 1
    assert fake_rasa.sent == [{"sender_id": SENDER, "notice": "waiting", "minutes": 10}]
    assert await live.notify_waiting(app) == 0
    assert (await early.by_number(waiting.number)).wait_notified_at is not None
    assert (await early.by_number(fresh.number)).wait_notified_at is None


async def test_wrong_passwords_are_counted_in_redis_across_consoles(make_client, operators):
    """Two console replicas share the count through REDIS_URL (skipped without a local Redis)."""
    import uuid

    redis_asyncio = pytest.importorskip("redis.asyncio")
    url = "redis://127.0.0.1:6379/15"
    client = redis_asyncio.from_url(url, socket_timeout=1.0)
    try:
        await client.ping()
    except Exception:  # noqa: BLE001 - no Redis here
        pytest.skip("no Redis on 127.0.0.1:6379")
    from bot.console.auth import LoginLimits

    await client.delete(LoginLimits._name("addr:127.0.0.1"))  # left by an earlier run
    await client.close()
    name = "r" + uuid.uuid4().hex[:10]
    await operators.add(name, PASSWORD, "agent")
    changes = {"operator_login_limit": 2, "redis_url": url}
    first, second = await make_client(settings=changes, headers={}), await make_client(settings=changes, headers={})
    await sign_in(first, name, "wrong password", expect=401)
    await sign_in(second, name, "wrong password", expect=401)
    await sign_in(first, name, PASSWORD, expect=429)
    await sign_in(second, name, PASSWORD, expect=429)
