"""The application database of the runtime (tickets, feedback): engine, schema, sessions, and
what its services share (the clock, one session per call, rows → frozen dataclasses).

The knowledge base shares the same database (``APP_DATABASE_URL``) but keeps its own models in
``knowledge.models``; both schemas are created on the same engine.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional, Type, TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from knowledge.db import create_schema as create_knowledge_schema
from knowledge.db import make_engine

#: Records are stamped in China Standard Time.
CHINA_TZ = timezone(timedelta(hours=8))

T = TypeVar("T")


def china_now() -> datetime:
    """The current time in China Standard Time (the services' default clock)."""
    return datetime.now(CHINA_TZ)


def create_app_schema(engine: Engine) -> None:
    """Create every table of the application database, and upgrade an older one (idempotent):
    the knowledge base's tables, then this package's tables through its migrations
    (`bot.app.migrations`, alembic)."""
    from bot.app.migrations import upgrade

    create_knowledge_schema(engine)
    upgrade(engine)


def make_app_session_factory(url: str) -> sessionmaker:
    """An engine for ``url`` with the full schema, and a session factory bound to it."""
    engine = make_engine(url)
    create_app_schema(engine)
    return sessionmaker(engine, future=True, expire_on_commit=False)


class StoredService:
    """Base of the services over the application database; one database session per call.

    Args:
        session_factory: sessions on the application database.
        clock: returns "now" (tests pass a fixed clock).
    """

    def __init__(self, session_factory: sessionmaker, clock: Callable[[], datetime] = china_now) -> None:
        self._sessions = session_factory
        self._clock = clock


def from_row(cls: Type[T], row: Any, **converted: Any) -> T:
    """The dataclass ``cls`` with each field read from the row's attribute of the same name,
    except the fields given in ``converted`` (values that need decoding)."""
    values = {f.name: getattr(row, f.name) for f in dataclasses.fields(cls) if f.name not in converted}
    return cls(**values, **converted)


def one_row(session: Session, model: Type[T], *criteria: Any) -> Optional[T]:
    """The row of ``model`` matching ``criteria`` (a unique key), or None."""
    return session.execute(select(model).where(*criteria)).scalar_one_or_none()
