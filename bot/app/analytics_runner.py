"""``python -m bot.app.analytics consume|follow|report``: keeping the analytics aggregates
(`bot.app.analytics`) up to date.

* ``consume`` (``make cluster``): reads the durable RabbitMQ queue Rasa's Pika broker publishes
  to, in batches; a batch is acknowledged only after the transaction that counts it has
  committed, so a crash or a RabbitMQ restart redelivers what was not committed and the event
  ids make the redelivery count once. A lost connection is retried with back-off, forever.
  Every ``ANALYTICS_RECONCILE_SECONDS`` it also reads the tracker store (as ``follow`` does) for
  events older than a few seconds that never reached the queue (a replica killed between its
  commit and its publish).
* ``follow`` (``make run``, which has no event broker): reads new rows of the tracker store's
  ``events`` table every ``ANALYTICS_POLL_INTERVAL`` seconds.
* ``report``: prints today's totals (or ``--days N``).
* ``alive --heartbeat FILE``: exits 0 when ``consume`` / ``follow --heartbeat FILE`` touched the
  file in the last minute (the containers' liveness probe: the process has no HTTP port).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.app.analytics import CHINA_TZ, SqlAnalyticsStore
from bot.app.database import make_app_session_factory
from bot.app.settings import Settings

logger = logging.getLogger("bot.app.analytics")

BATCH_SIZE = 200
BATCH_WAIT = 0.2  # seconds a batch waits for more messages
RASA_EXCHANGE = "rasa-exchange"
#: Events younger than this are left to the broker by the reconciliation pass.
RECONCILE_MIN_AGE = 10.0
MAX_BACKOFF = 30.0


# --- the tracker store -------------------------------------------------------------------

class TrackerEvents:
    """New rows of Rasa's ``events`` table (SQLTrackerStore), oldest first."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = f"tracker:{_redacted(url)}"[:64]
        self._engine: Optional[Engine] = None

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(self.url, future=True, pool_pre_ping=True)
        return self._engine

    def rows_after(self, position: int, limit: int, max_timestamp: Optional[float] = None
                   ) -> List[Tuple[int, Dict[str, Any]]]:
        """``(id, event)`` for rows with ``id > position`` (stopping at the first row newer than
        ``max_timestamp``, so the cursor never passes an event that is left for later)."""
        query = text("SELECT id, sender_id, timestamp, data FROM events WHERE id > :position "
                     "ORDER BY id LIMIT :limit")
        try:
            with self.engine().connect() as connection:
                rows = connection.execute(query, {"position": position, "limit": limit}).all()
        except SQLAlchemyError as error:
            if "events" in str(error).lower() and ("no such table" in str(error).lower()
                                                   or "does not exist" in str(error).lower()):
                return []  # Rasa has not created its table yet
            raise
        result: List[Tuple[int, Dict[str, Any]]] = []
        for identifier, sender_id, timestamp, data in rows:
            if max_timestamp is not None and timestamp is not None and timestamp > max_timestamp:
                break
            event = json.loads(data)
            event_with_sender = {"sender_id": sender_id}
            event_with_sender.update(event)
            result.append((int(identifier), event_with_sender))
        return result


async def catch_up(store: SqlAnalyticsStore, tracker: TrackerEvents, min_age: float = 0.0) -> int:
    """Count every tracker-store event not counted yet; returns how many were new."""
    new = 0
    while True:
        position = await store.cursor(tracker.name)
        max_timestamp = time.time() - min_age if min_age else None
        rows = await asyncio.to_thread(tracker.rows_after, position, BATCH_SIZE, max_timestamp)
        if not rows:
            return new
        new += await store.record_tracker_rows(tracker.name, rows)
        if len(rows) < BATCH_SIZE:
            return new


async def follow(store: SqlAnalyticsStore, tracker: TrackerEvents, interval: float,
                 stopping: asyncio.Event) -> None:
    """``make run``'s analytics: read the tracker store every ``interval`` seconds."""
    backoff = 1.0
    while not stopping.is_set():
        try:
            new = await catch_up(store, tracker)
            if new:
                logger.info("Counted %d new events from the tracker store.", new)
            backoff = 1.0
            delay = interval
        except (SQLAlchemyError, OSError) as error:
            logger.warning("Tracker store not readable (%s); retrying in %.0f s.", _first_line(error), backoff)
            delay, backoff = backoff, min(MAX_BACKOFF, backoff * 2)
        await _sleep_or_stop(stopping, delay)


# --- the queue ---------------------------------------------------------------------------

class Serialised:
    """The store with one write at a time in this process (queue batches and reconciliation
    touch the same conversations; across processes the row locks take over)."""

    def __init__(self, store: SqlAnalyticsStore) -> None:
        self._store = store
        self._lock = asyncio.Lock()

    async def record(self, events: Sequence[Mapping[str, Any]], source: str = "broker") -> int:
        async with self._lock:
            return await self._store.record(events, source)

    async def record_tracker_rows(self, cursor: str, rows: Sequence[Tuple[int, Mapping[str, Any]]]) -> int:
        async with self._lock:
            return await self._store.record_tracker_rows(cursor, rows)

    async def cursor(self, name: str) -> int:
        return await self._store.cursor(name)

    async def prune(self, now: float) -> int:
        async with self._lock:
            return await self._store.prune(now)


