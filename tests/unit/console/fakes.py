"""In-memory fakes of the operator console's services, checked against their protocols
(tests/unit/app/test_protocols.py)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Dict, List, Optional

from bot.app.database import china_now
from bot.app.handover import Handover, HandoverTaken
from bot.app.operators import Operator, check_password, check_role, check_username
from bot.app.tickets import Ticket, TicketEvent, TicketStatus
from tests.unit.actions.fakes import FakeTickets


class FakeTicketDesk(FakeTickets):
    """`bot.app.protocols.TicketDesk` over `FakeTickets`' list."""

    def __init__(self) -> None:
        super().__init__()
        self.events: Dict[str, List[TicketEvent]] = {}

    def _log(self, number: str, kind: str, actor: str, text: str) -> None:
        self.events.setdefault(number, []).append(TicketEvent(kind, actor, text, china_now()))

    def _replace(self, ticket: Ticket, **changes) -> Ticket:
        self.created[self.created.index(ticket)] = updated = dataclasses.replace(ticket, **changes)
        return updated

    async def query(self, status: Optional[TicketStatus] = None, problem: Optional[str] = None,
                    channel: Optional[str] = None, older_than: Optional[timedelta] = None,
                    assignee: Optional[str] = None, limit: int = 200) -> List[Ticket]:
        found = [t for t in self.created if (status is None or t.status is status)
                 and (not problem or t.problem == (None if problem == "none" else problem))
                 and (not channel or t.channel == channel) and (not assignee or t.assignee == assignee)]
        return found[:limit]

    async def counts(self) -> Dict[str, int]:
        return {s.value: sum(t.status is s for t in self.created) for s in TicketStatus}

    async def history(self, number: str) -> List[TicketEvent]:
        return list(self.events.get(number, []))

    async def change_status(self, number: str, status: TicketStatus, actor: str) -> Optional[Ticket]:
        ticket = await self.by_number(number)
        if ticket is None:
            return None
        self._log(number, "status", actor, status.value)
        return self._replace(ticket, status=status)

    async def assign(self, number: str, assignee: Optional[str], actor: str) -> Optional[Ticket]:
        ticket = await self.by_number(number)
        if ticket is None:
            return None
        self._log(number, "assign", actor, assignee or "")
        return self._replace(ticket, assignee=assignee)

    async def add_operator_note(self, number: str, actor: str, text: str) -> Optional[Ticket]:
        ticket = await self.by_number(number)
        if ticket is None or not text.strip():
            return None
        self._log(number, "note", actor, text)
        return ticket

    async def record(self, number: str, kind: str, actor: str, text: str) -> bool:
        if await self.by_number(number) is None:
            return False
        self._log(number, kind, actor, text)
        return True

    async def waiting(self, longer_than: timedelta, within: timedelta) -> List[Ticket]:
        return [t for t in self.created if t.status is TicketStatus.OPEN and t.wait_notified_at is None]

    async def claim_wait_notice(self, number: str) -> bool:
        ticket = await self.by_number(number)
        if ticket is None or ticket.wait_notified_at is not None:
            return False
        self._replace(ticket, wait_notified_at=china_now())
        return True


class FakeOperators:
    """`bot.app.protocols.OperatorDirectory` with plain-text passwords (tests only)."""

    def __init__(self) -> None:
        self.people: Dict[str, tuple] = {}

    async def add(self, username: str, password: str, role: str = "agent", display_name: str = "") -> Operator:
        name = check_username(username)
        self.people[name] = (Operator(name, display_name, check_role(role), True, china_now(), None),
                             check_password(password))
        return self.people[name][0]

    async def authenticate(self, username: str, password: str) -> Optional[Operator]:
        found = self.people.get(username)
        return found[0] if found and found[1] == password and found[0].active else None

    async def get(self, username: str) -> Optional[Operator]:
        found = self.people.get(username)
        return found[0] if found else None

    async def all(self) -> List[Operator]:
        return [p[0] for p in self.people.values()]

    async def count(self) -> int:
        return len(self.people)

    async def update(self, username: str, *, role: Optional[str] = None, active: Optional[bool] = None,
                     display_name: Optional[str] = None, password: Optional[str] = None) -> Optional[Operator]:
        found = self.people.get(username)
        if not found:
            return None
        person = dataclasses.replace(found[0], **{k: v for k, v in (
            ("role", role), ("active", active), ("display_name", display_name)) if v is not None})
        self.people[username] = (person, password or found[1])
        return person

    async def bootstrap(self, password: str) -> Optional[Operator]:
        if self.people or not password:
            return None
        return await self.add("admin", password, "admin")


