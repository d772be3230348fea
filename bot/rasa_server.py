"""The Rasa server as this project runs it: ``python -m bot.rasa_server run ...``.

Same as ``python -m rasa`` (same arguments), with two changes that keep Rasa 3.6's behaviour
and remove most of a turn's avoidable CPU and I/O time (measured with py-spy, see
docs/benchmarks.md):

1. ``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result, schema)`` for
every custom action it runs, and ``jsonschema.validate`` first checks the *schema* against
its metaschema, every time: 40–60 ms of CPU per action on two cores, 60 % of the Rasa
server's CPU under load (py-spy, docs/benchmarks.md). Here the validator is built once and
reused. A response that fails validation still goes through Rasa's own method, so the error
and its message are exactly Rasa's.

2. The embedded SQLite tracker store commits every turn with a full ``fsync`` in SQLite's
default rollback-journal mode. Its connections use the write-ahead log with
``synchronous=NORMAL`` instead: a commit survives a crash of the server process; only an
operating-system crash or power cut can lose the last turns (production deployments use
PostgreSQL through ``TRACKER_STORE_URL``, which this does not touch).
"""
from __future__ import annotations

import sqlite3
from typing import Any, Dict, Set

# SQLAlchemy 1.4 opens a new connection per session for an SQLite file (NullPool): the
# journal mode is stored in the database file, so it is switched once per file; synchronous
# is a setting of each connection.
_databases_in_wal_mode: Set[str] = set()


def install_cached_action_validation() -> None:
    """Replace ``RemoteAction._validate_action_result`` by the cached-validator version."""
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    rasa_validate = RemoteAction._validate_action_result
    if getattr(rasa_validate, "cached_validator", False):
        return
    validators: Dict[str, Any] = {}

    def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        validator = validators.get("response")
        if validator is None:
            schema = self.action_response_format_spec()  # a constant in Rasa 3.6
            validator = validators["response"] = jsonschema.validators.validator_for(schema)(schema)
        if validator.is_valid(result):
            return True
        return rasa_validate(self, result)  # raises Rasa's own ValidationError

    validate_action_result.cached_validator = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate_action_result


def use_write_ahead_log_for_sqlite() -> None:
    """WAL journal and ``synchronous=NORMAL`` for every SQLite connection of this process."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if event.contains(Engine, "connect", _set_sqlite_pragmas):
        return
    event.listen(Engine, "connect", _set_sqlite_pragmas)


def _set_sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:  # noqa: ARG001
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        database = cursor.execute("PRAGMA database_list").fetchone()[2]  # "" for :memory:
        if database and database not in _databases_in_wal_mode:
            cursor.execute("PRAGMA journal_mode=WAL")
            _databases_in_wal_mode.add(database)
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def main() -> None:
    install_cached_action_validation()
    use_write_ahead_log_for_sqlite()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