async def consume(store: SqlAnalyticsStore, settings: Settings, tracker: TrackerEvents,
                  stopping: asyncio.Event) -> None:
    """``make cluster``'s analytics: the RabbitMQ queue, reconnecting forever."""
    store = Serialised(store)  # type: ignore[assignment] - the queue and the reconciliation take turns
    reconcile = asyncio.create_task(_reconcile(store, tracker, settings.analytics_reconcile_seconds, stopping))
    backoff = 1.0
    try:
        while not stopping.is_set():
            try:
                await _consume_once(store, settings, stopping)
                backoff = 1.0
            except Exception as error:  # noqa: BLE001 - any connection failure: reconnect
                logger.warning("RabbitMQ connection lost or refused (%s); reconnecting in %.0f s. "
                               "Unacknowledged events will be delivered again.", _first_line(error), backoff)
                await _sleep_or_stop(stopping, backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
    finally:
        reconcile.cancel()


async def _consume_once(store: SqlAnalyticsStore, settings: Settings, stopping: asyncio.Event) -> None:
    import aio_pika

    connection = await aio_pika.connect(settings.rabbitmq_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=BATCH_SIZE * 2)
        exchange = await channel.declare_exchange(RASA_EXCHANGE, aio_pika.ExchangeType.FANOUT)
        queue = await channel.declare_queue(settings.event_queue, durable=True)
        await queue.bind(exchange, "")
        inbox: asyncio.Queue = asyncio.Queue()
        closed = asyncio.Event()
        connection.close_callbacks.add(lambda *_: closed.set())
        tag = await queue.consume(inbox.put)
        logger.info("Consuming RabbitMQ queue %s.", settings.event_queue)
        try:
            while not stopping.is_set():
                if closed.is_set():
                    raise ConnectionError("connection closed")
                batch = await _next_batch(inbox)
                if batch:
                    await _count_and_ack(store, batch)
        finally:
            if not closed.is_set():
                await queue.cancel(tag)


async def _next_batch(inbox: asyncio.Queue) -> List[Any]:
    """Up to `BATCH_SIZE` messages: waits up to a second for the first, `BATCH_WAIT` for more."""
    batch: List[Any] = []
    try:
        batch.append(await asyncio.wait_for(inbox.get(), timeout=1.0))
    except asyncio.TimeoutError:
        return batch
    deadline = time.monotonic() + BATCH_WAIT
    while len(batch) < BATCH_SIZE:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            batch.append(await asyncio.wait_for(inbox.get(), timeout=remaining))
        except asyncio.TimeoutError:
            break
    return batch


async def _count_and_ack(store: SqlAnalyticsStore, batch: Sequence[Any]) -> None:
    """Commit the batch's counts, then acknowledge it (a failure before the ack: redelivered)."""
    events = []
    for message in batch:
        try:
            event = json.loads(message.body)
        except ValueError:
            event = None
        if isinstance(event, dict):
            events.append(event)
        else:
            logger.error("Dropping a queue message that is not a JSON event.")
    new = await store.record(events, source="broker")
    await batch[-1].ack(multiple=True)
    if new:
        logger.info("Counted %d new events (%d delivered).", new, len(batch))


async def _reconcile(store: SqlAnalyticsStore, tracker: TrackerEvents, every: float,
                     stopping: asyncio.Event) -> None:
    while not stopping.is_set():
        await _sleep_or_stop(stopping, every)
        try:
            new = await catch_up(store, tracker, min_age=RECONCILE_MIN_AGE)
            if new:
                logger.warning("Reconciliation: %d events were in the tracker store but never "
                               "reached the queue; counted them.", new)
            await store.prune(time.time())
        except (SQLAlchemyError, OSError) as error:
            logger.warning("Reconciliation skipped: %s", _first_line(error))


# --- command line ------------------------------------------------------------------------

async def _sleep_or_stop(stopping: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _redacted(url: str) -> str:
    head, _, tail = url.rpartition("@")
    scheme = url.split("://", 1)[0]
    return f"{scheme}://{tail}" if head else url


HEARTBEAT_EVERY = 10.0
HEARTBEAT_MAX_AGE = 60.0


async def _heartbeat(path: Optional[str], stopping: asyncio.Event) -> None:
    """Touch ``path`` every `HEARTBEAT_EVERY` seconds while the event loop runs."""
    if not path:
        return
    while not stopping.is_set():
        Path(path).touch()
        await _sleep_or_stop(stopping, HEARTBEAT_EVERY)


def alive(path: str, max_age: float = HEARTBEAT_MAX_AGE) -> bool:
    """Whether the heartbeat file was touched in the last ``max_age`` seconds."""
    try:
        return time.time() - Path(path).stat().st_mtime < max_age
    except OSError:
        return False


async def _serve(mode: str, settings: Settings, heartbeat: Optional[str] = None) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    beating = asyncio.create_task(_heartbeat(heartbeat, stopping))
    store = SqlAnalyticsStore(make_app_session_factory(settings.app_database_url))
    tracker = TrackerEvents(settings.tracker_store_url)
    try:
        if mode == "consume":
            await consume(store, settings, tracker, stopping)
        else:
            await follow(store, tracker, settings.analytics_poll_interval, stopping)
    finally:
        beating.cancel()


def report(settings: Settings, days: int) -> Dict[str, Mapping[str, int]]:
    """Totals of the last ``days`` days (today included)."""
    store = SqlAnalyticsStore(make_app_session_factory(settings.app_database_url))
    today = datetime.now(CHINA_TZ).date()
    first: date = today - timedelta(days=days - 1)
    return asyncio.run(store.totals(first, today))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.app.analytics")
    parser.add_argument("mode", choices=("consume", "follow", "report", "alive"))
    parser.add_argument("--days", type=int, default=1, help="report: how many days back")
    parser.add_argument("--heartbeat", default=None, help="file touched while running (alive checks it)")
    args = parser.parse_args(argv)
    if args.mode == "alive":
        return 0 if args.heartbeat and alive(args.heartbeat) else 1
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    settings = Settings.from_env()
    if args.mode == "report":
        print(json.dumps(report(settings, args.days), ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    try:
        asyncio.run(_serve(args.mode, settings, args.heartbeat))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
