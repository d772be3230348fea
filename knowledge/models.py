"""SQLAlchemy models of the knowledge base (own declarative base, tables prefixed ``kb_``).

The application database is shared with the runtime (tickets, feedback), hence the prefix.
Every content row carries ``content_hash`` (SHA-256 of its validated spec) so that the loader
can tell unchanged, changed, added and removed content apart.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

# Typed Any: SQLAlchemy 1.4 ships no type information, and a base made by a call is not a
# class to mypy (Rasa pins SQLAlchemy <1.5, whose typed declarative base came with 2.0).
Base: Any = declarative_base()

_HASH = String(64)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes stored as naive UTC (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; pass a timezone-aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class FollowUpLevelRow(Base):
    """A ticket priority and its working hours until contact
    (``support.yml:service_level.respond_within_working_hours``); ``text`` is the rendered
    ``service_level.texts.summary``."""

    __tablename__ = "kb_follow_up_levels"
    id = Column(Integer, primary_key=True)
    priority = Column(String(32), nullable=False, unique=True)
    position = Column(Integer, nullable=False)
    hours = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)
    content_hash = Column(_HASH, nullable=False)


class ServiceLevelRow(Base):
    """The service level (``support.yml:service_level``): working hours and the texts of the
    promise; the hours per priority are `FollowUpLevelRow` rows. One row, key ``default``."""

    __tablename__ = "kb_service_levels"
    id = Column(Integer, primary_key=True)
    key = Column(String(32), nullable=False, unique=True)
    opens = Column(String(5), nullable=False)
    closes = Column(String(5), nullable=False)
    texts = Column(JSON, nullable=False)
    content_hash = Column(_HASH, nullable=False)


class ProblemRow(Base):
    """A problem (``<key>.yml``); checks, steps and tips are child rows."""

    __tablename__ = "kb_problems"
    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    title = Column(Text, nullable=False)
    acknowledgement = Column(Text, nullable=False)
    symptoms = Column(JSON, nullable=False)
    causes = Column(JSON, nullable=False)
    escalation_when = Column(JSON, nullable=False)
    escalation_needs = Column(JSON, nullable=False)
    escalation_priority = Column(
        String(32), ForeignKey("kb_follow_up_levels.priority"), nullable=False
    )
    content_hash = Column(_HASH, nullable=False)

    follow_up = relationship(FollowUpLevelRow, lazy="joined")
    checks = relationship("CheckRow", order_by="CheckRow.position", cascade="all, delete-orphan",
                          passive_deletes=True)
    steps = relationship("StepRow", order_by="StepRow.position", cascade="all, delete-orphan",
                         passive_deletes=True)
    tips = relationship("ProblemTipRow", order_by="ProblemTipRow.position",
                        cascade="all, delete-orphan", passive_deletes=True)
    general_questions = relationship("ProblemQuestionRow", order_by="ProblemQuestionRow.position",
                                     cascade="all, delete-orphan", passive_deletes=True)


class CheckRow(Base):
    """A diagnostic check of a problem."""

    __tablename__ = "kb_checks"
    __table_args__ = (
        UniqueConstraint("problem_id", "check_key"),
        UniqueConstraint("problem_id", "position"),
        CheckConstraint("performed_by IN ('assistant', 'user')", name="kb_checks_performer"),
    )
    id = Column(Integer, primary_key=True)
    problem_id = Column(Integer, ForeignKey("kb_problems.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    check_key = Column(String(64), nullable=False)
    performed_by = Column(String(16), nullable=False)
    check_name = Column(String(64))
    description = Column(Text, nullable=False)


class StepRow(Base):
    """A resolution step of a problem, ordered by ``position``."""

    __tablename__ = "kb_steps"
    __table_args__ = (
        UniqueConstraint("problem_id", "step_key"),
        UniqueConstraint("problem_id", "position"),
    )
    id = Column(Integer, primary_key=True)
    problem_id = Column(Integer, ForeignKey("kb_problems.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    step_key = Column(String(64), nullable=False)
    title = Column(Text, nullable=False)
    instructions = Column(Text, nullable=False)
    if_not_helped = Column(Text, nullable=False)

    context = relationship("StepContextRow", order_by="StepContextRow.position",
                           cascade="all, delete-orphan", passive_deletes=True)
    skips = relationship("StepSkipRow", order_by="StepSkipRow.condition",
                         cascade="all, delete-orphan", passive_deletes=True)


_CONTEXT_KIND = "kind IN ('question', 'not_applicable')"


class StepContextRow(Base):
    """A question or remark users have about a step, with its answer (``steps[i].context``)."""

    __tablename__ = "kb_step_context"
    __table_args__ = (
        UniqueConstraint("step_id", "position"),
        CheckConstraint(_CONTEXT_KIND, name="kb_step_context_kind"),
    )
    id = Column(Integer, primary_key=True)
    step_id = Column(Integer, ForeignKey("kb_steps.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    kind = Column(String(16), nullable=False)
    asks = Column(JSON, nullable=False)
    answer = Column(Text, nullable=False)
    implies = Column(JSON, nullable=False, default=list)


class StepSkipRow(Base):
    """A condition under which a step is skipped (``steps[i].skip_when``)."""

    __tablename__ = "kb_step_skips"
    step_id = Column(Integer, ForeignKey("kb_steps.id", ondelete="CASCADE"), primary_key=True)
    condition = Column(String(32), primary_key=True)


class ProblemQuestionRow(Base):
    """A question about a problem as a whole, with its answer (``general_questions``)."""

    __tablename__ = "kb_problem_questions"
    __table_args__ = (
        UniqueConstraint("problem_id", "position"),
        CheckConstraint(_CONTEXT_KIND, name="kb_problem_questions_kind"),
    )
    id = Column(Integer, primary_key=True)
    problem_id = Column(Integer, ForeignKey("kb_problems.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    kind = Column(String(16), nullable=False)
    asks = Column(JSON, nullable=False)
    answer = Column(Text, nullable=False)
    implies = Column(JSON, nullable=False, default=list)


class ProblemTipRow(Base):
    """A prevention tip specific to a problem."""

    __tablename__ = "kb_problem_tips"
    __table_args__ = (
        UniqueConstraint("problem_id", "tip_key"),
        UniqueConstraint("problem_id", "position"),
    )
    id = Column(Integer, primary_key=True)
    problem_id = Column(Integer, ForeignKey("kb_problems.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    tip_key = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)


class KnownErrorRow(Base):
    """An entry of the error catalogue (``errors.yml``); codes, texts and patterns as JSON lists."""

    __tablename__ = "kb_known_errors"
    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    position = Column(Integer, nullable=False)
    problem_key = Column(String(64), ForeignKey("kb_problems.key"), nullable=False)
    platform = Column(Text, nullable=False)
    title = Column(Text, nullable=False)
    codes = Column(JSON, nullable=False)
    texts = Column(JSON, nullable=False)
    patterns = Column(JSON, nullable=False)
    cause = Column(Text, nullable=False)
    fix = Column(Text, nullable=False)
    escalate = Column(Boolean, nullable=False)
    source = Column(Text, nullable=False)
    content_hash = Column(_HASH, nullable=False)


class GeneralTipRow(Base):
    """A general prevention tip (``prevention.yml``)."""

    __tablename__ = "kb_general_tips"
    id = Column(Integer, primary_key=True)
    tip_key = Column(String(64), nullable=False, unique=True)
    position = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)
    content_hash = Column(_HASH, nullable=False)


class FaqRow(Base):
    """A general question with its variants and answer (``faq.yml``)."""

    __tablename__ = "kb_faq_entries"
    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    position = Column(Integer, nullable=False)
    question = Column(Text, nullable=False)
    variants = Column(JSON, nullable=False)
    answer = Column(Text, nullable=False)
    content_hash = Column(_HASH, nullable=False)


class SupportChannelRow(Base):
    """A support channel (``support.yml:channels``)."""

    __tablename__ = "kb_support_channels"
    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    position = Column(Integer, nullable=False)
    name = Column(Text, nullable=False)
    contact = Column(Text, nullable=False)
    hours = Column(Text, nullable=False)
    description = Column(Text, nullable=False)
    content_hash = Column(_HASH, nullable=False)


announcement_problems = Table(
    "kb_announcement_problems",
    Base.metadata,
    Column("announcement_id", Integer, ForeignKey("kb_announcements.id", ondelete="CASCADE"),
           primary_key=True),
    Column("problem_id", Integer, ForeignKey("kb_problems.id", ondelete="CASCADE"),
           primary_key=True),
)


class AnnouncementRow(Base):
    """A maintenance notice or incident, from the content or from the operator console.

    The loader only ever touches rows whose ``source`` is ``'content'``.
    """

    __tablename__ = "kb_announcements"
    __table_args__ = (
        CheckConstraint("source IN ('content', 'console')", name="kb_announcements_source"),
        CheckConstraint("kind IN ('maintenance', 'incident')", name="kb_announcements_kind"),
    )
    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    source = Column(String(16), nullable=False)
    kind = Column(String(16), nullable=False)
    title = Column(Text, nullable=False)
    message = Column(Text, nullable=False)
    starts_at = Column(UTCDateTime, nullable=False)
    ends_at = Column(UTCDateTime)
    expected_recovery = Column(UTCDateTime)
    content_hash = Column(_HASH)
    created_at = Column(UTCDateTime, nullable=False, default=lambda: datetime.now(timezone.utc))

    problems = relationship(ProblemRow, secondary=announcement_problems, lazy="selectin",
                            passive_deletes=True)
