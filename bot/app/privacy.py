"""Forgetting a user and purging old data (docs/privacy.md).

* `forget_user`: the tickets, votes and ratings of one conversation (called when a WeChat user
  unsubscribes; the channel also erases the Rasa tracker, `bot.rasa_plugins.channels.wechat.erase`).
* `forget_everything`: that, plus the conversation's events in Rasa's SQL tracker store.
* `purge`: conversations whose last event is older than the retention period (``RETENTION_DAYS``,
  default 180), and tickets and feedback older than it.

Command line (the settings say where the databases are)::

    python -m bot.app.privacy forget <sender_id>
    python -m bot.app.privacy purge [--older-than 180d] [--dry-run]

Events already streamed to an event broker, log files and backups are outside its reach.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, List, Optional

import sqlalchemy as sa

from bot.app.database import CHINA_TZ
from bot.app.protocols import AnalyticsStore, FeedbackStore, TicketStore

#: Rasa's SQLTrackerStore table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent).
TRACKER_EVENTS_TABLE = "events"
_DURATION = re.compile(r"^\s*(\d+)\s*([dhm]?)\s*$")


@dataclass(frozen=True)
class Forgotten:
    """How many records of each kind were deleted."""

    tickets: int
    feedback: int
    tracker_events: int = 0
    analytics: int = 0


async def forget_user(sender_id: str, tickets: TicketStore, feedback: FeedbackStore,
                      analytics: Optional[AnalyticsStore] = None) -> Forgotten:
    """Delete the tickets, votes and ratings of ``sender_id``, and what the analytics keep of
    the conversation (its hashed id and recent events; the daily counts are anonymous)."""
    return Forgotten(tickets=await tickets.forget_sender(sender_id),
                     feedback=await feedback.forget_sender(sender_id),
                     analytics=await analytics.forget_sender(sender_id) if analytics is not None else 0)


def _events_table(engine: sa.engine.Engine) -> Optional[sa.Table]:
    if not sa.inspect(engine).has_table(TRACKER_EVENTS_TABLE):
        return None
    return sa.Table(TRACKER_EVENTS_TABLE, sa.MetaData(), autoload_with=engine)


def forget_tracker(tracker_store_url: str, sender_id: str) -> int:
    """Delete every event of ``sender_id`` from Rasa's SQL tracker store; how many."""
    engine = sa.create_engine(tracker_store_url, future=True)
    try:
        table = _events_table(engine)
        if table is None:
            return 0
        with engine.begin() as connection:
            return connection.execute(sa.delete(table).where(table.c.sender_id == sender_id)).rowcount or 0
    finally:
        engine.dispose()


def purge_trackers(tracker_store_url: str, cutoff: datetime, dry_run: bool = False) -> List[str]:
    """Delete the conversations whose newest event is older than ``cutoff``; their sender ids."""
    engine = sa.create_engine(tracker_store_url, future=True)
    try:
        table = _events_table(engine)
        if table is None:
            return []
        last = sa.func.max(table.c.timestamp)
        query = sa.select(table.c.sender_id).group_by(table.c.sender_id).having(last < cutoff.timestamp())
        with engine.begin() as connection:
            senders = [row[0] for row in connection.execute(query)]
            if senders and not dry_run:
                for start in range(0, len(senders), 500):
                    chunk = senders[start:start + 500]
                    connection.execute(sa.delete(table).where(table.c.sender_id.in_(chunk)))
        return senders
    finally:
        engine.dispose()


def purge_app_data(app_database_url: str, cutoff: datetime, dry_run: bool = False) -> dict:
    """Delete tickets (by last update) and votes and ratings (by creation) older than ``cutoff``."""
    from bot.app.models import RatingRow, TicketRow, VoteRow

    engine = sa.create_engine(app_database_url, future=True)
    counts = {}
    try:
        with engine.begin() as connection:
            for name, table, column in (("tickets", TicketRow.__table__, TicketRow.updated_at),
                                        ("votes", VoteRow.__table__, VoteRow.created_at),
                                        ("ratings", RatingRow.__table__, RatingRow.created_at)):
                if not sa.inspect(connection).has_table(table.name):
                    counts[name] = 0
                    continue
                if dry_run:
                    counts[name] = connection.execute(
                        sa.select(sa.func.count()).select_from(table).where(column < cutoff)).scalar_one()
                else:
                    if name == "tickets":  # their history (operators' notes) goes with them
                        _purge_ticket_history(connection, column < cutoff)
                    counts[name] = connection.execute(sa.delete(table).where(column < cutoff)).rowcount or 0
    finally:
        engine.dispose()
    return counts


def _purge_ticket_history(connection: Any, old: Any) -> None:
    """Delete the history (`bot.app.models.TicketEventRow`) of the tickets matching ``old``
    (the foreign key cascades only where the database enforces it)."""
    from bot.app.models import TicketEventRow, TicketRow

    if sa.inspect(connection).has_table(TicketEventRow.__tablename__):
        connection.execute(sa.delete(TicketEventRow.__table__).where(
            TicketEventRow.ticket_id.in_(sa.select(TicketRow.id).where(old))))


def parse_age(text: str) -> timedelta:
    """``180d``, ``12h``, ``30m`` or a bare number of days."""
    match = _DURATION.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not an age such as 180d, 12h or 30m")
    amount, unit = int(match.group(1)), match.group(2) or "d"
    if amount <= 0:
        raise ValueError("the age must be positive")
    return {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[unit]


async def forget_everything(sender_id: str) -> Forgotten:
    """Tickets, feedback and the tracker of ``sender_id`` (settings of this process)."""
    from bot.app import container

    services = container.current()
    forgotten = await forget_user(sender_id, services.tickets(), services.feedback(), services.analytics())
    events = await asyncio.to_thread(forget_tracker, services.settings().tracker_store_url, sender_id)
    await services.aclose()
    return replace(forgotten, tracker_events=events)


def main(argv: Optional[List[str]] = None) -> int:
    """``forget <sender_id>`` or ``purge [--older-than AGE] [--dry-run]``."""
    from bot.app.settings import Settings, SettingsError

    parser = argparse.ArgumentParser(prog="python -m bot.app.privacy", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    forget = sub.add_parser("forget", help="delete one user's conversation, tickets and feedback")
    forget.add_argument("sender_id")
    purge = sub.add_parser("purge", help="delete conversations, tickets and feedback older than an age")
    purge.add_argument("--older-than", default=None, help="e.g. 180d (default: RETENTION_DAYS)")
    purge.add_argument("--dry-run", action="store_true", help="count only, delete nothing")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    if args.command == "forget":
        if not args.sender_id.strip() or len(args.sender_id) > 255:
            print("sender_id must be 1-255 characters", file=sys.stderr)
            return 2
        done = asyncio.run(forget_everything(args.sender_id))
        print(f"forgot {args.sender_id}: {done.tracker_events} tracker events, {done.tickets} tickets, "
              f"{done.feedback} votes and ratings, {done.analytics} analytics records")
        return 0
    try:
        age = parse_age(args.older_than) if args.older_than else timedelta(days=settings.retention_days)
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 2
    # China time, as the app database stores its timestamps (SQLite compares them as text).
    cutoff = datetime.now(CHINA_TZ) - age
    started = time.monotonic()
    senders = purge_trackers(settings.tracker_store_url, cutoff, args.dry_run)
    counts = purge_app_data(settings.app_database_url, cutoff, args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} data older than {cutoff:%Y-%m-%d %H:%M} (China time): {len(senders)} conversations, "
          f"{counts['tickets']} tickets, {counts['votes']} votes, {counts['ratings']} ratings "
          f"({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
