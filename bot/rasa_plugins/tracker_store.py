"""Rasa's SQL tracker store without its second read of the tracker on every save (issue 11,
docs/scaling.md).

With an event broker configured (``make cluster``: RabbitMQ), Rasa 3.6's
``SQLTrackerStore.save`` first calls ``stream_events``, which loads the conversation's tracker
from the database once more (``retrieve``: every event of the session, JSON-decoded and
replayed) only to learn how many events are already stored, publishes the rest, and then counts
the stored events again (``_additional_events``) to write them. Here the count is made once:
the new events are written and committed, then the same events are published, as Rasa would
(the body is the sender id plus the event's ``as_dict()``, so the analytics event ids are the
same from the queue and from the table). Publishing after the commit also means the broker
never carries an event the tracker store does not hold.

Without an event broker (``make run``) the saved rows are exactly Rasa's, and no read is saved.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List


def install_single_read_save() -> None:
    """Replace ``SQLTrackerStore.save`` (idempotent)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    if getattr(SQLTrackerStore.save, "fapiao_single_read", False):
        return

    async def save(self: Any, tracker: Any) -> None:
        with self.session_scope() as session:
            rows: List[Dict[str, Any]] = []
            for event in self._additional_events(session, tracker):
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
        if self.event_broker is not None:
            for data in rows:
                body = {"sender_id": tracker.sender_id}
                body.update(data)
                self.event_broker.publish(body)

    save.fapiao_single_read = True  # type: ignore[attr-defined]
    SQLTrackerStore.save = save
