"""Conversation analytics: per-day aggregates in the application database, folded from Rasa's
events (docs/deployment.md "Analytics").

Rasa's events reach this module two ways, with the same content: from the RabbitMQ queue its
Pika event broker publishes to (``make cluster``: `bot.app.analytics_runner` ``consume``) and
from the tracker store's ``events`` table (``make run`` has no broker: ``follow``; the
consumer also reads it now and then to pick up what a replica killed between its commit and
its publish never sent). Each event's id is a hash of its content (the sender and the event as
Rasa serialises it), the same from both sources, and every event id is recorded in the same
transaction as the counts it adds: an event delivered twice (a redelivery after a RabbitMQ
restart, or once per source) is counted once.

Per day (China time) and channel, ``analytics_daily`` holds ``(metric, key) -> count``:

=============== ============================== =================================================
metric          key                            counted when
=============== ============================== =================================================
conversations   ""                             the first user message of a session
messages        ""                             every user message
problems        the problem key                the ``problem`` slot is set to a (new) problem
resolved        ``<problem>:<step>``           ``utter_problem_solved`` is said; step is the
                                               1-based number of the step on screen, ``fix``
                                               for a pasted error's specific fix, ``0`` for none
handed_over     the problem key (or ``none``)  the ``ticket_number`` slot is set
fallbacks       ""                             a user message NLU left at ``nlu_fallback``
ratings         the rating ``1``..``5``        the ``rating`` slot is set
=============== ============================== =================================================

The channel is the one the session's first user message came from. The state needed between
events (problem, step on screen, channel) is kept per conversation in
``analytics_conversations`` under a hash of the sender id, and forgotten two days after the
conversation's last event.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import Boolean, Column, Date, Float, Integer, String, delete, select
from sqlalchemy.orm import declarative_base, sessionmaker

from bot.app.blocking import off_loop

CHINA_TZ = timezone(timedelta(hours=8))
PROBLEMS = ("login_failure", "invoice_missing", "issuance_failure", "query_empty",
            "upload_failure", "system_outage")
METRICS = ("conversations", "messages", "problems", "resolved", "handed_over", "fallbacks", "ratings")
FALLBACK_INTENT = "nlu_fallback"
SOLVED_RESPONSE = "utter_problem_solved"
ERROR_FIX_INDEX = -1
STATE_RETENTION = timedelta(days=2)
EVENT_ID_RETENTION = timedelta(days=14)

AnalyticsBase = declarative_base()


class DailyCountRow(AnalyticsBase):
    """One aggregate: how often ``metric`` (with ``key``) happened on ``day`` on ``channel``."""

    __tablename__ = "analytics_daily"

    day = Column(Date, primary_key=True)
    channel = Column(String(32), primary_key=True)
    metric = Column(String(32), primary_key=True)
    key = Column(String(96), primary_key=True)
    count = Column(Integer, nullable=False, default=0)


class SeenEventRow(AnalyticsBase):
    """An event already counted (its content hash), and where it came from first."""

    __tablename__ = "analytics_events"

    event_id = Column(String(64), primary_key=True)
    source = Column(String(16), nullable=False)
    recorded_at = Column(Float, nullable=False, index=True)


class ConversationStateRow(AnalyticsBase):
    """What the fold remembers of one conversation between its events."""

    __tablename__ = "analytics_conversations"

    conversation = Column(String(64), primary_key=True)  # sha256 of the sender id
    channel = Column(String(32), nullable=False, default="")
    counted = Column(Boolean, nullable=False, default=False)
    problem = Column(String(64), nullable=True)
    last_problem = Column(String(64), nullable=True)
    step = Column(Integer, nullable=True)
    ticket = Column(String(32), nullable=True)
    updated_at = Column(Float, nullable=False, index=True)


class CursorRow(AnalyticsBase):
    """How far the tracker-store reader got (the last ``events.id`` it counted)."""

    __tablename__ = "analytics_cursor"

    name = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False, default=0)


@dataclass(frozen=True)
class DailyFigure:
    """One aggregate as the operator dashboard reads it."""

    day: date
    channel: str
    metric: str
    key: str
    count: int


# --- the fold (pure) ---------------------------------------------------------------------

@dataclass
class ConversationState:
    """What one conversation's next events are counted against."""

    channel: str = ""
    counted: bool = False
    problem: Optional[str] = None
    last_problem: Optional[str] = None
    step: Optional[int] = None
    ticket: Optional[str] = None
    updated_at: float = 0.0


Increment = Tuple[str, str]  # (metric, key)


def event_id(event: Mapping[str, Any]) -> str:
    """The content hash that identifies ``event`` (a Rasa event dict with its ``sender_id``)."""
    canonical = json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def conversation_key(sender_id: str) -> str:
    """How a conversation is named in the analytics tables (a hash, not the sender id)."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()


def event_day(event: Mapping[str, Any]) -> date:
    """The event's day in China time."""
    timestamp = event.get("timestamp")
    moment = float(timestamp) if isinstance(timestamp, (int, float)) else 0.0
    return datetime.fromtimestamp(moment, CHINA_TZ).date()


