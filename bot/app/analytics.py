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

The channel is the one the session's first user message came from.

Events arrive out of order: two replicas publish the turns of one conversation, and after a
RabbitMQ restart each replica sends what it buffered when it reconnects. So a conversation's
counts are not added event by event: the events the fold reads (sessions, user messages, four
slots, the solved response) are kept per conversation (``analytics_conversation_events``,
under a hash of the sender id), and each time some arrive the conversation's contribution is
folded again from all of them in timestamp order; the difference from its previous
contribution (``analytics_contributions``) goes into ``analytics_daily``. The result is what
one fold of the conversation's events in timestamp order gives (`tally`), whatever order and
however often they arrived. A conversation's events and contribution are forgotten two days
after its last event (sessions expire after two hours); the daily counts stay.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import Column, Date, Float, Integer, String, Text, delete, select
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


class ConversationRow(AnalyticsBase):
    """A conversation the fold keeps events of (locked while its contribution is recomputed)."""

    __tablename__ = "analytics_conversations"

    conversation = Column(String(64), primary_key=True)  # sha256 of the sender id
    last_event_at = Column(Float, nullable=False, index=True)


class ConversationEventRow(AnalyticsBase):
    """One event the fold reads, kept until the conversation is two days quiet."""

    __tablename__ = "analytics_conversation_events"

    event_id = Column(String(64), primary_key=True)
    conversation = Column(String(64), nullable=False, index=True)
    timestamp = Column(Float, nullable=False)
    body = Column(Text, nullable=False)  # the event's fields the fold reads, as JSON


class ContributionRow(AnalyticsBase):
    """What one conversation adds to one aggregate (so a re-fold can replace it)."""

    __tablename__ = "analytics_contributions"

    conversation = Column(String(64), primary_key=True)
    day = Column(Date, primary_key=True)
    channel = Column(String(32), primary_key=True)
    metric = Column(String(32), primary_key=True)
    key = Column(String(96), primary_key=True)
    count = Column(Integer, nullable=False)


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


Slot = Tuple[date, str, str, str]  # (day, channel, metric, key)

#: The slots the fold reads; other slot events are not kept.
FOLDED_SLOTS = ("problem", "step_index", "ticket_number", "rating")


