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
"""
from __future__ import annotations

import itertools
import json
from typing import Any, Dict, Iterable, List, Optional

#: Attribute of a tracker read by ``retrieve``: how many of its events are stored in its session.
STORED_IN_SESSION = "_fapiao_stored_in_session"


def _new_events(store: Any, session: Any, tracker: Any) -> Iterable[Any]:
    """The tracker's events that are not stored yet."""
    stored = getattr(tracker, STORED_IN_SESSION, None)
    if isinstance(stored, int) and 0 <= stored <= len(tracker.events):
        return itertools.islice(tracker.events, stored, len(tracker.events))
    return store._additional_events(session, tracker)  # Rasa's count of the stored rows


def install_lean_sql_tracker_store() -> None:
    """Replace ``SQLTrackerStore.save`` and ``SQLTrackerStore._retrieve`` (idempotent)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    if getattr(SQLTrackerStore.save, "fapiao_lean", False):
        return

    async def save(self: Any, tracker: Any) -> None:
        rows: List[Dict[str, Any]] = []
        with self.session_scope() as session:
            for event in _new_events(self, session, tracker):
                data = event.as_dict()
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
                rows.append(data)
            session.commit()
        setattr(tracker, STORED_IN_SESSION, len(tracker.events))
        if self.event_broker is not None:
            for data in rows:
                body = {"sender_id": tracker.sender_id}
                body.update(data)
                self.event_broker.publish(body)

    async def _retrieve(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[Any]:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id,
                                      fetch_events_from_all_sessions=fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED_IN_SESSION, len(events))
        return tracker

    save.fapiao_lean = True  # type: ignore[attr-defined]
    SQLTrackerStore.save = save
    SQLTrackerStore._retrieve = _retrieve
