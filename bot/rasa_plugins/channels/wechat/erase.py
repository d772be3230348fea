"""Deleting one user's conversation from Rasa's tracker store (WeChat unsubscribe).

Rasa 3.6 tracker stores have no `delete`, so each supported store is handled by what it is
made of. The conversation lock is held meanwhile so a running turn cannot write the tracker
back. Events already streamed to an event broker are not reachable from here; tickets and
feedback are deleted by `bot.app.privacy.forget_user` (the channel calls both).
"""

import asyncio
import logging
from typing import TYPE_CHECKING

from rasa.core.tracker_store import (
    AwaitableTrackerStore,
    FailSafeTrackerStore,
    InMemoryTrackerStore,
    RedisTrackerStore,
    SQLTrackerStore,
    TrackerStore,
)

if TYPE_CHECKING:
    from rasa.core.agent import Agent

logger = logging.getLogger(__name__)


def _innermost(store: TrackerStore) -> TrackerStore:
    while isinstance(store, (AwaitableTrackerStore, FailSafeTrackerStore)):
        store = store._tracker_store  # both wrappers keep the wrapped store here
    return store


async def erase_conversation(agent: "Agent", sender_id: str) -> bool:
    """Delete every stored event of `sender_id`; False if the store type is not supported."""
    store = _innermost(agent.tracker_store)
    async with agent.lock_store.lock(sender_id):
        if isinstance(store, InMemoryTrackerStore):
            store.store.pop(sender_id, None)
        elif isinstance(store, SQLTrackerStore):
            await asyncio.to_thread(_delete_sql_events, store, sender_id)
        elif isinstance(store, RedisTrackerStore):
            await asyncio.to_thread(store.red.delete, store.key_prefix + sender_id)
        elif type(store).__name__ == "MongoTrackerStore":
            await asyncio.to_thread(store.conversations.delete_one, {"sender_id": sender_id})
        else:
            logger.warning(
                "Deleting conversations is not supported for %s; a WeChat user's tracker "
                "was kept after unsubscribe", type(store).__name__,
            )
            return False
    return True


def _delete_sql_events(store: SQLTrackerStore, sender_id: str) -> None:
    import sqlalchemy as sa

    with store.session_scope() as session:
        session.execute(
            sa.delete(SQLTrackerStore.SQLEvent).where(
                SQLTrackerStore.SQLEvent.sender_id == sender_id
            )
        )
        session.commit()
