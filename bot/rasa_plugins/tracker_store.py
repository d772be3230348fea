"""Rasa's SQL tracker store with less work per turn (issue 11, docs/scaling.md,
docs/benchmarks.md).

Three changes, each keeping the rows Rasa writes and the trackers Rasa builds:

* **One read per save with an event broker** (``make cluster``: RabbitMQ). Rasa 3.6's
  ``SQLTrackerStore.save`` first calls ``stream_events``, which loads the conversation's tracker
  from the database once more (every event of the session, JSON-decoded and replayed) only to
  learn how many events are already stored, publishes the rest, and then counts the stored
  events again (``_additional_events``) to write them. Here the new events are written and
  committed, then the same events are published, as Rasa would (the body is the sender id plus
  the event's ``as_dict()``, so the analytics event ids are the same from the queue and from the
  table). Publishing after the commit also means the broker never carries an event the tracker
  store does not hold.
* **No count query when the tracker came from this store.** A turn reads the tracker
  (``retrieve``: the events since the latest session start) and saves it under the
  conversation's lock; the events it read are the first events of the tracker it saves, so the
  number read is the number stored. ``retrieve`` notes that number on the tracker, and ``save``
  writes the events after it instead of counting the stored rows again (Rasa's
  ``_additional_events``: a ``COUNT`` with a sub-query per save). A tracker built anywhere else
  (the HTTP API's ``PUT …/tracker/events``, a full-history tracker, a tracker whose noted number
  is larger than its events) is counted as Rasa does. After a save every event of the tracker is
  stored, so a second save of the same tracker writes only what was added since (Rasa's count,
  by timestamp since the latest session start, would write a new session's events twice).
* **Only the ``data`` column is read.** Rasa's ``_retrieve`` loads whole ORM rows (six columns,
  an identity-map entry per event) to use one column; here the same query (same filters, same
  order) selects ``data`` alone.
* **The trackers of recent conversations stay in memory, checked before use**
  (:class:`RecentTrackers`). A turn used to rebuild its tracker from the rows (JSON-decode every
  event of the session and replay it) twice: once for the REST guard's channel check and once for
  the turn (py-spy: 18 % of the Rasa server's CPU). Now a tracker this store saved or read is
  kept (at most :data:`RECENT_TRACKERS` conversations) with a *marker* of the conversation's rows,
  ``max(id)`` and ``count(id)``, read in the transaction that wrote or read them. ``retrieve``
  reads the marker (one indexed query) and returns the kept tracker only if the rows are exactly
  those it was built from and the tracker has exactly the events that were stored — so a write by
  another replica, a deleted conversation (unsubscribe, ``privacy forget``), or a turn that
  failed after changing the tracker and before saving it all fall back to reading the rows. A
  tracker is kept only when it mirrors what a read would build: one read or saved by this store;
  when a save started a new session, the tracker of that session's events (a read returns the
  latest session only). A conversation without rows is answered without reading any.
* **Inserts without the ORM's unit of work.** The new events are inserted with one
  ``executemany`` instead of an ORM object and an ``INSERT`` each.

For an SQLite file, the engine keeps its connections (SQLAlchemy 1.4 opens a new one per session
for a file database) and, when the file is in WAL mode (the launcher sets it before any process
opens the file: ``bot.launcher.commands.use_write_ahead_log``), commits with
``synchronous=NORMAL``: no ``fsync`` per turn (py-spy: 10 % of the server's time), a commit
survives a crash of the process, and only an operating-system crash or power cut can lose the
last turns. PostgreSQL (``make cluster``) is not touched.
"""
from __future__ import annotations

import itertools
import json
import sqlite3
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

#: Attribute of a tracker read by ``retrieve``: how many of its events are stored in its session.
STORED_IN_SESSION = "_fapiao_stored_in_session"
#: How many conversations' trackers one Rasa server keeps in memory (a tracker of a whole
#: troubleshooting conversation is a few hundred kB at most).
RECENT_TRACKERS = 256

Marker = Tuple[Optional[int], int]


