"""Knowledge versions: drafts checked like `python -m knowledge check`, publishing into the app
database, rollback, the action server's refresh on a new version, what `make knowledge` loads."""
from __future__ import annotations

import shutil

import pytest

from bot.app import kb_versions
from bot.app.database import make_app_session_factory
from bot.app.kb_versions import InvalidDraft, SqlKnowledgeVersions, problem_of, with_problem
from bot.app.knowledge import KnowledgeService
from knowledge.loader import DEFAULT_CONTENT_DIR
from knowledge.repository import KnowledgeBase


@pytest.fixture()
def content_dir(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    return target


@pytest.fixture()
def sessions(tmp_path):
    return make_app_session_factory(f"sqlite:///{tmp_path}/app.db")


@pytest.fixture()
def store(sessions, content_dir):
    store = SqlKnowledgeVersions(sessions, content_dir)
    store.load_for_start()
    return store


def edited(content, instructions):
    data = problem_of(content, "login_failure")
    data["steps"][0]["instructions"] = instructions
    return with_problem(content, "login_failure", data)


async def test_publish_changes_the_live_knowledge_base_and_rollback_restores_it(store, sessions):
    kb = KnowledgeBase(sessions)
    original = kb.problem("login_failure").steps[0].instructions
    draft = edited(await store.draft("editor1"), "1. 先重启路由器。\n2. 再打开登录页。")
    await store.save_draft("editor1", draft)
    assert await store.has_draft("editor1") and not await store.has_draft("editor2")
    assert await store.check(draft) == []
    first = await store.publish("editor1", "路由器")
    assert kb.problem("login_failure").steps[0].instructions.startswith("1. 先重启路由器。")
    assert not await store.has_draft("editor1")
    assert (await store.current())[0] == first
    second = await store.rollback(first, "editor1")  # same content again
    assert second > first
    await store.save_draft("editor1", edited(await store.draft("editor1"), original))
    third = await store.publish("editor1")
    assert kb.problem("login_failure").steps[0].instructions == original
    assert [v.state for v in await store.versions()] == ["published", "superseded", "superseded"]
    assert third == store.published_id()


async def test_an_invalid_draft_is_refused_with_the_checkers_messages(store, sessions):
    data = problem_of(await store.draft("editor1"), "login_failure")
    data["steps"][0]["title"] = ""
    await store.save_draft("editor1", with_problem(await store.draft("editor1"), "login_failure", data))
    with pytest.raises(InvalidDraft) as refused:
        await store.publish("editor1")
    assert any("login_failure.yml" in line for line in refused.value.errors)
    assert store.published_id() == 0


async def test_the_action_servers_indexes_are_rebuilt_after_a_publication(store, sessions):
    refreshed = []
    kb = KnowledgeBase(sessions)
    kb.refresh = lambda: refreshed.append(True)  # type: ignore[method-assign]
    service = KnowledgeService(kb, version_probe=store.published_id, probe_seconds=0.0)
    await service.search("登录不上")
    await store.save_draft("e", edited(await store.draft("e"), "1. 换一台电脑试试。"))
    await store.publish("e")
    await service.search("登录不上")
    assert refreshed == [True]


def test_make_knowledge_keeps_console_edits_until_the_files_change(store, sessions, content_dir):
    import asyncio

    asyncio.run(store.save_draft("e", edited(asyncio.run(store.draft("e")), "1. 控制台改的步骤。")))
    asyncio.run(store.publish("e"))
    kb = KnowledgeBase(sessions)
    assert "console version" in store.load_for_start()
    assert kb.problem("login_failure").steps[0].instructions == "1. 控制台改的步骤。"
    path = content_dir / "login_failure.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("无法登录发票系统", "无法登录发票系统（新）"),
                    encoding="utf-8")
    assert "repository files changed" in store.load_for_start()
    assert kb.problem("login_failure").title == "无法登录发票系统（新）"
    assert "console version" in store.load_for_start()  # the files' version is now the newest


def test_preview_answers_from_the_draft(content_dir):
    content = edited(kb_versions.read_files(content_dir), "1. 预览里的新步骤。")
    answer = kb_versions.preview_answer(content, "电子税务局登录不上", "login_failure", None)
    assert answer.kind == "problem" and answer.lines[-1] == "1. 预览里的新步骤。"
    searched = kb_versions.preview_answer(content, "发票丢了怎么办", "ask_invoice_question", None)
    assert searched.kind in ("search", "none")