def folded_part(event: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The part of ``event`` the fold reads (None: the fold ignores the event)."""
    kind = event.get("event")
    timestamp = event.get("timestamp")
    moment = float(timestamp) if isinstance(timestamp, (int, float)) else 0.0
    base: Dict[str, Any] = {"event": kind, "timestamp": moment}
    if kind == "session_started":
        return base
    if kind == "user":
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        return {**base, "input_channel": event.get("input_channel"), "parse_data": {"intent": {"name": intent}}}
    if kind == "slot" and event.get("name") in FOLDED_SLOTS:
        return {**base, "name": event.get("name"), "value": event.get("value")}
    if kind == "bot" and (event.get("metadata") or {}).get("utter_action") == SOLVED_RESPONSE:
        return {**base, "metadata": {"utter_action": SOLVED_RESPONSE}}
    return None


def contribution(events: Iterable[Tuple[str, Mapping[str, Any]]]) -> Dict[Slot, int]:
    """What one conversation's events (``(event id, event)``) add to the aggregates, folded in
    timestamp order (ties by event id)."""
    ordered = sorted(events, key=lambda item: (float(item[1].get("timestamp") or 0.0), item[0]))
    state = ConversationState()
    counts: Dict[Slot, int] = {}
    for _, event in ordered:
        for metric, key in fold(state, event):
            slot = (event_day(event), state.channel, metric, key)
            counts[slot] = counts.get(slot, 0) + 1
    return counts


@dataclass
class Tally:
    """Aggregates counted in memory, as the store counts them: each conversation's events
    folded in timestamp order, each event once."""

    events: Dict[str, Dict[str, Mapping[str, Any]]] = field(default_factory=dict)

    def add(self, event: Mapping[str, Any]) -> bool:
        """Add one event (with ``sender_id``); False if it was added before."""
        part = folded_part(event)
        identifier = event_id(event)
        conversation = self.events.setdefault(str(event.get("sender_id") or ""), {})
        if identifier in conversation or part is None:
            return False
        conversation[identifier] = part
        return True

    @property
    def counts(self) -> Dict[Slot, int]:
        """``(day, channel, metric, key) -> count``."""
        counts: Dict[Slot, int] = {}
        for events in self.events.values():
            for slot, count in contribution(events.items()).items():
                counts[slot] = counts.get(slot, 0) + count
        return counts

    def totals(self) -> Dict[str, Dict[str, int]]:
        """metric → key → count over every day and channel."""
        return _totals((metric, key, count) for (_, _, metric, key), count in self.counts.items())


def tally(events: Iterable[Mapping[str, Any]]) -> Tally:
    """The aggregates of ``events``, counted in memory: what the tables hold after recording
    the same events in any order (tests compare both)."""
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
        """Delete what is kept of one conversation (its events; the counts are anonymous)."""
        with self._sessions() as session, session.begin():
            return _forget(session, [conversation_key(sender_id)])

    @off_loop
    def prune(self, now: float) -> int:
        """Forget conversations quiet for `STATE_RETENTION` and event ids older than
        `EVENT_ID_RETENTION`; how many rows went."""
        with self._sessions() as session, session.begin():
            quiet = list(session.execute(select(ConversationRow.conversation).where(
                ConversationRow.last_event_at < now - STATE_RETENTION.total_seconds())).scalars())
            removed = _forget(session, quiet) if quiet else 0
            ids = session.execute(delete(SeenEventRow).where(
                SeenEventRow.recorded_at < now - EVENT_ID_RETENTION.total_seconds()))
            return removed + int(ids.rowcount or 0)


def _forget(session: Any, keys: List[str]) -> int:
    removed = 0
    for table, column in ((ConversationEventRow, ConversationEventRow.conversation),
                          (ContributionRow, ContributionRow.conversation),
                          (ConversationRow, ConversationRow.conversation)):
        removed += int(session.execute(delete(table).where(column.in_(keys))).rowcount or 0)
    return removed


def _count(session: Any, fresh: Sequence[Tuple[str, Mapping[str, Any]]], source: str) -> None:
    """Record ``fresh`` events and re-fold the conversations they belong to (in a transaction)."""
    now = datetime.now(timezone.utc).timestamp()
    by_conversation: Dict[str, List[Tuple[str, Dict[str, Any]]]] = {}
    for identifier, event in fresh:
        session.add(SeenEventRow(event_id=identifier, source=source, recorded_at=now))
        part = folded_part(event)
        if part is not None:
            key = conversation_key(str(event.get("sender_id") or ""))
            by_conversation.setdefault(key, []).append((identifier, part))
    for key in sorted(by_conversation):  # a fixed order: concurrent writers lock alike
        _refold(session, key, by_conversation[key])


def _refold(session: Any, key: str, new_events: List[Tuple[str, Dict[str, Any]]]) -> None:
    row = session.get(ConversationRow, key, with_for_update=True)
    if row is None:
        row = ConversationRow(conversation=key, last_event_at=0.0)
        session.add(row)
    for identifier, part in new_events:
        session.add(ConversationEventRow(event_id=identifier, conversation=key, timestamp=part["timestamp"],
                                         body=json.dumps(part, ensure_ascii=False)))
        row.last_event_at = max(row.last_event_at or 0.0, part["timestamp"])
    session.flush()
    stored = session.execute(select(ConversationEventRow.event_id, ConversationEventRow.body)
                             .where(ConversationEventRow.conversation == key)).all()
    new = contribution((identifier, json.loads(body)) for identifier, body in stored)
    old_rows = session.execute(select(ContributionRow).where(ContributionRow.conversation == key)).scalars().all()
    delta = dict(new)
    for old in old_rows:
        slot = (old.day, old.channel, old.metric, old.key)
        delta[slot] = delta.get(slot, 0) - old.count
        session.delete(old)
    session.flush()
    for (day, channel, metric, item), count in new.items():
        session.add(ContributionRow(conversation=key, day=day, channel=channel, metric=metric, key=item, count=count))
    for (day, channel, metric, item), change in sorted(delta.items()):
        if change:
            _add_to_daily(session, day, channel, metric, item, change)


def _add_to_daily(session: Any, day: date, channel: str, metric: str, key: str, change: int) -> None:
    aggregate = session.get(DailyCountRow, (day, channel, metric, key), with_for_update=True)
    if aggregate is None:
        session.add(DailyCountRow(day=day, channel=channel, metric=metric, key=key, count=change))
    else:
        aggregate.count += change
        if aggregate.count == 0:  # a re-fold moved the count elsewhere
            session.delete(aggregate)


def main() -> int:
    """``python -m bot.app.analytics consume|follow|report`` (`bot.app.analytics_runner`)."""
    from bot.app.analytics_runner import main as run

    return run()


if __name__ == "__main__":
    raise SystemExit(main())
