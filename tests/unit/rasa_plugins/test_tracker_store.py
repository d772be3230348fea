"""bot/rasa_plugins/tracker_store.py: one read per save, no count for a tracker the store read,
one column read; rows, trackers and published events as Rasa's."""
from __future__ import annotations

import asyncio

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_plugins.tracker_store import install_lean_sql_tracker_store

DOMAIN = Domain.from_yaml("slots:\n  problem:\n    type: any\n    mappings: []\n")


class Broker(EventBroker):
    def __init__(self) -> None:
        self.published = []

    def publish(self, event, headers=None) -> None:
        self.published.append(event)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(SQLTrackerStore, "save", SQLTrackerStore.save)
    monkeypatch.setattr(SQLTrackerStore, "_retrieve", SQLTrackerStore._retrieve)
    install_lean_sql_tracker_store()
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


RASA_RETRIEVE = SQLTrackerStore._retrieve


def opening(sender):
    return DialogueStateTracker.from_events(sender, [ActionExecuted("action_session_start"), SessionStarted(),
                                                     ActionExecuted("action_listen")], DOMAIN.slots)


def count_queries(monkeypatch):
    """From now on, a list that grows by one for each time a save counts the stored rows."""
    counted = []
    rasa_count = SQLTrackerStore._additional_events
    monkeypatch.setattr(SQLTrackerStore, "_additional_events",
                        lambda self, session, tracker: counted.append(1) or rasa_count(self, session, tracker))
    return counted


def a_turn(tracker, text):
    tracker.update(UserUttered(text, {"name": "login_failure"}))
    tracker.update(SlotSet("problem", "login_failure"))
    tracker.update(BotUttered("第 1 步"))
    tracker.update(ActionExecuted("action_listen"))


def test_a_tracker_the_store_read_is_saved_without_counting_the_rows(store, monkeypatch):
    store, _ = store
    asyncio.run(store.save(opening("s2")))
    counted = count_queries(monkeypatch)
    for text in ("登录不上", "还是不行", "好了"):
        tracker = asyncio.run(SQLTrackerStore.retrieve(store, "s2"))
        a_turn(tracker, text)
        asyncio.run(store.save(tracker))
        asyncio.run(store.save(tracker))  # saved twice: nothing is written twice
    assert counted == []
    stored = asyncio.run(SQLTrackerStore.retrieve_full_tracker(store, "s2")).events
    turns = ["user", "slot", "bot", "action"] * 3
    assert [e.type_name for e in stored] == ["action", "session_started", "action"] + turns
    assert [e.text for e in stored if e.type_name == "user"] == ["登录不上", "还是不行", "好了"]


def test_a_tracker_built_elsewhere_is_counted_as_rasa_does(store, monkeypatch):
    store, _ = store
    asyncio.run(store.save(opening("s3")))
    counted = count_queries(monkeypatch)
    rebuilt = opening("s3")  # the same history, not read from the store (as the HTTP API's PUT does)
    a_turn(rebuilt, "登录不上")
    asyncio.run(store.save(rebuilt))
    assert counted == [1]


def test_a_new_session_is_not_written_twice(store, monkeypatch):
    store, _ = store
    asyncio.run(store.save(opening("s4")))
    tracker = asyncio.run(SQLTrackerStore.retrieve(store, "s4"))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    counted = count_queries(monkeypatch)
    asyncio.run(store.save(tracker))
    assert counted == []
    assert len(asyncio.run(SQLTrackerStore.retrieve_full_tracker(store, "s4")).events) == 6


@pytest.mark.parametrize("all_sessions", [False, True])
def test_retrieve_builds_the_tracker_rasa_builds(store, all_sessions):
    store, _ = store
    tracker = opening("s5")
    a_turn(tracker, "登录不上")
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    a_turn(tracker, "又登录不上了")
    asyncio.run(store.save(tracker))
    ours = asyncio.run(store._retrieve("s5", all_sessions))
    rasas = asyncio.run(RASA_RETRIEVE(store, "s5", all_sessions))
    assert ours.current_state() == rasas.current_state()
    assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in rasas.events]
    assert asyncio.run(store._retrieve("nobody", all_sessions)) is None


# -- the recent trackers kept in memory ------------------------------------------------------------

def rows_reads(monkeypatch):
    """From now on, a list that grows by one for each time a retrieve reads a session's rows."""
    reads = []
    rasa_query = SQLTrackerStore._event_query
    monkeypatch.setattr(SQLTrackerStore, "_event_query",
                        lambda self, *a, **k: reads.append(1) or rasa_query(self, *a, **k))
    return reads


def saved_turns(store, sender, texts):
    """``texts`` as turns, each read and saved as the Rasa server does; the last tracker."""
    asyncio.run(store.save(opening(sender)))
    for text in texts:
        tracker = asyncio.run(SQLTrackerStore.retrieve(store, sender))
        a_turn(tracker, text)
        asyncio.run(store.save(tracker))
    return tracker


def test_the_next_turn_gets_the_saved_tracker_without_reading_the_rows(store, monkeypatch):
    store, _ = store
    saved = saved_turns(store, "r1", ["登录不上", "还是不行"])
    reads = rows_reads(monkeypatch)
    again = asyncio.run(SQLTrackerStore.retrieve(store, "r1"))
    assert again is saved and reads == []
    rebuilt = asyncio.run(RASA_RETRIEVE(store, "r1", False))
    assert again.current_state() == rebuilt.current_state()


