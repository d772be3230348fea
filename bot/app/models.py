"""The tables of the application database that the runtime owns (tickets, feedback, operators,
live hand-overs, knowledge-base versions).

The knowledge base shares the database but keeps its own tables in `knowledge.models`;
`bot.app.database.create_app_schema` creates those, and the migrations of `bot.app.migrations`
(alembic) create and upgrade these: a change here needs a new migration (docs/operator.md).
"""
from __future__ import annotations

import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

Base = declarative_base()

MAX_SENDER_ID_LENGTH = 255
MAX_MESSAGE_ID_LENGTH = 64
MAX_TEXT_LENGTH = 4000
MAX_COMMENT_LENGTH = 1000
MIN_RATING, MAX_RATING = 1, 5


class TicketStatus(str, enum.Enum):
    """Life cycle of a ticket (values are stable strings used by responses and the console)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class TicketRow(Base):
    """A stored ticket."""

    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True, autoincrement=True)
    number = Column(String(24), unique=True, nullable=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False, default="")
    problem = Column(String(64), nullable=True)
    status = Column(Enum(TicketStatus, native_enum=False, length=16), nullable=False)
    details_json = Column(Text, nullable=False, default="{}")
    steps_tried_json = Column(Text, nullable=False, default="[]")
    created_at = Column(DateTime(timezone=True), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)
    #: The operator the ticket is assigned to (user name), if any.
    assignee = Column(String(64), nullable=True)
    #: When the user was told that no person was free yet (live hand-over wait), if ever.
    wait_notified_at = Column(DateTime(timezone=True), nullable=True)


class TicketEventRow(Base):
    """One entry of a ticket's history: an operator's note, a status change, an assignment, a
    hand-over step. Written by the console; the user's own additions stay in ``details``."""

    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(16), nullable=False)  # note | status | assign | handover
    actor = Column(String(64), nullable=False, default="")
    text = Column(Text, nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False)


class OperatorRow(Base):
    """A member of the support team who signs in to the console."""

    __tablename__ = "operators"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(64), nullable=False, default="")
    role = Column(String(16), nullable=False)  # agent | editor | admin
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    last_login_at = Column(DateTime(timezone=True), nullable=True)


class HandoverRow(Base):
    """A conversation a person has taken over: while the row exists the assistant stays silent
    in it (`bot.rasa_plugins.handover`)."""

    __tablename__ = "handovers"

    sender_id = Column(String(MAX_SENDER_ID_LENGTH), primary_key=True)
    ticket_number = Column(String(24), nullable=False)
    channel = Column(String(32), nullable=False, default="")
    agent = Column(String(64), nullable=False)
    agent_name = Column(String(64), nullable=False, default="")
    started_at = Column(DateTime(timezone=True), nullable=False)


class KnowledgeVersionRow(Base):
    """A published (or draft) version of the whole knowledge content, kept for rollback."""

    __tablename__ = "knowledge_versions"

    id = Column(Integer, primary_key=True, autoincrement=True)
    state = Column(String(16), nullable=False)  # draft | published | superseded
    author = Column(String(64), nullable=False, default="")
    note = Column(String(200), nullable=False, default="")
    content_json = Column(Text, nullable=False)
    files_digest = Column(String(64), nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False)
    published_at = Column(DateTime(timezone=True), nullable=True)


class VoteRow(Base):
    """A thumbs up/down on one bot message of a conversation."""

    __tablename__ = "feedback_votes"
    __table_args__ = (UniqueConstraint("sender_id", "message_id", name="uq_vote_message"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_id = Column(String(MAX_SENDER_ID_LENGTH), nullable=False, index=True)
    message_id = Column(String(MAX_MESSAGE_ID_LENGTH), nullable=False)
    text = Column(Text, nullable=False, default="")
    up = Column(Boolean, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    comment = Column(Text, nullable=True)
    #: The problem and step (``<problem>:<n>``, ``<problem>:fix``) the answer belonged to.
    step = Column(String(96), nullable=True)


class RatingRow(Base):
    """An end-of-conversation rating."""

    __tablename__ = "feedback_ratings"
    __table_args__ = (
        CheckConstraint(f"rating BETWEEN {MIN_RATING} AND {MAX_RATING}", name="ck_rating_range"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_id = Column(String(MAX_SENDER_ID_LENGTH), nullable=False, index=True)
    rating = Column(Integer, nullable=False)
    comment = Column(Text, nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
