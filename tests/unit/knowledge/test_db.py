"""Engines: SQLite parent directories, enforced foreign keys, idempotent schema creation."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from knowledge.db import create_schema, make_engine, make_session_factory
from knowledge.models import StepRow


def test_sqlite_parent_directory_is_created(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'kb.db'}")

    create_schema(engine)
    create_schema(engine)

    assert (tmp_path / "a" / "b" / "kb.db").is_file()
    assert "kb_problems" in inspect(engine).get_table_names()


def test_sqlite_enforces_foreign_keys(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    create_schema(engine)

    with make_session_factory(engine)() as session:
        session.add(StepRow(problem_id=999, position=0, step_key="x", title="标题",
                            instructions="做点什么", if_not_helped="再试试"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_in_memory_sqlite_works():
    engine = make_engine("sqlite://")

    create_schema(engine)

    assert "kb_steps" in inspect(engine).get_table_names()