def test_a_deleted_conversation_is_not_served_from_memory(store):
    store, _ = store
    saved_turns(store, "r2", ["登录不上"])
    with store.session_scope() as session:  # as the unsubscribe and `privacy forget` do
        session.execute(SQLTrackerStore.SQLEvent.__table__.delete().where(
            SQLTrackerStore.SQLEvent.sender_id == "r2"))
        session.commit()
    assert asyncio.run(SQLTrackerStore.retrieve(store, "r2")) is None


def test_a_turn_written_by_another_replica_is_read_from_the_rows(store, tmp_path):
    store, _ = store
    saved_turns(store, "r3", ["登录不上"])
    other = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    theirs = asyncio.run(SQLTrackerStore.retrieve(other, "r3"))
    a_turn(theirs, "另一台副本上的消息")
    asyncio.run(other.save(theirs))
    ours = asyncio.run(SQLTrackerStore.retrieve(store, "r3"))
    assert [e.text for e in ours.events if e.type_name == "user"] == ["登录不上", "另一台副本上的消息"]


def test_a_turn_that_failed_before_saving_leaves_no_trace(store):
    store, _ = store
    saved = saved_turns(store, "r4", ["登录不上"])
    saved.update(UserUttered("这条消息的回合失败了", {"name": "login_failure"}))  # never saved
    again = asyncio.run(SQLTrackerStore.retrieve(store, "r4"))
    assert again is not saved
    assert [e.text for e in again.events if e.type_name == "user"] == ["登录不上"]


def test_after_a_new_session_the_kept_tracker_is_the_one_a_read_builds(store, monkeypatch):
    store, _ = store
    tracker = saved_turns(store, "r5", ["登录不上"])
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(SlotSet("problem", "login_failure"))  # carried over into the new session
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    reads = rows_reads(monkeypatch)
    again = asyncio.run(SQLTrackerStore.retrieve(store, "r5"))
    assert reads == [] and again is not tracker
    rasas = asyncio.run(RASA_RETRIEVE(store, "r5", False))
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in rasas.events]
    assert again.current_state() == rasas.current_state()
    a_turn(again, "新会话里还是登录不上")  # and the next save writes only the new turn
    asyncio.run(store.save(again))
    stored = asyncio.run(SQLTrackerStore.retrieve_full_tracker(store, "r5")).events
    assert [e.text for e in stored if e.type_name == "user"] == ["登录不上", "新会话里还是登录不上"]


def test_a_first_turn_is_kept_as_a_read_builds_it(store, monkeypatch):
    store, _ = store
    asyncio.run(store.save(DialogueStateTracker("n2", DOMAIN.slots)))  # as create_tracker does
    first = asyncio.run(SQLTrackerStore.retrieve(store, "n2"))
    assert first is None, "no rows: nothing to read"
    tracker = DialogueStateTracker("n2", DOMAIN.slots)
    asyncio.run(store.save(tracker))
    for event in opening("n2").events:
        tracker.update(event)
    a_turn(tracker, "登录不上")
    asyncio.run(store.save(tracker))
    reads = rows_reads(monkeypatch)
    again = asyncio.run(SQLTrackerStore.retrieve(store, "n2"))
    assert reads == []
    rasas = asyncio.run(RASA_RETRIEVE(store, "n2", False))
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in rasas.events]


def test_at_most_the_capacity_is_kept_least_recently_used_first_out():
    from bot.rasa_plugins.tracker_store import RecentTrackers

    recent = RecentTrackers(capacity=2)
    trackers = {s: opening(s) for s in ("a", "b", "c")}
    recent.put("a", trackers["a"], (3, 3))
    recent.put("b", trackers["b"], (6, 3))
    assert recent.get("a", (3, 3)) is trackers["a"]  # a is now the most recent
    recent.put("c", trackers["c"], (9, 3))
    assert len(recent) == 2 and recent.get("b", (6, 3)) is None and recent.get("a", (3, 3)) is trackers["a"]
    assert recent.get("a", (4, 4)) is None and len(recent) == 1, "another marker: dropped"


# -- the SQLite engine -----------------------------------------------------------------------------

def synchronous_of(store):
    with store.engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA synchronous").scalar()


def test_a_wal_file_commits_without_fsync_and_other_files_keep_sqlites_default(tmp_path):
    from sqlalchemy.pool import QueuePool

    from bot.launcher.commands import use_write_ahead_log

    install_lean_sql_tracker_store()
    wal = tmp_path / "wal.db"
    assert use_write_ahead_log(f"sqlite:///{wal}")
    in_wal = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(wal))
    assert isinstance(in_wal.engine.pool, QueuePool)
    assert synchronous_of(in_wal) == 1  # NORMAL
    default = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "default.db"))
    assert synchronous_of(default) == 2  # FULL, SQLite's default in its rollback-journal mode
    asyncio.run(in_wal.save(opening("w1")))
    assert len(asyncio.run(SQLTrackerStore.retrieve_full_tracker(in_wal, "w1")).events) == 3


def test_the_launcher_switches_only_sqlite_files():
    from bot.launcher.commands import use_write_ahead_log

    assert not use_write_ahead_log("postgresql://127.0.0.1/tracker")
    assert not use_write_ahead_log("sqlite:///:memory:")


def test_a_new_conversation_is_saved_without_counting_its_rows(store, monkeypatch):
    store, _ = store
    counted = count_queries(monkeypatch)
    asyncio.run(store.save(opening("n1")))
    assert counted == []
    assert len(asyncio.run(SQLTrackerStore.retrieve_full_tracker(store, "n1")).events) == 3
