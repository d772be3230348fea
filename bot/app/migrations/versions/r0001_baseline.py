"""The app database as it was before alembic: tickets, votes, ratings.

On a database that already has these tables (created by ``create_all`` before migrations
existed) nothing is done: the database joins the history here.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from bot.app.migrations import has_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not has_table("tickets"):
        op.create_table(
            "tickets",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("number", sa.String(24), unique=True, nullable=True),
            sa.Column("sender_id", sa.String(255), nullable=False, index=True),
            sa.Column("channel", sa.String(32), nullable=False),
            sa.Column("problem", sa.String(64), nullable=True),
            sa.Column("status", sa.Enum("OPEN", "IN_PROGRESS", "RESOLVED", name="ticketstatus",
                                        native_enum=False, length=16), nullable=False),
            sa.Column("details_json", sa.Text, nullable=False),
            sa.Column("steps_tried_json", sa.Text, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
    if not has_table("feedback_votes"):
        op.create_table(
            "feedback_votes",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("sender_id", sa.String(255), nullable=False, index=True),
            sa.Column("message_id", sa.String(64), nullable=False),
            sa.Column("text", sa.Text, nullable=False),
            sa.Column("up", sa.Boolean, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.UniqueConstraint("sender_id", "message_id", name="uq_vote_message"),
        )
    if not has_table("feedback_ratings"):
        op.create_table(
            "feedback_ratings",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("sender_id", sa.String(255), nullable=False, index=True),
            sa.Column("rating", sa.Integer, nullable=False),
            sa.Column("comment", sa.Text, nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_rating_range"),
        )