class RecentTrackers:
    """The trackers of the conversations this process served last, each with the marker of the
    rows it mirrors and its number of events; least recently used first out."""

    def __init__(self, capacity: int = RECENT_TRACKERS) -> None:
        self.capacity = capacity
        self._kept: "OrderedDict[str, Tuple[Any, Marker, int]]" = OrderedDict()

    def get(self, sender_id: str, marker: Marker) -> Optional[Any]:
        """The kept tracker if the stored rows and its events are still the ones it was kept with."""
        kept = self._kept.get(sender_id)
        if kept is None:
            return None
        tracker, kept_marker, events = kept
        if kept_marker != marker or len(tracker.events) != events:
            del self._kept[sender_id]
            return None
        self._kept.move_to_end(sender_id)
        return tracker

    def put(self, sender_id: str, tracker: Any, marker: Marker) -> None:
        self._kept[sender_id] = (tracker, marker, len(tracker.events))
        self._kept.move_to_end(sender_id)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)

    def drop(self, sender_id: str) -> None:
        self._kept.pop(sender_id, None)

    def __len__(self) -> int:
        return len(self._kept)


def recent_trackers(store: Any) -> RecentTrackers:
    """The store's :class:`RecentTrackers` (made on first use)."""
    recent = store.__dict__.get("_fapiao_recent")
    if recent is None:
        recent = store._fapiao_recent = RecentTrackers()
    return recent


def _marker(store: Any, connection: Any, sender_id: str) -> Marker:
    """``max(id)`` and ``count(id)`` of the conversation's rows (one query on the sender index).

    The SQL is passed to the driver as is: building and compiling the same statement through
    SQLAlchemy's expression language cost more than a millisecond per call (py-spy)."""
    style = connection.dialect.paramstyle
    placeholder, parameters = {
        "qmark": ("?", (sender_id,)),
        "format": ("%s", (sender_id,)),
        "numeric": (":1", (sender_id,)),
        "named": (":sender_id", {"sender_id": sender_id}),
        "pyformat": ("%(sender_id)s", {"sender_id": sender_id}),
    }[style]
    table = store.SQLEvent.__tablename__
    highest, count = connection.exec_driver_sql(
        f"SELECT max(id), count(id) FROM {table} WHERE sender_id = {placeholder}", parameters).one()
    return (None if highest is None else int(highest), int(count))


def _stored_count(tracker: Any) -> Optional[int]:
    """How many of the tracker's events are stored, if it came from this store (else None)."""
    stored = getattr(tracker, STORED_IN_SESSION, None)
    if isinstance(stored, int) and 0 <= stored <= len(tracker.events):
        return stored
    return None


def _new_events(store: Any, session: Any, tracker: Any) -> List[Any]:
    """The tracker's events that are not stored yet."""
    stored = _stored_count(tracker)
    if stored is None and _marker(store, session.connection(), tracker.sender_id)[1] == 0:
        stored = 0  # the conversation has no rows at all (a new tracker): nothing to count
    if stored is not None:
        return list(itertools.islice(tracker.events, stored, len(tracker.events)))
    return list(store._additional_events(session, tracker))  # Rasa's count of the stored rows


def tracker_a_read_would_build(store: Any, tracker: Any, new_events: List[Any],
                               came_from_store: bool) -> Optional[Any]:
    """The tracker ``retrieve`` would build from the rows just saved, without reading them:
    ``tracker`` itself, or — when the saved events started a new session — a tracker of the
    events from the latest session start on (Rasa's read keeps the events whose timestamp is at
    least the latest ``session_started``'s); None when it cannot be known (a tracker built
    elsewhere, a capped event history, no domain)."""
    from rasa.shared.core.events import SessionStarted
    from rasa.shared.core.trackers import DialogueStateTracker

    if not came_from_store or tracker._max_event_history is not None:
        return None
    if not any(isinstance(event, SessionStarted) for event in new_events):
        return tracker
    if store.domain is None:
        return None
    start = max(event.timestamp for event in tracker.events if isinstance(event, SessionStarted))
    session = [event for event in tracker.events if event.timestamp >= start]
    rebuilt = DialogueStateTracker.from_events(tracker.sender_id, session, store.domain.slots)
    setattr(rebuilt, STORED_IN_SESSION, len(session))
    return rebuilt


