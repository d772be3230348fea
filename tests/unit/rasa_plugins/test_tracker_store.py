"""bot/rasa_plugins/tracker_store.py: one read per save; rows and published events as Rasa's."""
from __future__ import annotations

import asyncio

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_plugins.tracker_store import install_single_read_save

DOMAIN = Domain.from_yaml("slots:\n  problem:\n    type: any\n    mappings: []\n")


class Broker(EventBroker):
    def __init__(self) -> None:
        self.published = []

    def publish(self, event, headers=None) -> None:
        self.published.append(event)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(SQLTrackerStore, "save", SQLTrackerStore.save)
    install_single_read_save()
    broker = Broker()
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"), event_broker=broker)
    monkeypatch.setattr(store, "retrieve", lambda *a, **k: pytest.fail("save read the tracker"))
    return store, broker


def test_each_save_writes_and_publishes_the_new_events_once(store):
    store, broker = store
    tracker = DialogueStateTracker.from_events("s1", [ActionExecuted("action_session_start"), SessionStarted(),
                                                      ActionExecuted("action_listen")], DOMAIN.slots)
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("登录不上", {"name": "login_failure"}, message_id="m1"))
    tracker.update(SlotSet("problem", "login_failure"))
    tracker.update(BotUttered("第 1 步"))
    asyncio.run(store.save(tracker))
    bodies = broker.published
    assert [b["event"] for b in bodies][-3:] == ["user", "slot", "bot"]
    assert all(b["sender_id"] == "s1" for b in bodies)
    stored = [e.as_dict() for e in asyncio.run(SQLTrackerStore.retrieve_full_tracker(store, "s1")).events]
    assert [{k: v for k, v in b.items() if k != "sender_id"} for b in bodies] == stored
    asyncio.run(store.save(tracker))
    assert len(broker.published) == len(stored), "nothing new: nothing published"
