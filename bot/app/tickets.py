"""Hand-over tickets: created when the steps run out or the user asks for a person."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Sequence

from sqlalchemy import select

from bot.app.blocking import off_loop
from bot.app.database import StoredService, from_row, one_row
from bot.app.models import TicketRow, TicketStatus

MAX_NOTE_CHARS = 500  # a pasted log is cut; the conversation keeps the whole text


@dataclass(frozen=True)
class Ticket:
    """A ticket as the rest of the runtime sees it."""

    number: str
    sender_id: str
    channel: str
    problem: Optional[str]
    status: TicketStatus
    details: Dict[str, Any]
    steps_tried: List[str]
    created_at: datetime
    updated_at: datetime


def _to_ticket(row: TicketRow) -> Ticket:
    return from_row(
        Ticket,
        row,
        status=TicketStatus(row.status),
        details=json.loads(row.details_json),
        steps_tried=json.loads(row.steps_tried_json),
    )


class SqlTicketStore(StoredService):
    """Tickets in the application database (`bot.app.protocols.TicketStore`).

    One database session per call, run off the event loop (`bot.app.blocking.off_loop`).
    """

    @off_loop
    def create(
        self,
        sender_id: str,
        problem: Optional[str],
        details: Mapping[str, Any],
        steps_tried: Sequence[str],
        channel: str = "",
    ) -> Ticket:
        """Store a new open ticket and give it a number like ``GD20261127-000042``."""
        now = self._clock()
        with self._sessions() as session, session.begin():
            row = TicketRow(
                sender_id=sender_id,
                channel=channel or "",
                problem=problem,
                status=TicketStatus.OPEN,
                details_json=json.dumps(dict(details), ensure_ascii=False),
                steps_tried_json=json.dumps(list(steps_tried), ensure_ascii=False),
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()  # assigns the id the number is derived from
            row.number = f"GD{now:%Y%m%d}-{row.id:06d}"
            return _to_ticket(row)

    @off_loop
    def latest_for(self, sender_id: str) -> Optional[Ticket]:
        """The newest ticket of one conversation, if any."""
        with self._sessions() as session:
            row = session.execute(
                select(TicketRow)
                .where(TicketRow.sender_id == sender_id)
                .order_by(TicketRow.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            return _to_ticket(row) if row else None

    @off_loop
    def by_number(self, number: str) -> Optional[Ticket]:
        """A ticket by its number (case-insensitive)."""
        with self._sessions() as session:
            row = one_row(session, TicketRow, TicketRow.number == number.strip().upper())
            return _to_ticket(row) if row else None

    @off_loop
    def set_status(self, number: str, status: TicketStatus) -> Optional[Ticket]:
        """Move a ticket along its life cycle (operator console)."""
        with self._sessions() as session, session.begin():
            row = one_row(session, TicketRow, TicketRow.number == number)
            if row is None:
                return None
            row.status = status
            row.updated_at = self._clock()
            return _to_ticket(row)

    @off_loop
    def add_note(self, number: str, text: str) -> Optional[Ticket]:
        """Append what the user added after the hand-over to ``details["notes"]``.

        Returns the updated ticket, or None when there is no such ticket or it is resolved
        (a resolved ticket is not reopened by a stray message).
        """
        with self._sessions() as session, session.begin():
            row = one_row(session, TicketRow, TicketRow.number == number.strip().upper())
            if row is None or row.status == TicketStatus.RESOLVED:
                return None
            details = json.loads(row.details_json)
            details["notes"] = list(details.get("notes") or []) + [text.strip()[:MAX_NOTE_CHARS]]
            row.details_json = json.dumps(details, ensure_ascii=False)
            row.updated_at = self._clock()
            return _to_ticket(row)

    @off_loop
    def recent(self, limit: int = 50) -> List[Ticket]:
        """Newest tickets first (operator console)."""
        with self._sessions() as session:
            rows = session.execute(
                select(TicketRow).order_by(TicketRow.id.desc()).limit(limit)
            ).scalars()
            return [_to_ticket(row) for row in rows]

    @off_loop
    def forget_sender(self, sender_id: str) -> int:
        """Delete every ticket of one user (privacy request); returns how many."""
        with self._sessions() as session, session.begin():
            rows = session.execute(
                select(TicketRow).where(TicketRow.sender_id == sender_id)
            ).scalars().all()
            for row in rows:
                session.delete(row)
            return len(rows)