def install_lean_sql_tracker_store() -> None:
    """Replace ``SQLTrackerStore.save`` and ``SQLTrackerStore._retrieve``, and pool SQLite
    connections (idempotent)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    if getattr(SQLTrackerStore.save, "fapiao_lean", False):
        return

    async def save(self: Any, tracker: Any) -> None:
        came_from_store = _stored_count(tracker) is not None
        with self.session_scope() as session:
            new_events = _new_events(self, session, tracker)
            rows: List[Dict[str, Any]] = [event.as_dict() for event in new_events]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), [{
                    "sender_id": tracker.sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                } for event, data in zip(new_events, rows)])
            marker = _marker(self, session.connection(), tracker.sender_id)
            session.commit()
        setattr(tracker, STORED_IN_SESSION, len(tracker.events))
        mirrored = tracker_a_read_would_build(self, tracker, new_events, came_from_store)
        if mirrored is not None:
            recent_trackers(self).put(tracker.sender_id, mirrored, marker)
        else:
            recent_trackers(self).drop(tracker.sender_id)
        if self.event_broker is not None:
            for data in rows:
                body = {"sender_id": tracker.sender_id}
                body.update(data)
                self.event_broker.publish(body)

    async def _retrieve(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[Any]:
        recent = recent_trackers(self)
        marker = None
        if not fetch_events_from_all_sessions:
            with self.engine.connect() as connection:
                marker = _marker(self, connection, sender_id)
            if marker[1] == 0:  # no rows at all: nothing to read
                recent.drop(sender_id)
                return None
            kept = recent.get(sender_id, marker)
            if kept is not None:
                return kept
        with self.session_scope() as session:
            query = self._event_query(session, sender_id,
                                      fetch_events_from_all_sessions=fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]
        if not (self.domain and events):
            recent.drop(sender_id)
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if marker is not None:
            setattr(tracker, STORED_IN_SESSION, len(events))
            recent.put(sender_id, tracker, marker)
        return tracker

    save.fapiao_lean = True  # type: ignore[attr-defined]
    SQLTrackerStore.save = save
    SQLTrackerStore._retrieve = _retrieve
    install_pooled_sqlite_engine()


def install_pooled_sqlite_engine() -> None:
    """The SQL tracker store's engine for an SQLite file: pooled connections, and
    ``synchronous=NORMAL`` when the file is in WAL mode (idempotent)."""
    import rasa.core.tracker_store as rasa_tracker_store
    from rasa.core.tracker_store import SQLTrackerStore

    if getattr(SQLTrackerStore.__init__, "fapiao_pooled", False):
        return
    rasa_engine_kwargs = rasa_tracker_store.create_engine_kwargs
    rasa_init = SQLTrackerStore.__init__

    def create_engine_kwargs(url: Any) -> Dict[str, Any]:
        return {**rasa_engine_kwargs(url), **sqlite_file_engine_kwargs(url)}

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        rasa_init(self, *args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            commit_without_fsync_in_wal_mode(self.engine)

    __init__.fapiao_pooled = True  # type: ignore[attr-defined]
    SQLTrackerStore.__init__ = __init__
    rasa_tracker_store.create_engine_kwargs = create_engine_kwargs


def sqlite_file_engine_kwargs(url: Any) -> Dict[str, Any]:
    """A pool that keeps connections, for an SQLite file (SQLAlchemy 1.4's default opens one per
    session); nothing for other databases or an in-memory SQLite."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    parsed = make_url(str(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return {}
    # One connection is used at a time by the event loop; the WeChat unsubscribe deletes rows
    # from a worker thread, hence check_same_thread.
    return {"poolclass": QueuePool, "pool_size": 2, "max_overflow": 4,
            "connect_args": {"check_same_thread": False}}


def commit_without_fsync_in_wal_mode(engine: Any) -> None:
    """``synchronous=NORMAL`` on each new connection of ``engine`` whose file is in WAL mode
    (the journal mode is never changed here: switching it while another process has the file
    open can stall this process for SQLite's busy timeout)."""
    from sqlalchemy import event

    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:  # noqa: ARG001
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        cursor = dbapi_connection.cursor()
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    engine.dispose()  # the connection that created the tables was opened without it
    event.listen(engine, "connect", on_connect)

