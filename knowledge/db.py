"""Engines, sessions and schema creation for the knowledge base."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import sessionmaker

from knowledge.models import Base


def make_engine(url: str, **kwargs) -> Engine:
    """Create a 2.0-style engine for ``url``.

    For SQLite files the parent directory is created (relative paths are relative to the
    working directory) and foreign keys are enforced on every connection, which SQLite does
    not do by default.

    Args:
        url: SQLAlchemy database URL, e.g. ``sqlite:///var/app.db`` or
            ``postgresql://postgres@127.0.0.1:5432/app``.
        **kwargs: Passed on to `sqlalchemy.create_engine`.

    Returns:
        The engine.
    """
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and parsed.database and parsed.database != ":memory:" \
            and not parsed.database.startswith("file:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, **kwargs)
    if sqlite:
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker:
    """A session factory for ``engine``; use one session per call (``with factory() as s:``)."""
    return sessionmaker(engine, future=True, expire_on_commit=False)


def create_schema(engine: Engine, attempts: int = 5) -> None:
    """Create the knowledge-base tables that do not exist yet (idempotent).

    Safe when several processes start at once: ``create_all`` checks, then creates, so a
    concurrent creator can win the race for a table ("already exists"); each retry skips the
    tables that exist by then.
    """
    for attempt in range(1, attempts + 1):
        try:
            Base.metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError, IntegrityError) as exc:
            lost_race = isinstance(exc, IntegrityError) or "already exists" in str(exc.orig)
            if not lost_race or attempt == attempts:
                raise