def _step_key(step: Optional[int]) -> str:
    if step is None:
        return "0"
    return "fix" if step == ERROR_FIX_INDEX else str(step + 1)


def _as_step(value: Any) -> Optional[int]:
    try:
        return None if value is None else int(float(value))
    except (TypeError, ValueError):
        return None


def fold(state: ConversationState, event: Mapping[str, Any]) -> List[Increment]:
    """Update ``state`` with one event and return what it adds to the aggregates."""
    kind = event.get("event")
    if isinstance(event.get("timestamp"), (int, float)):
        state.updated_at = float(event["timestamp"])
    if kind == "session_started":
        state.counted, state.problem, state.step, state.ticket = False, None, None, None
        return []
    if kind == "user":
        return _fold_user(state, event)
    if kind == "slot":
        return _fold_slot(state, str(event.get("name")), event.get("value"))
    if kind == "bot" and (event.get("metadata") or {}).get("utter_action") == SOLVED_RESPONSE:
        return [("resolved", f"{state.problem or state.last_problem or 'none'}:{_step_key(state.step)}")]
    return []


def _fold_user(state: ConversationState, event: Mapping[str, Any]) -> List[Increment]:
    increments: List[Increment] = []
    if not state.counted:
        state.counted = True
        state.channel = str(event.get("input_channel") or "")
        increments.append(("conversations", ""))
    increments.append(("messages", ""))
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    if intent == FALLBACK_INTENT:
        increments.append(("fallbacks", ""))
    return increments


def _fold_slot(state: ConversationState, name: str, value: Any) -> List[Increment]:
    if name == "problem":
        changed = value is not None and value != state.problem
        state.problem = value if isinstance(value, str) else None
        if state.problem:
            state.last_problem = state.problem
        return [("problems", str(value))] if changed else []
    if name == "step_index":
        state.step = _as_step(value)
        return []
    if name == "ticket_number":
        new = value is not None and value != state.ticket
        state.ticket = str(value) if value is not None else None
        return [("handed_over", state.problem or state.last_problem or "none")] if new else []
    if name == "rating" and value is not None:
        return [("ratings", str(value))]
    return []


@dataclass
class Tally:
    """Aggregates counted in memory: ``(day, channel, metric, key) -> count``."""

    counts: Dict[Tuple[date, str, str, str], int] = field(default_factory=dict)
    states: Dict[str, ConversationState] = field(default_factory=dict)

    def add(self, event: Mapping[str, Any]) -> None:
        sender = str(event.get("sender_id") or "")
        state = self.states.setdefault(sender, ConversationState())
        for metric, key in fold(state, event):
            slot = (event_day(event), state.channel, metric, key)
            self.counts[slot] = self.counts.get(slot, 0) + 1

    def totals(self) -> Dict[str, Dict[str, int]]:
        """metric → key → count over every day and channel."""
        return _totals((metric, key, count) for (_, _, metric, key), count in self.counts.items())


def tally(events: Iterable[Mapping[str, Any]]) -> Tally:
    """The aggregates of ``events`` (oldest first), counted in memory: what the tables should
    hold after recording them (tests compare both)."""
    result = Tally()
    for event in events:
        result.add(event)
    return result


def _totals(rows: Iterable[Tuple[str, str, int]]) -> Dict[str, Dict[str, int]]:
    totals: Dict[str, Dict[str, int]] = {}
    for metric, key, count in rows:
        per_key = totals.setdefault(metric, {})
        per_key[key] = per_key.get(key, 0) + count
    return totals


# --- the stored aggregates ---------------------------------------------------------------

