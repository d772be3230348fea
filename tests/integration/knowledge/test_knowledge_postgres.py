"""The loader and the repository on PostgreSQL (127.0.0.1:5432, user postgres, database test).

Each test works in its own schema (``kb_test_<random>``), dropped afterwards. When the
server is unreachable the tests are skipped, except under ``CI`` where that is a failure.
"""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

from knowledge.db import create_schema, make_engine, make_session_factory
from knowledge.loader import DEFAULT_CONTENT_DIR, load, read_document
from knowledge.repository import CST, KnowledgeBase
from knowledge.types import PROBLEM_KEYS

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

SERVER_URL = os.environ.get("KNOWLEDGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _admin_engine():
    engine = create_engine(SERVER_URL, future=True, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server"
        engine.dispose()
        reason = f"PostgreSQL at {SERVER_URL} is unreachable: {exc.__class__.__name__}"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
        pytest.skip(reason)
    return engine


@pytest.fixture
def schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh schema (via search_path), dropped after the test."""
    admin = _admin_engine()
    schema = f"kb_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{SERVER_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(schema_url: str):
    engine = make_engine(schema_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    return target


def test_tables_live_in_the_test_schema(engine, schema_url):
    with engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        tables = set(connection.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )).scalars())

    assert schema.startswith("kb_test_")
    assert {"kb_problems", "kb_steps", "kb_announcements", "kb_announcement_problems"} <= tables


def test_load_is_idempotent_and_reports_one_edit(engine, content_dir: Path):
    import yaml

    sessions = make_session_factory(engine)
    first = load(sessions, content_dir)
    assert not load(sessions, content_dir).has_changes

    data = read_document(content_dir / "issuance_failure.yml")
    data["steps"][0]["title"] = "先看错误提示"
    (content_dir / "issuance_failure.yml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                                      encoding="utf-8")
    edited = load(sessions, content_dir)

    assert {f"problem:{k}" for k in PROBLEM_KEYS} <= set(first.added)
    assert edited.changed == ("problem:issuance_failure",)
    assert KnowledgeBase(sessions).step("issuance_failure", 0).title == "先看错误提示"


def test_console_announcements_survive_and_time_zones_round_trip(engine, content_dir: Path):
    sessions = make_session_factory(engine)
    load(sessions, content_dir)
    kb = KnowledgeBase(sessions)
    now = datetime(2026, 11, 27, 10, 0, tzinfo=CST)
    created = kb.add_announcement("开票服务异常", "开票服务暂时不可用，技术人员正在处理。",
                                  affects=["issuance_failure"], starts_at=now - timedelta(minutes=30),
                                  expected_recovery=now + timedelta(hours=2))

    load(sessions, content_dir)

    [active] = kb.active_announcements(now, "issuance_failure")
    assert active.id == created.id and active.source == "console"
    assert active.starts_at == now - timedelta(minutes=30)
    assert active.starts_at.utcoffset() == timedelta(hours=8)
    assert kb.active_announcements(now, "query_empty") == []
    active_then = kb.active_announcements(datetime(2024, 10, 29, 12, tzinfo=CST), "login_failure")
    assert [a.id for a in active_then] == ["incident-2024-10-29-login-query"]
    assert kb.end_announcement(created.id, now=now)


def test_queries_and_search_on_postgres(engine, content_dir: Path):
    sessions = make_session_factory(engine)
    load(sessions, content_dir)
    kb = KnowledgeBase(sessions)

    assert kb.step_count("login_failure") == 5
    assert kb.escalation("login_failure").follow_up_hours == 4
    assert kb.search("专票和普票有啥区别")[0].key == "special_vs_general"


def test_concurrent_first_loads_all_succeed(schema_url: str, content_dir: Path):
    from concurrent.futures import ThreadPoolExecutor

    engines = [make_engine(schema_url) for _ in range(3)]
    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            reports = list(pool.map(lambda e: load(make_session_factory(e), content_dir), engines))

        assert sum(1 for r in reports if "problem:login_failure" in r.added) == 1
        assert KnowledgeBase(make_session_factory(engines[0])).step_count("login_failure") == 5
    finally:
        for engine in engines:
            engine.dispose()