class FakeHandovers:
    """`bot.app.protocols.HandoverState` in a dict."""

    def __init__(self) -> None:
        self.taken: Dict[str, Handover] = {}

    async def active(self, sender_id: str) -> Optional[Handover]:
        return self.taken.get(sender_id)

    async def take(self, sender_id: str, ticket_number: str, channel: str, agent: str,
                   agent_name: str = "") -> Handover:
        current = self.taken.get(sender_id)
        if current is not None and current.agent != agent:
            raise HandoverTaken(current)
        self.taken[sender_id] = Handover(sender_id, ticket_number, channel, agent, agent_name or agent,
                                         datetime.now())
        return self.taken[sender_id]

    async def release(self, sender_id: str) -> Optional[Handover]:
        return self.taken.pop(sender_id, None)

    async def all_active(self) -> List[Handover]:
        return list(self.taken.values())


class FakeUnrecognised:
    """`bot.app.protocols.UnrecognisedMessages` with fixed answers."""

    def __init__(self, found=()) -> None:
        self.found = list(found)

    async def most_frequent(self, first, last, limit: int = 10):
        return self.found[:limit]


class FakeKnowledgeVersions:
    """`bot.app.protocols.KnowledgeVersions` in memory (no checks, no loading)."""

    def __init__(self, content=None) -> None:
        self.published = [dict(content or {})]
        self.drafts = {}

    async def current(self):
        return len(self.published) - 1, dict(self.published[-1])

    async def draft(self, author: str):
        return dict(self.drafts.get(author) or self.published[-1])

    async def has_draft(self, author: str) -> bool:
        return author in self.drafts

    async def save_draft(self, author: str, content) -> None:
        self.drafts[author] = dict(content)

    async def discard_draft(self, author: str) -> bool:
        return self.drafts.pop(author, None) is not None

    async def check(self, content):
        return []

    async def publish(self, author: str, note: str = "") -> int:
        self.published.append(self.drafts.pop(author))
        return len(self.published) - 1

    async def rollback(self, version_id: int, author: str) -> int:
        self.published.append(dict(self.published[version_id]))
        return len(self.published) - 1

    async def versions(self, limit: int = 30):
        return []


class FakeFeedbackReview:
    """`bot.app.protocols.FeedbackReview` over a list of votes."""

    def __init__(self) -> None:
        self.votes = []
        self.ratings = []

    async def annotate_vote(self, sender_id, message_id, comment, step):
        for index, vote in enumerate(self.votes):
            if (vote.sender_id, vote.message_id) == (sender_id, message_id):
                self.votes[index] = dataclasses.replace(vote, comment=comment, step=step)
                return self.votes[index]
        return None

    async def recent_votes(self, first, last, only_down: bool = False, limit: int = 200):
        return [v for v in self.votes if not (only_down and v.up)][:limit]

    async def recent_ratings(self, first, last, limit: int = 200):
        return self.ratings[:limit]

    async def step_summary(self, first, last):
        summary = {}
        for vote in self.votes:
            up, down = summary.get(vote.step or "", (0, 0))
            summary[vote.step or ""] = (up + vote.up, down + (not vote.up))
        return summary
