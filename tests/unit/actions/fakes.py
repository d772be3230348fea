"""Fakes for action tests: a tiny knowledge base, tickets, feedback, an invoice system."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from bot.app.invoices.base import InvoiceRecord, InvoiceStatus, InvoiceSystemUnavailable
from bot.app.tickets import Ticket, TicketStatus
from knowledge.types import Announcement, Escalation, FollowUpLevel, Problem, SearchHit, Step

CHINA = timezone(timedelta(hours=8))


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    intent: str = "greet",
    text: str = "",
    entities: Optional[List[Dict[str, Any]]] = None,
    sender_id: str = "user-1",
    active_loop: Optional[str] = None,
) -> Tracker:
    """A rasa-sdk tracker whose latest message has ``intent``, ``text`` and ``entities``."""
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message={
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities or [],
            "text": text,
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def make_problem(key: str = "login_failure", steps: int = 3) -> Problem:
    return Problem(
        key=key,
        title=f"{key} 标题",
        acknowledgement="理解您的着急。",
        symptoms=("症状",),
        causes=("原因",),
        checks=(),
        steps=tuple(
            Step(key, i, f"s{i}", f"步骤{i}", f"操作{i}", f"第{i}步没用时的说明") for i in range(steps)
        ),
        tips=("提示一", "提示二", "提示三", "提示四"),
        escalation=Escalation(key, ("总是失败",), ("截图",), "normal", 4, "4 小时内联系您。"),
    )


@dataclass
class FakeKnowledge:
    problems: Dict[str, Problem] = field(default_factory=lambda: {
        k: make_problem(k) for k in ("login_failure", "invoice_missing", "upload_failure")})
    announcements: List[Announcement] = field(default_factory=list)
    hits: List[SearchHit] = field(default_factory=list)

    def problem(self, key):
        return self.problems.get(key)

    def prevention_tip(self, key=None, seed=None):
        if key in self.problems:
            return self.problems[key].tips[0]
        return ["通用一", "通用二", "通用三"][(seed or 0) % 3]

    def escalation(self, key):
        problem = self.problems.get(key)
        return problem.escalation if problem else None

    def follow_up_levels(self):
        return [FollowUpLevel("normal", 8, "一个工作日内联系您。")]

    def active_announcements(self, now, problem=None):
        return [a for a in self.announcements if problem is None or not a.affects or problem in a.affects]

    def search(self, text, limit=3):
        return self.hits[:limit]


def announcement(affects=("login_failure",)) -> Announcement:
    now = datetime(2026, 11, 27, 10, tzinfo=CHINA)
    return Announcement("a1", "maintenance", "系统维护", "暂停服务。", now, now + timedelta(hours=2),
                        now + timedelta(hours=2), tuple(affects), "console")


class FakeTickets:
    def __init__(self, fail: bool = False) -> None:
        self.created: List[Ticket] = []
        self.fail = fail

    def create(self, sender_id, problem, details, steps_tried, channel=""):
        if self.fail:
            raise RuntimeError("database is gone")
        now = datetime(2026, 11, 27, 10, tzinfo=CHINA)
        ticket = Ticket(f"GD20261127-{len(self.created) + 1:06d}", sender_id, channel, problem,
                        TicketStatus.OPEN, dict(details), list(steps_tried), now, now)
        self.created.append(ticket)
        return ticket

    def by_number(self, number):
        return next((t for t in self.created if t.number == number.upper()), None)

    def add_note(self, number, text):
        ticket = self.by_number(number)
        if ticket is None or ticket.status is TicketStatus.RESOLVED:
            return None
        ticket.details.setdefault("notes", []).append(text)
        return ticket

    def latest_for(self, sender_id):
        mine = [t for t in self.created if t.sender_id == sender_id]
        return mine[-1] if mine else None


class FakeFeedback:
    def __init__(self) -> None:
        self.ratings: List[tuple] = []

    def record_rating(self, sender_id, rating, comment=None):
        self.ratings.append((sender_id, rating))


class FakeInvoices:
    def __init__(self, records: Dict[str, InvoiceRecord], down: bool = False) -> None:
        self.records = records
        self.down = down

    async def lookup(self, number, code=None):
        if self.down:
            raise InvoiceSystemUnavailable("timeout")
        return self.records.get(number)


def invoice(number: str, status: InvoiceStatus) -> InvoiceRecord:
    return InvoiceRecord(number, None, "增值税专用发票", status, date(2026, 11, 20), Decimal("12500"),
                         "卖方", "买方", datetime(2026, 11, 26, 9, tzinfo=CHINA), "缺少编码")
