"""Feedback on conversations: thumbs up/down on single answers and the closing 1–5 rating.

Stored in the application database next to the conversation's tickets, keyed by the Rasa
``sender_id``. A repeated vote on the same message replaces the earlier one (users change their
mind); every rating is kept, the newest counts.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)

from bot.app.database import Base, StoredService, from_row, one_row

MAX_SENDER_ID_LENGTH = 255
MAX_MESSAGE_ID_LENGTH = 64
MAX_TEXT_LENGTH = 4000
MAX_COMMENT_LENGTH = 1000
MIN_RATING, MAX_RATING = 1, 5


class InvalidFeedback(ValueError):
    """Feedback that cannot be stored as given (the message says which field is wrong)."""


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


@dataclass(frozen=True)
class Vote:
    """A stored vote."""

    sender_id: str
    message_id: str
    text: str
    up: bool
    created_at: datetime


@dataclass(frozen=True)
class Rating:
    """A stored rating."""

    sender_id: str
    rating: int
    comment: Optional[str]
    created_at: datetime


@dataclass(frozen=True)
class ConversationFeedback:
    """Everything users said about one conversation, oldest first."""

    sender_id: str
    votes: List[Vote]
    ratings: List[Rating]

    @property
    def latest_rating(self) -> Optional[Rating]:
        """The rating that counts (the newest), if any."""
        return self.ratings[-1] if self.ratings else None


def _clean(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _require_id(name: str, value: object, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidFeedback(f"{name} is required")
    value = value.strip()
    if len(value) > max_length:
        raise InvalidFeedback(f"{name} is longer than {max_length} characters")
    return value


def _to_vote(row: VoteRow) -> Vote:
    return from_row(Vote, row, up=bool(row.up))


class FeedbackService(StoredService):
    """Stores and reads feedback; one database session per call (`StoredService`)."""

    def record_vote(self, sender_id: str, message_id: str, text: str, up: bool) -> Vote:
        """Store a thumbs up (``up=True``) or down on one answer; a re-vote replaces the old one.

        Raises:
            InvalidFeedback: missing or over-long ids, or ``up`` not a bool.
        """
        sender_id = _require_id("sender_id", sender_id, MAX_SENDER_ID_LENGTH)
        message_id = _require_id("message_id", message_id, MAX_MESSAGE_ID_LENGTH)
        if not isinstance(up, bool):
            raise InvalidFeedback("up must be true or false")
        text = _clean(text if isinstance(text, str) else "")[:MAX_TEXT_LENGTH]
        with self._sessions() as session, session.begin():
            row = one_row(session, VoteRow, VoteRow.sender_id == sender_id, VoteRow.message_id == message_id)
            if row is None:
                row = VoteRow(sender_id=sender_id, message_id=message_id)
                session.add(row)
            row.text = text
            row.up = up
            row.created_at = self._clock()
            session.flush()
            return _to_vote(row)

    def record_rating(self, sender_id: str, rating: int, comment: Optional[str] = None) -> Rating:
        """Store a 1–5 rating of the whole conversation, with an optional comment.

        Raises:
            InvalidFeedback: a rating outside 1..5 (or not an integer), or a bad sender id.
        """
        sender_id = _require_id("sender_id", sender_id, MAX_SENDER_ID_LENGTH)
        if isinstance(rating, bool) or not isinstance(rating, int):
            raise InvalidFeedback("rating must be an integer from 1 to 5")
        if not MIN_RATING <= rating <= MAX_RATING:
            raise InvalidFeedback("rating must be an integer from 1 to 5")
        if comment is not None:
            if not isinstance(comment, str):
                raise InvalidFeedback("comment must be text")
            comment = _clean(comment)[:MAX_COMMENT_LENGTH] or None
        with self._sessions() as session, session.begin():
            row = RatingRow(
                sender_id=sender_id, rating=rating, comment=comment, created_at=self._clock()
            )
            session.add(row)
            session.flush()
            return from_row(Rating, row)

    def for_conversation(self, sender_id: str) -> ConversationFeedback:
        """Votes and ratings of one conversation, oldest first."""
        with self._sessions() as session:
            votes = session.execute(
                select(VoteRow).where(VoteRow.sender_id == sender_id).order_by(VoteRow.id)
            ).scalars()
            ratings = session.execute(
                select(RatingRow).where(RatingRow.sender_id == sender_id).order_by(RatingRow.id)
            ).scalars()
            return ConversationFeedback(
                sender_id=sender_id,
                votes=[_to_vote(row) for row in votes],
                ratings=[from_row(Rating, row) for row in ratings],
            )
