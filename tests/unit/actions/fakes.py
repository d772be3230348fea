"""Fakes of the services (`bot.app.protocols`) for action tests: a tiny knowledge base, tickets,
feedback, an invoice system. tests/unit/app/test_protocols.py checks them against the protocols."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Collection, Dict, List, Mapping, Optional, Sequence

from rasa_sdk import Tracker

from bot.app import service_level
from bot.app.feedback import ConversationFeedback, Rating, Vote
from bot.app.invoices.base import InvoiceRecord, InvoiceStatus, InvoiceSystemUnavailable
from bot.app.service_level import ServicePromise
from bot.app.tickets import Ticket, TicketStatus
from knowledge.engine import NextMove, StepView, Troubleshooter
from knowledge.types import (
    Announcement,
    Escalation,
    FollowUpLevel,
    KnownError,
    Problem,
    SearchHit,
    ServiceLevel,
    Step,
    StepHelp,
)

CHINA = timezone(timedelta(hours=8))


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    intent: str = "greet",
    text: str = "",
    entities: Optional[List[Dict[str, Any]]] = None,
    sender_id: str = "user-1",
    active_loop: Optional[str] = None,
    confidence: float = 1.0,
    events: Optional[List[Dict[str, Any]]] = None,
    ranking: Optional[List[str]] = None,
) -> Tracker:
    """A rasa-sdk tracker whose latest message has ``intent``, ``text``, ``entities`` and, when
    given, the intents of its ranking (after the first, with falling made-up confidences)."""
    latest: Dict[str, Any] = {"intent": {"name": intent, "confidence": confidence},
                              "entities": entities or [], "text": text}
    if ranking is not None:
        latest["intent_ranking"] = [{"name": name, "confidence": confidence / (rank + 1)}
                                    for rank, name in enumerate(ranking)]
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=latest,
        events=list(events or []),
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


#: A Monday in working hours (China time): service-level promises are deterministic from here.
MONDAY_10 = datetime(2026, 11, 30, 10, tzinfo=timezone(timedelta(hours=8)))


def user_event(text: str, intent: str) -> Dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 1.0}}}


def form_tracker(answers: List[str], intent: str = "inform", opener: str = "发票在系统里找不到",
                 slots: Optional[Dict[str, Any]] = None) -> Tracker:
    """A tracker in ``invoice_form``: the opener, the activation, then ``answers`` (the last one
    with ``intent``, the others "inform", or "wait" when they ask to wait)."""
    events = [user_event(opener, "invoice_missing"), {"event": "active_loop", "name": "invoice_form"}]
    for i, answer in enumerate(answers):
        last = i == len(answers) - 1
        events.append(user_event(answer, intent if last else ("wait" if "等" in answer else "inform")))
    latest_text, latest_intent = (answers[-1], intent) if answers else (opener, intent)
    return make_tracker(slots, intent=latest_intent, text=latest_text, active_loop="invoice_form",
                        events=events)


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


#: The service level of the fake: the shipped one's shape (08:30-17:30; 4 / 9 / 18 working hours).
FAKE_SERVICE_LEVEL = ServiceLevel(
    time(8, 30), time(17, 30), (("urgent", 4), ("normal", 9), ("low", 18)),
    (("promise", "专人会在{due}联系您。"),
     ("promise_outside_hours", "现在是非工作时间，专人会在{due}联系您。"),
     ("promise_overdue", "抱歉，应在{due}联系您，已经超时。"),
     ("summary", "{hours}内联系您。")))


@dataclass
class FakeKnowledge:
    """`bot.app.protocols.KnowledgeReader` over a few problems made by `make_problem`.

    ``step_helps`` answers `step_help` by the message text exactly (any problem and step);
    ``known_errors`` holds catalogue entries by key; the service promise is computed by
    `bot.app.service_level` from `FAKE_SERVICE_LEVEL`."""

    problems: Dict[str, Problem] = field(default_factory=lambda: {
        k: make_problem(k) for k in ("login_failure", "invoice_missing", "upload_failure")})
    announcements: List[Announcement] = field(default_factory=list)
    hits: List[SearchHit] = field(default_factory=list)
    step_helps: Dict[str, StepHelp] = field(default_factory=dict)
    known_errors: Dict[str, KnownError] = field(default_factory=dict)
    level: ServiceLevel = FAKE_SERVICE_LEVEL

    async def problem(self, key: str) -> Optional[Problem]:
        return self.problems.get(key)

    def _engine(self) -> Troubleshooter:
        return Troubleshooter(_SyncProblems(self))

    async def first_step(self, problem_key: str, skip: Collection[str] = ()) -> StepView:
        return self._engine().start(problem_key, skip=skip)

    async def next_move(self, problem_key: str, index: int, outcome: str,
                        seed: Optional[int] = None, skip: Collection[str] = ()) -> NextMove:
        return self._engine().after(problem_key, index, outcome, seed=seed, skip=skip)

    async def step_help(self, problem_key: str, index: Optional[int], text: str) -> Optional[StepHelp]:
        return self.step_helps.get(text) if problem_key in self.problems else None

    async def known_error(self, key: str) -> Optional[KnownError]:
        return self.known_errors.get(key)

    async def service_promise(self, priority: str, now: datetime,
                              since: Optional[datetime] = None) -> ServicePromise:
        return service_level.promise(self.level, priority, now, since)

    def tip(self, key: Optional[str] = None, seed: Optional[int] = None) -> str:
        if key in self.problems:
            return self.problems[key].tips[0]
        return ["通用一", "通用二", "通用三"][(seed or 0) % 3]

    async def prevention_tip(self, key: Optional[str] = None, seed: Optional[int] = None) -> str:
        return self.tip(key, seed)

    async def escalation(self, key: str) -> Optional[Escalation]:
        problem = self.problems.get(key)
        return problem.escalation if problem else None

    async def follow_up_levels(self) -> List[FollowUpLevel]:
        return [FollowUpLevel("normal", 8, "一个工作日内联系您。")]

    async def active_announcements(self, now: datetime, problem: Optional[str] = None) -> List[Announcement]:
        return [a for a in self.announcements if problem is None or not a.affects or problem in a.affects]

    async def search(self, text: str, limit: int = 3) -> List[SearchHit]:
        return self.hits[:limit]


@dataclass
class _SyncProblems:
    """The synchronous reader `knowledge.engine.Troubleshooter` walks (the real engine)."""

    fake: FakeKnowledge

    def problem(self, key: str) -> Optional[Problem]:
        return self.fake.problems.get(key)

    def prevention_tip(self, key: Optional[str] = None, seed: Optional[int] = None) -> str:
        return self.fake.tip(key, seed)


def announcement(affects=("login_failure",)) -> Announcement:
    now = datetime(2026, 11, 27, 10, tzinfo=CHINA)
    return Announcement("a1", "maintenance", "系统维护", "暂停服务。", now, now + timedelta(hours=2),
                        now + timedelta(hours=2), tuple(affects), "console")


class FakeTickets:
    """`bot.app.protocols.TicketStore` in a list; ``fail=True`` makes creation fail."""

    def __init__(self, fail: bool = False) -> None:
        self.created: List[Ticket] = []
        self.fail = fail

    async def create(self, sender_id: str, problem: Optional[str], details: Mapping[str, Any],
                     steps_tried: Sequence[str], channel: str = "") -> Ticket:
        if self.fail:
            raise RuntimeError("database is gone")
        now = datetime(2026, 11, 27, 10, tzinfo=CHINA)
        ticket = Ticket(f"GD20261127-{len(self.created) + 1:06d}", sender_id, channel, problem,
                        TicketStatus.OPEN, dict(details), list(steps_tried), now, now)
        self.created.append(ticket)
        return ticket

    async def by_number(self, number: str) -> Optional[Ticket]:
        return next((t for t in self.created if t.number == number.upper()), None)

    async def add_note(self, number: str, text: str) -> Optional[Ticket]:
        ticket = await self.by_number(number)
        if ticket is None or ticket.status is TicketStatus.RESOLVED:
            return None
        ticket.details.setdefault("notes", []).append(text)
        return ticket

    async def latest_for(self, sender_id: str) -> Optional[Ticket]:
        mine = [t for t in self.created if t.sender_id == sender_id]
        return mine[-1] if mine else None

    async def set_status(self, number: str, status: TicketStatus) -> Optional[Ticket]:
        ticket = await self.by_number(number)
        if ticket is None:
            return None
        self.created[self.created.index(ticket)] = updated = dataclasses.replace(ticket, status=status)
        return updated

    async def recent(self, limit: int = 50) -> List[Ticket]:
        return list(reversed(self.created))[:limit]

    async def forget_sender(self, sender_id: str) -> int:
        before = len(self.created)
        self.created = [t for t in self.created if t.sender_id != sender_id]
        return before - len(self.created)


class FakeFeedback:
    """`bot.app.protocols.FeedbackStore` in lists."""

    def __init__(self) -> None:
        self.ratings: List[tuple] = []
        self.votes: List[Vote] = []

    async def record_vote(self, sender_id: str, message_id: str, text: str, up: bool) -> Vote:
        vote = Vote(sender_id, message_id, text, up, datetime(2026, 11, 27, 10, tzinfo=CHINA))
        others = [v for v in self.votes if (v.sender_id, v.message_id) != (sender_id, message_id)]
        self.votes = others + [vote]
        return vote

    async def record_rating(self, sender_id: str, rating: int, comment: Optional[str] = None) -> Rating:
        self.ratings.append((sender_id, rating))
        return Rating(sender_id, rating, comment, datetime(2026, 11, 27, 10, tzinfo=CHINA))

    async def for_conversation(self, sender_id: str) -> ConversationFeedback:
        ratings = [Rating(s, r, None, datetime(2026, 11, 27, 10, tzinfo=CHINA)) for s, r in self.ratings
                   if s == sender_id]
        return ConversationFeedback(sender_id, [v for v in self.votes if v.sender_id == sender_id], ratings)

    async def forget_sender(self, sender_id: str) -> int:
        before = len(self.ratings) + len(self.votes)
        self.ratings = [r for r in self.ratings if r[0] != sender_id]
        self.votes = [v for v in self.votes if v.sender_id != sender_id]
        return before - len(self.ratings) - len(self.votes)


class FakeInvoices:
    """`bot.app.protocols.InvoiceSystem` over a dict; ``down=True`` makes it unavailable."""

    def __init__(self, records: Dict[str, InvoiceRecord], down: bool = False) -> None:
        self.records = records
        self.down = down

    async def lookup(self, number: str, code: Optional[str] = None) -> Optional[InvoiceRecord]:
        if self.down:
            raise InvoiceSystemUnavailable("timeout")
        return self.records.get(number)

    async def close(self) -> None:
        return None


#: The fake invoices' seller tax ID: a conversation must show it (or the buyer's) to see them.
SELLER_TAX_ID = "91110108MA01A2B3CF"
BUYER_TAX_ID = "91110105MA00K7P8QR"


def invoice(number: str, status: InvoiceStatus) -> InvoiceRecord:
    return InvoiceRecord(number, None, "增值税专用发票", status, date(2026, 11, 20), Decimal("12500"),
                         "卖方", "买方", datetime(2026, 11, 26, 9, tzinfo=CHINA), "缺少编码",
                         seller_tax_id=SELLER_TAX_ID, buyer_tax_id=BUYER_TAX_ID)