class SqlAnalyticsStore:
    """The aggregates in the application database (`bot.app.protocols.AnalyticsStore`).

    Args:
        session_factory: sessions on the application database; the analytics tables are
            created on first use.
    """

    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory
        bind = session_factory.kw.get("bind")
        if bind is not None:
            AnalyticsBase.metadata.create_all(bind)

    @off_loop
    def record(self, events: Sequence[Mapping[str, Any]], source: str = "broker") -> int:
        """Count ``events`` (Rasa event dicts with ``sender_id``, oldest first) in one
        transaction, skipping those counted before; returns how many were new."""
        ids = [event_id(e) for e in events]
        with self._sessions() as session, session.begin():
            seen = set(session.execute(
                select(SeenEventRow.event_id).where(SeenEventRow.event_id.in_(set(ids)))).scalars())
            fresh = []
            for identifier, event in zip(ids, events):
                if identifier not in seen:
                    seen.add(identifier)
                    fresh.append((identifier, event))
            _count(session, fresh, source)
            return len(fresh)

    @off_loop
    def record_tracker_rows(self, cursor: str, rows: Sequence[Tuple[int, Mapping[str, Any]]]) -> int:
        """`record` for rows of the tracker store's ``events`` table (``(id, event)``), and move
        the cursor ``cursor`` to the last id, in the same transaction."""
        if not rows:
            return 0
        events = [event for _, event in rows]
        ids = [event_id(e) for e in events]
        with self._sessions() as session, session.begin():
            seen = set(session.execute(
                select(SeenEventRow.event_id).where(SeenEventRow.event_id.in_(set(ids)))).scalars())
            fresh = [(i, e) for i, e in zip(ids, events) if i not in seen]
            _count(session, fresh, "tracker")
            row = session.get(CursorRow, cursor) or CursorRow(name=cursor, position=0)
            row.position = max(row.position or 0, rows[-1][0])
            session.add(row)
            return len(fresh)

    @off_loop
    def cursor(self, name: str) -> int:
        """Where the tracker-store reader ``name`` stopped (0: at the start)."""
        with self._sessions() as session:
            row = session.get(CursorRow, name)
            return int(row.position) if row is not None else 0

    @off_loop
    def daily(self, first: date, last: date, channel: Optional[str] = None) -> List[DailyFigure]:
        """Every aggregate from ``first`` to ``last`` (inclusive), oldest first."""
        query = select(DailyCountRow).where(DailyCountRow.day >= first, DailyCountRow.day <= last)
        if channel is not None:
            query = query.where(DailyCountRow.channel == channel)
        query = query.order_by(DailyCountRow.day, DailyCountRow.channel, DailyCountRow.metric,
                               DailyCountRow.key)
        with self._sessions() as session:
            return [DailyFigure(r.day, r.channel, r.metric, r.key, r.count)
                    for r in session.execute(query).scalars()]

    @off_loop
    def totals(self, first: date, last: date) -> Dict[str, Dict[str, int]]:
        """metric → key → count from ``first`` to ``last`` over every channel."""
        query = select(DailyCountRow.metric, DailyCountRow.key, DailyCountRow.count).where(
            DailyCountRow.day >= first, DailyCountRow.day <= last)
        with self._sessions() as session:
            return _totals((m, k, c) for m, k, c in session.execute(query))

    @off_loop
    def forget_sender(self, sender_id: str) -> int:
        """Delete what is kept of one conversation (its fold state; the counts are anonymous)."""
        with self._sessions() as session, session.begin():
            result = session.execute(delete(ConversationStateRow).where(
                ConversationStateRow.conversation == conversation_key(sender_id)))
            return int(result.rowcount or 0)

    @off_loop
    def prune(self, now: float) -> int:
        """Forget fold states and event ids too old to matter; how many rows went."""
        with self._sessions() as session, session.begin():
            states = session.execute(delete(ConversationStateRow).where(
                ConversationStateRow.updated_at < now - STATE_RETENTION.total_seconds()))
            ids = session.execute(delete(SeenEventRow).where(
                SeenEventRow.recorded_at < now - EVENT_ID_RETENTION.total_seconds()))
            return int(states.rowcount or 0) + int(ids.rowcount or 0)


def _count(session: Any, fresh: Sequence[Tuple[str, Mapping[str, Any]]], source: str) -> None:
    """Fold ``fresh`` events into the stored states and aggregates (inside a transaction)."""
    states: Dict[str, Tuple[ConversationStateRow, ConversationState]] = {}
    increments: Dict[Tuple[date, str, str, str], int] = {}
    now = datetime.now(timezone.utc).timestamp()
    for identifier, event in fresh:
        session.add(SeenEventRow(event_id=identifier, source=source, recorded_at=now))
        key = conversation_key(str(event.get("sender_id") or ""))
        if key not in states:
            row = session.get(ConversationStateRow, key)
            if row is None:
                row = ConversationStateRow(conversation=key, updated_at=0.0)
                session.add(row)
            states[key] = (row, _state_of(row))
        state = states[key][1]
        for metric, item in fold(state, event):
            slot = (event_day(event), state.channel, metric, item)
            increments[slot] = increments.get(slot, 0) + 1
    for row, state in states.values():
        row.channel, row.counted, row.problem = state.channel, state.counted, state.problem
        row.last_problem, row.step, row.ticket = state.last_problem, state.step, state.ticket
        row.updated_at = state.updated_at or now
    for (day, channel, metric, item), count in increments.items():
        aggregate = session.get(DailyCountRow, (day, channel, metric, item))
        if aggregate is None:
            session.add(DailyCountRow(day=day, channel=channel, metric=metric, key=item, count=count))
        else:
            aggregate.count += count


def _state_of(row: ConversationStateRow) -> ConversationState:
    return ConversationState(channel=row.channel or "", counted=bool(row.counted), problem=row.problem,
                             last_problem=row.last_problem, step=row.step, ticket=row.ticket,
                             updated_at=row.updated_at or 0.0)


def main() -> int:
    """``python -m bot.app.analytics consume|follow|report`` (`bot.app.analytics_runner`)."""
    from bot.app.analytics_runner import main as run

    return run()


if __name__ == "__main__":
    raise SystemExit(main())
