"""The application database of the runtime (tickets, feedback): declarative base and sessions.

The knowledge base shares the same database (``APP_DATABASE_URL``) but keeps its own models in
``knowledge.models``; both schemas are created on the same engine.
"""
from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base, sessionmaker

from knowledge.db import create_schema as create_knowledge_schema
from knowledge.db import make_engine

Base = declarative_base()


def create_app_schema(engine: Engine) -> None:
    """Create every table of the application database (idempotent)."""
    # Import for side effects: the model modules register their tables on ``Base``.
    import bot.feedback  # noqa: F401
    import bot.tickets  # noqa: F401

    create_knowledge_schema(engine)
    Base.metadata.create_all(engine)


def make_app_session_factory(url: str) -> sessionmaker:
    """An engine for ``url`` with the full schema, and a session factory bound to it."""
    engine = make_engine(url)
    create_app_schema(engine)
    return sessionmaker(engine, future=True, expire_on_commit=False)
