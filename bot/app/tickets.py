"""Hand-over tickets: created when the steps run out or the user asks for a person, worked on by
the support team in the operator console (queue, assignment, notes, status history)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional, Sequence

from sqlalchemy import delete, func, select, update

from bot.app.blocking import off_loop
from bot.app.database import StoredService, from_row, one_row
from bot.app.models import HandoverRow, TicketEventRow, TicketRow, TicketStatus

MAX_NOTE_CHARS = 500  # a pasted log is cut; the conversation keeps the whole text
MAX_OPERATOR_NOTE_CHARS = 4000
#: Kinds of ticket history entries (`TicketEvent.kind`).
EVENT_KINDS = ("note", "status", "assign", "handover")


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
    assignee: Optional[str] = None
    wait_notified_at: Optional[datetime] = None


@dataclass(frozen=True)
class TicketEvent:
    """One entry of a ticket's history (operator notes, status changes, assignments, hand-over)."""

    kind: str
    actor: str
    text: str
    created_at: datetime


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
        """Move a ticket along its life cycle (recorded in its history without an actor)."""
        return self._change_status(number, status, "")

    def _change_status(self, number: str, status: TicketStatus, actor: str) -> Optional[Ticket]:
        with self._sessions() as session, session.begin():
            row = one_row(session, TicketRow, TicketRow.number == number.strip().upper())
            if row is None:
                return None
            if TicketStatus(row.status) is not status:
                row.status = status
                row.updated_at = self._clock()
                self._event(session, row, "status", actor, status.value)
            return _to_ticket(row)

    def _event(self, session: Any, row: TicketRow, kind: str, actor: str, text: str) -> None:
        session.add(TicketEventRow(ticket_id=row.id, kind=kind, actor=actor or "", text=text,
                                   created_at=self._clock()))

    # --- the operator console's side (`bot.app.protocols.TicketDesk`) ---------------------------

    @off_loop
    def change_status(self, number: str, status: TicketStatus, actor: str) -> Optional[Ticket]:
        """Move a ticket along its life cycle on behalf of operator ``actor`` (history kept)."""
        return self._change_status(number, status, actor)

    @off_loop
    def assign(self, number: str, assignee: Optional[str], actor: str) -> Optional[Ticket]:
        """Give the ticket to operator ``assignee`` (None: nobody); an open ticket becomes
        ``in_progress`` when someone takes it."""
        with self._sessions() as session, session.begin():
            row = one_row(session, TicketRow, TicketRow.number == number.strip().upper())
            if row is None:
                return None
            if row.assignee != assignee:
                row.assignee = assignee
                row.updated_at = self._clock()
                self._event(session, row, "assign", actor, assignee or "")
            if assignee and TicketStatus(row.status) is TicketStatus.OPEN:
                row.status = TicketStatus.IN_PROGRESS
                self._event(session, row, "status", actor, TicketStatus.IN_PROGRESS.value)
            return _to_ticket(row)

    @off_loop
    def add_operator_note(self, number: str, actor: str, text: str) -> Optional[Ticket]:
        """An operator's internal note (never shown to the user)."""
        text = text.strip()[:MAX_OPERATOR_NOTE_CHARS]
        with self._sessions() as session, session.begin():
            row = one_row(session, TicketRow, TicketRow.number == number.strip().upper())
            if row is None or not text:
                return None
            row.updated_at = self._clock()
            self._event(session, row, "note", actor, text)
            return _to_ticket(row)

    @off_loop
    def record(self, number: str, kind: str, actor: str, text: str) -> bool:
        """Add an entry to a ticket's history (hand-over steps); False without such a ticket."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown ticket event kind {kind!r}")
        with self._sessions() as session, session.begin():
            row = one_row(session, TicketRow, TicketRow.number == number.strip().upper())
            if row is None:
                return False
            self._event(session, row, kind, actor, text)
            return True

    @off_loop
    def history(self, number: str) -> List[TicketEvent]:
        """The ticket's history, oldest first (empty for an unknown ticket)."""
        with self._sessions() as session:
            row = one_row(session, TicketRow, TicketRow.number == number.strip().upper())
            if row is None:
                return []
            rows = session.execute(select(TicketEventRow).where(TicketEventRow.ticket_id == row.id)
                                   .order_by(TicketEventRow.id)).scalars()
            return [from_row(TicketEvent, r) for r in rows]

    @off_loop
    def query(self, status: Optional[TicketStatus] = None, problem: Optional[str] = None,
              channel: Optional[str] = None, older_than: Optional[timedelta] = None,
              assignee: Optional[str] = None, limit: int = 200) -> List[Ticket]:
        """Tickets matching every given filter, oldest first for open work (the queue's order),
        newest first for resolved ones. ``older_than``: created at least that long ago."""
        query = select(TicketRow)
        if status is not None:
            query = query.where(TicketRow.status == status)
        if problem:
            query = query.where(TicketRow.problem == (None if problem == "none" else problem))
        if channel:
            query = query.where(TicketRow.channel == channel)
        if assignee:
            query = query.where(TicketRow.assignee == assignee)
        if older_than is not None:
            query = query.where(TicketRow.created_at <= self._clock() - older_than)
        order = TicketRow.id.desc() if status is TicketStatus.RESOLVED or status is None else TicketRow.id
        with self._sessions() as session:
            rows = session.execute(query.order_by(order).limit(limit)).scalars()
            return [_to_ticket(r) for r in rows]

    @off_loop
    def counts(self) -> Dict[str, int]:
        """How many tickets are in each status (every status present, 0 when none)."""
        counts = {status.value: 0 for status in TicketStatus}
        with self._sessions() as session:
            for status, count in session.execute(
                    select(TicketRow.status, func.count()).group_by(TicketRow.status)):
                counts[TicketStatus(status).value] = int(count)
        return counts

    @off_loop
    def waiting(self, longer_than: timedelta, within: timedelta) -> List[Ticket]:
        """Open tickets created between ``within`` and ``longer_than`` ago whose user has not
        been told about the wait and whose conversation no person has taken."""
        now = self._clock()
        taken = select(HandoverRow.sender_id)
        with self._sessions() as session:
            rows = session.execute(
                select(TicketRow).where(
                    TicketRow.status == TicketStatus.OPEN,
                    TicketRow.wait_notified_at.is_(None),
                    TicketRow.created_at <= now - longer_than,
                    TicketRow.created_at >= now - within,
                    TicketRow.sender_id.not_in(taken),
                ).order_by(TicketRow.id)).scalars()
            return [_to_ticket(r) for r in rows]

    @off_loop
    def claim_wait_notice(self, number: str) -> bool:
        """Mark that the user of ``number`` is being told about the wait; False when another
        process did it already (one notice per ticket, whatever runs this)."""
        with self._sessions() as session, session.begin():
            result = session.execute(
                update(TicketRow)
                .where(TicketRow.number == number, TicketRow.wait_notified_at.is_(None))
                .values(wait_notified_at=self._clock()))
            return bool(result.rowcount)

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
            ids = [row.id for row in rows]
            if ids:
                session.execute(delete(TicketEventRow).where(TicketEventRow.ticket_id.in_(ids)))
            session.execute(delete(HandoverRow).where(HandoverRow.sender_id == sender_id))
            for row in rows:
                session.delete(row)
            return len(rows)
