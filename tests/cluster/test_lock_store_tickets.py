"""bot/rasa_plugins/lock_store.py: replicas taking tickets for one conversation at the same
moment get different tickets, against the machine's Redis (127.0.0.1:6379, database 14).

In `make test-cluster` (which needs Redis), not in `make test-fast` (which does not)."""
from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
from rasa.core.lock_store import LockError, LockStore, RedisLockStore

from bot.rasa_plugins import lock_store as atomic
from bot.rasa_plugins.lock_store import install_atomic_redis_tickets

REPLICAS = 8


@pytest.fixture
def stores(monkeypatch):
    for name in ("issue_ticket", "update_lock", "cleanup"):
        monkeypatch.setattr(RedisLockStore, name, getattr(LockStore, name))
    monkeypatch.setattr(RedisLockStore, "fapiao_atomic_tickets", False, raising=False)
    replicas = [RedisLockStore(host="127.0.0.1", port=6379, db=14, socket_timeout=2) for _ in range(REPLICAS)]
    try:
        replicas[0].red.ping()
    except Exception as error:  # noqa: BLE001 - say what is missing
        pytest.fail(f"Redis is required at 127.0.0.1:6379: {error}")
    return replicas


def tickets_taken_at_once(replicas, conversation_id):
    gate, tickets = threading.Barrier(len(replicas)), []

    def take(store):
        gate.wait()
        tickets.append(store.issue_ticket(conversation_id, 30))

    threads = [threading.Thread(target=take, args=(store,)) for store in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tickets


def test_replicas_taking_tickets_at_once_get_different_tickets(stores):
    install_atomic_redis_tickets()
    for _ in range(5):
        conversation = f"c-{uuid.uuid4().hex}"
        tickets = tickets_taken_at_once(stores, conversation)
        assert sorted(tickets) == list(range(REPLICAS))
        assert len(stores[0].get_lock(conversation).tickets) == REPLICAS
        for store, ticket in zip(stores, tickets):
            store.cleanup(conversation, ticket)
        assert stores[0].get_lock(conversation) is None


def test_turns_of_one_conversation_on_two_replicas_run_one_after_the_other(stores):
    install_atomic_redis_tickets()
    conversation, running, overlaps = f"c-{uuid.uuid4().hex}", [], []

    async def turn(store):
        async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.01):
            overlaps.append(len(running))
            running.append(1)
            await asyncio.sleep(0.05)
            running.pop()

    async def main():
        await asyncio.gather(*(turn(store) for store in stores[:2] * 3))

    asyncio.run(main())
    assert overlaps == [0] * 6
    assert stores[0].get_lock(conversation) is None


def test_a_mutex_that_cannot_be_had_is_rasas_lock_error(stores, monkeypatch):
    install_atomic_redis_tickets()
    monkeypatch.setattr(atomic, "MUTEX_WAIT_SECONDS", 0.05)
    conversation = f"c-{uuid.uuid4().hex}"
    held = stores[0].red.lock(f"{stores[0].key_prefix}{conversation}:mutex", timeout=5)
    assert held.acquire(blocking=False)
    try:
        with pytest.raises(LockError):
            stores[1].issue_ticket(conversation, 30)
    finally:
        held.release()
