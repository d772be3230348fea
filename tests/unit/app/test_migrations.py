"""The app database's migrations (alembic): a new database, a database from before alembic
(tickets and feedback made by create_all, with rows), and processes starting together."""
from __future__ import annotations

import asyncio
import sqlite3
import threading

from sqlalchemy import inspect

from bot.app import migrations
from bot.app.database import make_app_session_factory
from bot.app.tickets import SqlTicketStore
from knowledge.db import make_engine

#: The app tables as `create_all` made them before the operator console (commit 906e459).
OLD_SCHEMA = """
CREATE TABLE tickets (id INTEGER NOT NULL PRIMARY KEY, number VARCHAR(24) UNIQUE,
  sender_id VARCHAR(255) NOT NULL, channel VARCHAR(32) NOT NULL, problem VARCHAR(64),
  status VARCHAR(16) NOT NULL, details_json TEXT NOT NULL, steps_tried_json TEXT NOT NULL,
  created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);
CREATE TABLE feedback_votes (id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,
  message_id VARCHAR(64) NOT NULL, text TEXT NOT NULL, up BOOLEAN NOT NULL, created_at DATETIME NOT NULL,
  CONSTRAINT uq_vote_message UNIQUE (sender_id, message_id));
CREATE TABLE feedback_ratings (id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,
  rating INTEGER NOT NULL, comment TEXT, created_at DATETIME NOT NULL);
INSERT INTO tickets VALUES (1, 'GD20261101-000001', 'old-user', 'socketio', 'login_failure', 'OPEN',
  '{}', '[]', '2026-11-01 09:00:00.000000', '2026-11-01 09:00:00.000000');
"""


def test_a_new_database_is_at_the_newest_revision(tmp_path):
    sessions = make_app_session_factory(f"sqlite:///{tmp_path}/new.db")
    engine = sessions.kw["bind"]
    assert migrations.current(engine) == migrations.head()
    tables = set(inspect(engine).get_table_names())
    assert {"tickets", "ticket_events", "operators", "handovers", "knowledge_versions"} <= tables


def test_a_database_from_before_alembic_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(OLD_SCHEMA)
    sessions = make_app_session_factory(f"sqlite:///{path}")
    engine = sessions.kw["bind"]
    assert migrations.current(engine) == migrations.head()
    columns = {c["name"] for c in inspect(engine).get_columns("tickets")}
    assert {"assignee", "wait_notified_at"} <= columns
    assert {"comment", "step"} <= {c["name"] for c in inspect(engine).get_columns("feedback_votes")}
    ticket = asyncio.run(SqlTicketStore(sessions).by_number("GD20261101-000001"))
    assert ticket.sender_id == "old-user" and ticket.assignee is None
    # Opening it again is a no-op.
    make_app_session_factory(f"sqlite:///{path}")
    assert migrations.current(engine) == migrations.head()


def test_processes_starting_together_migrate_once(tmp_path):
    url = f"sqlite:///{tmp_path}/together.db"
    errors = []

    def open_database():
        try:
            make_app_session_factory(url)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=open_database) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert migrations.current(make_engine(url)) == migrations.head()
