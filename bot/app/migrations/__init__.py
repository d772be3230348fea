"""Migrations of the application database's own tables (`bot.app.models`), with alembic.

``upgrade(engine)`` brings a database to the newest revision. Every process that opens the app
database calls it (`bot.app.database.make_app_session_factory`), so an existing ``var/app.db``
upgrades itself on the next start; processes starting together are serialised (a lock file
next to a SQLite database, an advisory lock on PostgreSQL). The first revision (``0001``) is the
schema as it was before alembic: on a database that already has those tables it does nothing,
so older databases join the history there.

The knowledge base's tables (`knowledge.models`) and the analytics tables
(`bot.app.analytics`) are created by their own modules and are not part of this history: the
version table is ``alembic_version_app``.

A new revision: add a file under ``versions/`` (``down_revision`` = the previous one), with
operations that check what exists (``has_table``/``has_column`` below), and a test in
tests/unit/app/test_migrations.py. ``python -m bot.app.migrations`` upgrades the configured
database by hand and prints the revision.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
VERSION_TABLE = "alembic_version_app"
_ADVISORY_KEY = int(hashlib.sha256(b"fapiao-app-migrations").hexdigest()[:12], 16)


def _config(connection: Connection):  # -> alembic.config.Config
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    return config


@contextlib.contextmanager
def _serialised(engine: Engine) -> Iterator[None]:
    """One migrating process at a time per database."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            yield
            return
        lock_path = Path(database).with_name(Path(database).name + ".migrate.lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    if url.get_backend_name() == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
                connection.commit()
        return
    yield


def head() -> str:
    """The newest revision."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(HERE))
    return str(ScriptDirectory.from_config(config).get_current_head())


def current(engine: Engine) -> Optional[str]:
    """The revision the database is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (idempotent; cheap when it is there already)."""
    from alembic import command

    # alembic says "Context impl SQLiteImpl" at INFO in every process on every start.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with _serialised(engine):
        if revision == "head" and current(engine) == head():
            return
        with engine.begin() as connection:
            command.upgrade(_config(connection), revision)


# --- helpers for the revisions ----------------------------------------------------------------

def has_table(name: str) -> bool:
    """Whether the database being migrated has table ``name``."""
    from alembic import op

    return inspect(op.get_bind()).has_table(name)


def has_column(table: str, column: str) -> bool:
    """Whether ``table`` has ``column``."""
    from alembic import op

    return column in {c["name"] for c in inspect(op.get_bind()).get_columns(table)}
