"""alembic's environment for the app database: runs on the connection `upgrade` passes in."""
from __future__ import annotations

from alembic import context

from bot.app.migrations import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table=VERSION_TABLE,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
