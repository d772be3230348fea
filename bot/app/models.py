"""The tables of the application database that the runtime owns (tickets, feedback).

The knowledge base shares the database but keeps its own tables in `knowledge.models`;
`bot.app.database.create_app_schema` creates both.
"""
from __future__ import annotations

import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
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
