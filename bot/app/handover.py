"""Live hand-over state: which conversations a person has taken.

While a conversation has a row in ``handovers`` the assistant stays silent in it: the Rasa
server's plug-in (`bot.rasa_plugins.handover`) stores the user's messages in the tracker and
predicts nothing. The console sets and clears the row (`bot.app.protocols.HandoverState`);
docs/operator.md describes the whole flow.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import select

from bot.app.blocking import off_loop
from bot.app.database import StoredService, from_row, one_row
from bot.app.models import HandoverRow


@dataclass(frozen=True)
class Handover:
    """A conversation a person has taken."""

    sender_id: str
    ticket_number: str
    channel: str
    agent: str
    agent_name: str
    started_at: datetime


class HandoverTaken(Exception):
    """Another operator has this conversation already."""

    def __init__(self, current: Handover) -> None:
        super().__init__(f"taken by {current.agent}")
        self.current = current


class SqlHandoverState(StoredService):
    """Hand-overs in the application database (`bot.app.protocols.HandoverState`)."""

    def active_now(self, sender_id: str) -> Optional[Handover]:
        """`active`, synchronously (for code already off the event loop)."""
        with self._sessions() as session:
            row = one_row(session, HandoverRow, HandoverRow.sender_id == sender_id)
            return from_row(Handover, row) if row is not None else None

    @off_loop
    def active(self, sender_id: str) -> Optional[Handover]:
        """The hand-over of this conversation, or None (the assistant answers)."""
        return self.active_now(sender_id)

    @off_loop
    def take(self, sender_id: str, ticket_number: str, channel: str, agent: str,
             agent_name: str = "") -> Handover:
        """Operator ``agent`` takes the conversation (raises `HandoverTaken` when another
        operator has it; taking it again is harmless)."""
        with self._sessions() as session, session.begin():
            row = one_row(session, HandoverRow, HandoverRow.sender_id == sender_id)
            if row is not None:
                if row.agent != agent:
                    raise HandoverTaken(from_row(Handover, row))
                return from_row(Handover, row)
            row = HandoverRow(sender_id=sender_id, ticket_number=ticket_number, channel=channel or "",
                              agent=agent, agent_name=agent_name or agent, started_at=self._clock())
            session.add(row)
            session.flush()
            return from_row(Handover, row)

    @off_loop
    def release(self, sender_id: str) -> Optional[Handover]:
        """End the hand-over (the assistant answers again); what it was, or None."""
        with self._sessions() as session, session.begin():
            row = one_row(session, HandoverRow, HandoverRow.sender_id == sender_id)
            if row is None:
                return None
            ended = from_row(Handover, row)
            session.delete(row)
            return ended

    @off_loop
    def all_active(self) -> List[Handover]:
        """Every conversation a person has now, oldest first."""
        with self._sessions() as session:
            rows = session.execute(select(HandoverRow).order_by(HandoverRow.started_at)).scalars()
            return [from_row(Handover, r) for r in rows]
