"""The operator console (issue 12): ticket assignment and history, operators, live hand-overs,
knowledge-base versions, vote comments and steps.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

from bot.app.migrations import has_column, has_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, column in (("assignee", sa.Column("assignee", sa.String(64), nullable=True)),
                         ("wait_notified_at", sa.Column("wait_notified_at", sa.DateTime(timezone=True),
                                                        nullable=True))):
        if not has_column("tickets", name):
            op.add_column("tickets", column)
    for name, column in (("comment", sa.Column("comment", sa.Text, nullable=True)),
                         ("step", sa.Column("step", sa.String(96), nullable=True))):
        if not has_column("feedback_votes", name):
            op.add_column("feedback_votes", column)
    if not has_table("ticket_events"):
        op.create_table(
            "ticket_events",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"),
                      nullable=False, index=True),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("actor", sa.String(64), nullable=False),
            sa.Column("text", sa.Text, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        )
    if not has_table("operators"):
        op.create_table(
            "operators",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("username", sa.String(64), nullable=False, unique=True),
            sa.Column("display_name", sa.String(64), nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("password_hash", sa.String(255), nullable=False),
            sa.Column("active", sa.Boolean, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        )
    if not has_table("handovers"):
        op.create_table(
            "handovers",
            sa.Column("sender_id", sa.String(255), primary_key=True),
            sa.Column("ticket_number", sa.String(24), nullable=False),
            sa.Column("channel", sa.String(32), nullable=False),
            sa.Column("agent", sa.String(64), nullable=False),
            sa.Column("agent_name", sa.String(64), nullable=False),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        )
    if not has_table("knowledge_versions"):
        op.create_table(
            "knowledge_versions",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("author", sa.String(64), nullable=False),
            sa.Column("note", sa.String(200), nullable=False),
            sa.Column("content_json", sa.Text, nullable=False),
            sa.Column("files_digest", sa.String(64), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        )
