"""Fixtures of the knowledge-base unit tests: a private copy of the content, SQLite databases."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import pytest
import yaml

from knowledge.db import create_schema, make_engine, make_session_factory
from knowledge.loader import DEFAULT_CONTENT_DIR, load, read_document
from knowledge.repository import KnowledgeBase

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


def write_document(path: Path, data) -> None:
    """Write a content document back as YAML (datetimes are text after `read_document`)."""
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edit_document(content_dir: Path, file: str, change: Callable[[dict], object]) -> None:
    """Parse ``file``, apply ``change`` to the data in place, write it back."""
    path = content_dir / file
    data = read_document(path)
    change(data)
    write_document(path, data)


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped content."""
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    return target


@pytest.fixture
def sessions(tmp_path: Path):
    """A session factory on an empty SQLite database with the schema."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db' / 'kb.db'}")
    create_schema(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def kb(sessions, content_dir) -> KnowledgeBase:
    """A knowledge base loaded from a copy of the shipped content."""
    load(sessions, content_dir)
    return KnowledgeBase(sessions)


@pytest.fixture(scope="module")
def shared_kb(tmp_path_factory) -> KnowledgeBase:
    """A read-only knowledge base shared by a module (the search index is built once)."""
    root = tmp_path_factory.mktemp("kb")
    engine = make_engine(f"sqlite:///{root / 'kb.db'}")
    sessions = make_session_factory(engine)
    load(sessions, DEFAULT_CONTENT_DIR)
    yield KnowledgeBase(sessions)
    engine.dispose()
