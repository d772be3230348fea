"""Knowledge editing in the console: forms save a draft, the overview checks it, the preview
answers from it, publishing changes what the assistant says; agents cannot edit."""
from __future__ import annotations

import shutil

import pytest

from bot.app.operators import SqlOperatorStore
from knowledge.loader import DEFAULT_CONTENT_DIR
from tests.unit.console.operator_support import post_form, sign_in

PASSWORD = "correct horse battery"


@pytest.fixture()
async def console(make_client, sessions, tmp_path):
    store = SqlOperatorStore(sessions)
    await store.add("editor1", PASSWORD, "editor")
    await store.add("agent1", PASSWORD, "agent")
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    client = await make_client(headers={}, settings={"knowledge_content_dir": content})
    from bot.console import keys

    client.services = client.server.app[keys.CONTAINER]
    return client


async def test_agents_cannot_edit(console):
    await sign_in(console, "agent1", PASSWORD)
    assert (await console.get("/operator/knowledge")).status == 403


async def test_edit_preview_publish(console):
    await sign_in(console, "editor1", PASSWORD)
    overview = await (await console.get("/operator/knowledge")).text()
    assert "草稿与已发布内容相同" in overview and "/operator/knowledge/problems/login_failure" in overview
    assert "<title>知识库 · 发票助手</title>" in overview and overview.count('id="errors-catalogue"') == 1
    form = await (await console.get("/operator/knowledge/problems/login_failure")).text()
    assert "确认网络和系统状态" in form
    saved = await post_form(console, "/operator/knowledge/problems/login_failure", {
        "step0_instructions": "1. 先把路由器重启一次。\n2. 再打开登录页。", "tips": "第一条建议\n第二条建议"},
        token=None)
    assert saved.status == 303 and "msg=" in saved.headers["Location"]
    overview = await (await console.get("/operator/knowledge")).text()
    assert "login_failure.yml" in overview and 'id="draft-valid"' in overview
    preview = await post_form(console, "/operator/knowledge/preview", {"text": "电子税务局登录不上"})
    text = await preview.text()
    assert "先把路由器重启一次" in text and "登录失败" in text
    knowledge = console.services.knowledge()
    assert "路由器" not in (await knowledge.first_step("login_failure")).instructions  # not yet published
    published = await post_form(console, "/operator/knowledge/publish", {"note": "路由器"})
    assert "msg=" in published.headers["Location"]
    assert (await knowledge.first_step("login_failure")).instructions.startswith("1. 先把路由器重启一次。")
    problem = await knowledge.problem("login_failure")
    assert [t for t in problem.tips][:2] == ["第一条建议", "第二条建议"]
    history = await (await console.get("/operator/knowledge")).text()
    assert 'id="versions"' in history and "路由器" in history


async def test_invalid_drafts_are_not_published(console):
    await sign_in(console, "editor1", PASSWORD)
    await post_form(console, "/operator/knowledge/problems/login_failure", {"step0_title": ""})
    overview = await (await console.get("/operator/knowledge")).text()
    assert 'id="draft-errors"' in overview and "login_failure.yml" in overview
    refused = await post_form(console, "/operator/knowledge/publish", {})
    assert "err=" in refused.headers["Location"]


async def test_error_catalogue_entries_are_edited_in_a_form(console):
    await sign_in(console, "editor1", PASSWORD)
    overview = await (await console.get("/operator/knowledge")).text()
    assert "/operator/knowledge/errors/cy_daily_limit" in overview
    saved = await post_form(console, "/operator/knowledge/errors/cy_daily_limit", {
        "cause": "查验平台限制同一张发票每天最多查验5次。"})
    assert saved.status == 303
    await post_form(console, "/operator/knowledge/publish", {})
    entry = await console.services.knowledge().known_error("cy_daily_limit")
    assert entry.cause == "查验平台限制同一张发票每天最多查验5次。"
