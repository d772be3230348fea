"""Feedback on conversations: thumbs up/down on single answers and the closing 1–5 rating.

Stored in the application database next to the conversation's tickets, keyed by the Rasa
``sender_id``. A repeated vote on the same message replaces the earlier one (users change their
mind); every rating is kept, the newest counts.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Dict, List, Optional, Tuple

from sqlalchemy import select

from bot.app.blocking import off_loop
from bot.app.database import StoredService, from_row, one_row
from bot.app.models import (
    MAX_COMMENT_LENGTH,
    MAX_MESSAGE_ID_LENGTH,
    MAX_RATING,
    MAX_SENDER_ID_LENGTH,
    MAX_TEXT_LENGTH,
    MIN_RATING,
    RatingRow,
    VoteRow,
)


class InvalidFeedback(ValueError):
    """Feedback that cannot be stored as given (the message says which field is wrong)."""


@dataclass(frozen=True)
class Vote:
    """A stored vote."""

    sender_id: str
    message_id: str
    text: str
    up: bool
    created_at: datetime
    comment: Optional[str] = None
    #: ``<problem>:<step number>`` (or ``<problem>:fix``) of the answer voted on, when known.
    step: Optional[str] = None


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


def _day_bounds(first: date, last: date) -> Tuple[datetime, datetime]:
    """China-time bounds of the days ``first`` .. ``last``."""
    from bot.app.database import CHINA_TZ

    return (datetime.combine(first, time.min, CHINA_TZ),
            datetime.combine(last + timedelta(days=1), time.min, CHINA_TZ))


class SqlFeedbackStore(StoredService):
    """Votes and ratings in the application database (`bot.app.protocols.FeedbackStore`).

    One database session per call, run off the event loop (`bot.app.blocking.off_loop`).
    """

    @off_loop
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

    @off_loop
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

    @off_loop
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

    # --- the operator console's side (`bot.app.protocols.FeedbackReview`) ----------------------

    @off_loop
    def annotate_vote(self, sender_id: str, message_id: str, comment: Optional[str],
                      step: Optional[str]) -> Optional[Vote]:
        """Add the user's comment and the step the answer belonged to (None: no such vote)."""
        with self._sessions() as session, session.begin():
            row = one_row(session, VoteRow, VoteRow.sender_id == sender_id, VoteRow.message_id == message_id)
            if row is None:
                return None
            if comment is not None:  # as typed (full-width punctuation kept), only trimmed
                row.comment = comment.strip()[:MAX_COMMENT_LENGTH] or None
            if step is not None:
                row.step = step[:96]
            return _to_vote(row)

    @off_loop
    def recent_votes(self, first: date, last: date, only_down: bool = False, limit: int = 200) -> List[Vote]:
        """Votes from ``first`` to ``last`` (China dates), newest first."""
        start, end = _day_bounds(first, last)
        query = select(VoteRow).where(VoteRow.created_at >= start, VoteRow.created_at < end)
        if only_down:
            query = query.where(VoteRow.up.is_(False))
        with self._sessions() as session:
            return [_to_vote(r) for r in session.execute(query.order_by(VoteRow.id.desc()).limit(limit)).scalars()]

    @off_loop
    def recent_ratings(self, first: date, last: date, limit: int = 200) -> List[Rating]:
        """Ratings from ``first`` to ``last``, newest first."""
        start, end = _day_bounds(first, last)
        with self._sessions() as session:
            rows = session.execute(select(RatingRow).where(RatingRow.created_at >= start, RatingRow.created_at < end)
                                   .order_by(RatingRow.id.desc()).limit(limit)).scalars()
            return [from_row(Rating, r) for r in rows]

    @off_loop
    def step_summary(self, first: date, last: date) -> Dict[str, Tuple[int, int]]:
        """step → (up votes, down votes) from ``first`` to ``last``; ``""``: answers outside a step."""
        start, end = _day_bounds(first, last)
        summary: Dict[str, Tuple[int, int]] = {}
        with self._sessions() as session:
            for step, up in session.execute(select(VoteRow.step, VoteRow.up).where(
                    VoteRow.created_at >= start, VoteRow.created_at < end)):
                ups, downs = summary.get(step or "", (0, 0))
                summary[step or ""] = (ups + 1, downs) if up else (ups, downs + 1)
        return summary

    @off_loop
    def forget_sender(self, sender_id: str) -> int:
        """Delete every vote and rating of one user (unsubscribe, privacy request); returns how many."""
        with self._sessions() as session, session.begin():
            deleted = 0
            for model in (VoteRow, RatingRow):
                rows = session.execute(select(model).where(model.sender_id == sender_id)).scalars().all()
                for row in rows:
                    session.delete(row)
                deleted += len(rows)
            return deleted
