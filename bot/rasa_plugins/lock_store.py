"""Rasa's Redis lock store with atomic ticket changes (issue 11, docs/deployment.md).

Rasa 3.6 serialises the turns of one conversation with a ticket lock kept in Redis
(``RedisLockStore``): a turn takes a ticket, waits until its number is served, and gives the
ticket back. Each of those changes is a read-modify-write of one JSON value (``GET``, change in
Python, ``SET``) with nothing in between to stop another replica: two replicas that take a
ticket for the same conversation in the same millisecond both read "no tickets", both write
ticket 0 and both go ahead — two turns of one conversation run at once, each from the state
before the other, and one turn's answer is lost (the cluster test
``test_two_messages_at_once_to_two_replicas_are_processed_one_after_the_other`` caught it about
one run in two). Giving a ticket back has the same race, and it can delete the lock while another
replica's ticket is in it.

Here every change of a conversation's lock (take a ticket, drop expired tickets, give a ticket
back) runs under a short Redis mutex of that conversation (redis-py's ``Lock``: ``SET NX PX``
with a token, released by a Lua script), so the changes of all replicas happen one after the
other. Reading the lock while waiting stays as it is. The mutex lives at most
``MUTEX_SECONDS`` (a replica that dies holding it blocks nobody for longer) and a change waits
at most ``MUTEX_WAIT_SECONDS`` for it, then fails as Rasa's own lock errors do.
"""
from __future__ import annotations

from typing import Any

#: The longest a conversation's mutex lives (a change takes a few Redis round trips).
MUTEX_SECONDS = 5.0
#: The longest a change waits for the mutex before it fails with Rasa's ``LockError``.
MUTEX_WAIT_SECONDS = 10.0
#: How often a waiting change tries again.
MUTEX_RETRY_SECONDS = 0.002


def install_atomic_redis_tickets() -> None:
    """Make ``RedisLockStore``'s ticket changes atomic per conversation (idempotent)."""
    from rasa.core.lock_store import LockError, LockStore, RedisLockStore
    from redis.exceptions import LockError as RedisMutexError

    if getattr(RedisLockStore, "fapiao_atomic_tickets", False):
        return

    def mutex(store: Any, conversation_id: str) -> Any:
        return store.red.lock(f"{store.key_prefix}{conversation_id}:mutex", timeout=MUTEX_SECONDS,
                              blocking_timeout=MUTEX_WAIT_SECONDS, sleep=MUTEX_RETRY_SECONDS)

    def atomically(change: Any) -> Any:
        def guarded(store: Any, conversation_id: str, *args: Any, **kwargs: Any) -> Any:
            try:
                with mutex(store, conversation_id):
                    return change(store, conversation_id, *args, **kwargs)
            except RedisMutexError as error:
                raise LockError(f"Could not change the lock of conversation '{conversation_id}': {error}") from error
        return guarded

    RedisLockStore.issue_ticket = atomically(LockStore.issue_ticket)
    RedisLockStore.update_lock = atomically(LockStore.update_lock)
    RedisLockStore.cleanup = atomically(LockStore.cleanup)
    RedisLockStore.fapiao_atomic_tickets = True
