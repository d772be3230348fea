"""Announcements in the operator console: editors publish, edit and end them; the public API
(widget banner) and the assistant's check (KnowledgeReader.active_announcements) see it at once."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from bot.app.operators import SqlOperatorStore
from tests.unit.console.operator_support import post_form, sign_in

PASSWORD = "correct horse battery"


@pytest.fixture()
async def console(make_client, sessions):
    store = SqlOperatorStore(sessions)
    await store.add("editor1", PASSWORD, "editor")
    await store.add("agent1", PASSWORD, "agent")
    client = await make_client(headers={})
    from bot.console import keys

    client.services = client.server.app[keys.CONTAINER]
    return client


async def banner(client):
    body = await (await client.get("/api/announcements/active")).json()
    return [a["title"] for a in body["announcements"]]


async def test_agents_cannot_publish(console):
    await sign_in(console, "agent1", PASSWORD)
    assert (await console.get("/operator/announcements")).status == 403


async def test_publish_edit_and_end(console):
    await sign_in(console, "editor1", PASSWORD)
    published = await post_form(console, "/operator/announcements", {
        "kind": "maintenance", "title": "开票服务升级", "message": "今晚 22:00 至 24:00 暂停开票。",
        "affects": "issuance_failure", "expected_recovery": "2030-01-01T00:00"})
    assert published.status == 303 and "msg=" in published.headers["Location"]
    assert await banner(console) == ["开票服务升级"]
    knowledge = console.services.knowledge()
    now = datetime.now(timezone.utc)
    assert [a.title for a in await knowledge.active_announcements(now, "issuance_failure")] == ["开票服务升级"]
    assert await knowledge.active_announcements(now, "login_failure") == []

    page = await (await console.get("/operator/announcements")).text()
    announcement_id = re.search(r'<tr data-id="(console-[0-9a-f]+)"', page).group(1)
    form = await (await console.get(f"/operator/announcements/{announcement_id}/edit")).text()
    assert "今晚 22:00 至 24:00 暂停开票。" in form and "2030-01-01T00:00" in form
    edited = await post_form(console, f"/operator/announcements/{announcement_id}/edit", {
        "kind": "incident", "title": "开票服务故障", "message": "开票服务异常，正在抢修。"})
    assert edited.status == 303
    assert await banner(console) == ["开票服务故障"]
    assert [a.title for a in await knowledge.active_announcements(datetime.now(timezone.utc), "login_failure")] \
        == ["开票服务故障"]  # no problem ticked: every problem

    page = await (await console.get("/operator/announcements")).text()
    current = re.search(r'<tr data-id="(console-[0-9a-f]+)">\s*<td><span class="status open">', page)
    ended = await post_form(console, f"/operator/announcements/{current.group(1)}/end", {})
    assert ended.status == 303
    assert await banner(console) == []


async def test_bad_forms_say_why(console):
    await sign_in(console, "editor1", PASSWORD)
    empty = await post_form(console, "/operator/announcements", {"kind": "maintenance", "title": "", "message": "x"})
    assert "err=" in empty.headers["Location"]
    backwards = await post_form(console, "/operator/announcements", {
        "kind": "maintenance", "title": "t", "message": "m", "starts_at": "2030-01-02T00:00",
        "ends_at": "2030-01-01T00:00"})
    assert "err=" in backwards.headers["Location"]
    assert await banner(console) == []
