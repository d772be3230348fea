"""The contract between the processes' glue (actions, console, channels) and the services.

One `Protocol` per service. The container (`bot.app.container`) returns these types, the
actions' constructors accept them, and the test fakes (tests/unit/fakes.py) are checked
against them (tests/unit/app/test_protocols.py), so a renamed or re-typed method breaks the
fakes, not a conversation in production.

Every method is a coroutine: implementations that block (SQL) run off the event loop.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import (
    Any,
    Collection,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    runtime_checkable,
)

from bot.app.analytics import DailyFigure
from bot.app.feedback import ConversationFeedback, Rating, Vote
from bot.app.handover import Handover
from bot.app.invoices.base import InvoiceRecord
from bot.app.kb_versions import VersionInfo
from bot.app.operators import Operator
from bot.app.service_level import ServicePromise
from bot.app.tickets import Ticket, TicketEvent, TicketStatus
from knowledge.engine import NextMove, StepView
from knowledge.types import (
    Announcement,
    Escalation,
    FollowUpLevel,
    KnownError,
    Problem,
    SearchHit,
    StepHelp,
)


@runtime_checkable
class KnowledgeReader(Protocol):
    """What the conversation needs from the knowledge base: problems and their steps, answers
    to questions during a step, the error catalogue, prevention tips, escalation routes and the
    service-level promise, search, and the announcements in effect."""

    async def problem(self, key: str) -> Optional[Problem]:
        """The problem with ``key``, or None."""

    async def first_step(self, problem_key: str, skip: Collection[str] = ()) -> StepView:
        """The first resolution step that ``skip`` (conditions in effect,
        `knowledge.types.StepSkip`) does not skip (raises `knowledge.errors.UnknownProblem`;
        `ValueError` for an unknown condition). Numbers are the content's: a skipped step keeps
        its number, and `StepView.skipped` names the steps passed over."""

    async def next_move(self, problem_key: str, index: int, outcome: str,
                        seed: Optional[int] = None, skip: Collection[str] = ()) -> NextMove:
        """What follows step ``index`` given the user's ``outcome`` (`knowledge.engine`): with
        ``not_solved``, the next step that ``skip`` does not skip, or escalation when none is
        left."""

    async def step_help(self, problem_key: str, index: Optional[int], text: str) -> Optional[StepHelp]:
        """The answer to a question or remark ``text`` made during step ``index`` (0-based, the
        step shown last; None while a pasted error's fix is on screen, then every step counts):
        from the step's ``context``, else the problem's ``general_questions``;
        None when nothing matches well enough, for outcomes ("没解决", "好了"), bare numbers,
        pauses, and unknown problems. The caller then offers the same step again; a
        ``not_applicable`` answer may carry conditions to add to ``skip`` (`StepHelp.implies`)."""

    async def known_error(self, key: str) -> Optional[KnownError]:
        """The error-catalogue entry with ``key`` (``errors.yml``), or None."""

    async def service_promise(self, priority: str, now: datetime,
                              since: Optional[datetime] = None) -> ServicePromise:
        """By when a person contacts the user for a ticket of ``priority`` (``urgent``,
        ``normal``, ``low``; `ValueError` for others), counted in working hours of working days
        (China time, holidays and 调休 included) from ``since`` (default ``now``), phrased
        relative to ``now`` (`bot.app.service_level`)."""

    async def prevention_tip(self, key: Optional[str] = None, seed: Optional[int] = None) -> str:
        """One prevention tip of the problem ``key`` (a general one for None)."""

    async def escalation(self, key: str) -> Optional[Escalation]:
        """The problem's escalation route, or None."""

    async def follow_up_levels(self) -> List[FollowUpLevel]:
        """Working hours until contact by priority, with a summary text that names no time
        (``support.yml:service_level``); `service_promise` gives the deadline."""

    async def search(self, text: str, limit: int = 3) -> List[SearchHit]:
        """The best knowledge-base matches for ``text``."""

    async def active_announcements(self, now: datetime, problem: Optional[str] = None) -> List[Announcement]:
        """Announcements in effect at ``now`` (those affecting ``problem`` if given)."""


@runtime_checkable
class AnnouncementStore(Protocol):
    """Maintenance and outage announcements as the console publishes and ends them."""

    async def announcements(self, source: Optional[str] = None) -> List[Announcement]:
        """Every announcement (of one source: ``content`` or ``console``), newest first."""

    async def add_announcement(
        self, title: str, message: str, *, kind: str = "incident", affects: Iterable[str] = (),
        starts_at: Optional[datetime] = None, ends_at: Optional[datetime] = None,
        expected_recovery: Optional[datetime] = None, announcement_id: Optional[str] = None,
    ) -> Announcement:
        """Publish an announcement (raises `knowledge.errors.InvalidAnnouncement`)."""

    async def end_announcement(self, announcement_id: str, now: Optional[datetime] = None) -> bool:
        """End an announcement now; False when there is none in effect with that id."""


@runtime_checkable
class TicketStore(Protocol):
    """Hand-over tickets."""

    async def create(self, sender_id: str, problem: Optional[str], details: Mapping[str, Any],
                     steps_tried: Sequence[str], channel: str = "") -> Ticket:
        """Store a new open ticket and number it."""

    async def by_number(self, number: str) -> Optional[Ticket]:
        """A ticket by its number (case-insensitive), or None."""

    async def latest_for(self, sender_id: str) -> Optional[Ticket]:
        """The newest ticket of one conversation, or None."""

    async def add_note(self, number: str, text: str) -> Optional[Ticket]:
        """Append a detail the user added after the hand-over (None: no such open ticket)."""

    async def set_status(self, number: str, status: TicketStatus) -> Optional[Ticket]:
        """Move a ticket along its life cycle (None: no such ticket)."""

    async def recent(self, limit: int = 50) -> List[Ticket]:
        """Newest tickets first."""

    async def forget_sender(self, sender_id: str) -> int:
        """Delete every ticket of one user; how many were deleted."""


@runtime_checkable
class FeedbackStore(Protocol):
    """Votes on single answers and end-of-conversation ratings."""

    async def record_vote(self, sender_id: str, message_id: str, text: str, up: bool) -> Vote:
        """Store (or replace) a vote on one answer (raises `bot.app.feedback.InvalidFeedback`)."""

    async def record_rating(self, sender_id: str, rating: int, comment: Optional[str] = None) -> Rating:
        """Store a 1–5 rating (raises `bot.app.feedback.InvalidFeedback`)."""

    async def for_conversation(self, sender_id: str) -> ConversationFeedback:
        """Votes and ratings of one conversation, oldest first."""

    async def forget_sender(self, sender_id: str) -> int:
        """Delete every vote and rating of one user; how many were deleted."""


@runtime_checkable
class InvoiceSystem(Protocol):
    """The customer's invoice platform (embedded SQL demo system or the HTTP API)."""

    async def lookup(self, number: str, code: Optional[str] = None) -> Optional[InvoiceRecord]:
        """The invoice, or None when the system has none (raises
        `bot.app.invoices.base.InvoiceSystemUnavailable` when it cannot answer in time)."""

    async def close(self) -> None:
        """Release connections."""


@runtime_checkable
class AnalyticsStore(Protocol):
    """Per-day conversation aggregates (`bot.app.analytics`: metrics and keys), filled from
    Rasa's events; what the operator dashboard's charts read."""

    async def record(self, events: Sequence[Mapping[str, Any]], source: str = "broker") -> int:
        """Count Rasa events (dicts with ``sender_id``, oldest first) in one transaction,
        skipping any counted before (same content, same id); how many were new."""

    async def daily(self, first: date, last: date, channel: Optional[str] = None) -> List[DailyFigure]:
        """Every aggregate from ``first`` to ``last`` (China dates, inclusive), oldest first."""

    async def totals(self, first: date, last: date) -> Dict[str, Dict[str, int]]:
        """metric → key → count from ``first`` to ``last``, over every channel."""

    async def forget_sender(self, sender_id: str) -> int:
        """Delete what is kept of one conversation (the counts themselves are anonymous)."""


@runtime_checkable
class TicketDesk(Protocol):
    """The support team's side of the tickets (operator console): the queue, assignment,
    internal notes, status changes with their history, the wait notice of live hand-over."""

    async def query(self, status: Optional[TicketStatus] = None, problem: Optional[str] = None,
                    channel: Optional[str] = None, older_than: Optional[timedelta] = None,
                    assignee: Optional[str] = None, limit: int = 200) -> List[Ticket]:
        """Tickets matching every given filter (``problem="none"``: without a problem)."""

    async def counts(self) -> Dict[str, int]:
        """Tickets per status value (every status present)."""

    async def by_number(self, number: str) -> Optional[Ticket]:
        """A ticket by its number (case-insensitive), or None."""

    async def history(self, number: str) -> List[TicketEvent]:
        """The ticket's history, oldest first."""

    async def change_status(self, number: str, status: TicketStatus, actor: str) -> Optional[Ticket]:
        """Set the status on behalf of operator ``actor`` (None: no such ticket)."""

    async def assign(self, number: str, assignee: Optional[str], actor: str) -> Optional[Ticket]:
        """Assign to operator ``assignee`` (None: unassign); an open ticket goes in progress."""

    async def add_operator_note(self, number: str, actor: str, text: str) -> Optional[Ticket]:
        """An internal note by ``actor`` (None: no such ticket or empty text)."""

    async def record(self, number: str, kind: str, actor: str, text: str) -> bool:
        """Add a history entry (``kind`` one of `bot.app.tickets.EVENT_KINDS`)."""

    async def waiting(self, longer_than: timedelta, within: timedelta) -> List[Ticket]:
        """Open tickets waiting longer than ``longer_than`` (created within ``within``), not
        taken by a person and not yet told about the wait."""

    async def claim_wait_notice(self, number: str) -> bool:
        """Mark the wait notice as sent; False when it was already."""


@runtime_checkable
class OperatorDirectory(Protocol):
    """Operator accounts (`bot.app.operators`)."""

    async def add(self, username: str, password: str, role: str = "agent", display_name: str = "") -> Operator:
        """Create an operator (raises `bot.app.operators.InvalidOperator`)."""

    async def authenticate(self, username: str, password: str) -> Optional[Operator]:
        """The active operator with this password, or None."""

    async def get(self, username: str) -> Optional[Operator]:
        """An operator by user name, or None."""

    async def all(self) -> List[Operator]:
        """Every operator."""

    async def count(self) -> int:
        """How many operators exist."""

    async def update(self, username: str, *, role: Optional[str] = None, active: Optional[bool] = None,
                     display_name: Optional[str] = None, password: Optional[str] = None) -> Optional[Operator]:
        """Change an operator (None: unknown)."""

    async def bootstrap(self, password: str) -> Optional[Operator]:
        """Create ``admin`` when no operator exists (None: there is one already, or no password)."""


@runtime_checkable
class HandoverState(Protocol):
    """Which conversations a person has taken (`bot.app.handover`)."""

    async def active(self, sender_id: str) -> Optional[Handover]:
        """The hand-over of this conversation, or None."""

    async def take(self, sender_id: str, ticket_number: str, channel: str, agent: str,
                   agent_name: str = "") -> Handover:
        """Take the conversation (raises `bot.app.handover.HandoverTaken`)."""

    async def release(self, sender_id: str) -> Optional[Handover]:
        """Give the conversation back to the assistant."""

    async def all_active(self) -> List[Handover]:
        """Every conversation a person has now."""


@runtime_checkable
class UnrecognisedMessages(Protocol):
    """What users wrote that NLU left at ``nlu_fallback`` (`bot.app.unrecognised`)."""

    async def most_frequent(self, first: date, last: date, limit: int = 10) -> List[Tuple[str, int]]:
        """The most frequent unrecognised messages from ``first`` to ``last`` (China dates),
        personal data masked, with how often each was sent."""


@runtime_checkable
class KnowledgeVersions(Protocol):
    """Drafts, publications and rollback of the knowledge content (`bot.app.kb_versions`).
    Content is ``{file name: YAML text}``."""

    async def current(self) -> Tuple[int, Dict[str, str]]:
        """The published content and its version id (0: the repository's files)."""

    async def draft(self, author: str) -> Dict[str, str]:
        """``author``'s draft (a copy of the published content when there is none)."""

    async def has_draft(self, author: str) -> bool:
        """Whether ``author`` has a draft."""

    async def save_draft(self, author: str, content: Dict[str, str]) -> None:
        """Keep ``content`` as ``author``'s draft."""

    async def discard_draft(self, author: str) -> bool:
        """Forget ``author``'s draft."""

    async def check(self, content: Dict[str, str]) -> List[str]:
        """``python -m knowledge check`` on ``content`` (empty: valid)."""

    async def publish(self, author: str, note: str = "") -> int:
        """Check and publish ``author``'s draft (raises `bot.app.kb_versions.InvalidDraft`)."""

    async def rollback(self, version_id: int, author: str) -> int:
        """Publish a copy of an older version (KeyError: no such version)."""

    async def versions(self, limit: int = 30) -> List[VersionInfo]:
        """Published and superseded versions, newest first."""


@runtime_checkable
class FeedbackReview(Protocol):
    """The support team's view of the votes and ratings (operator console)."""

    async def annotate_vote(self, sender_id: str, message_id: str, comment: Optional[str],
                            step: Optional[str]) -> Optional[Vote]:
        """Add a comment and the step the answer belonged to (None: no such vote)."""

    async def recent_votes(self, first: date, last: date, only_down: bool = False, limit: int = 200) -> List[Vote]:
        """Votes of the days ``first`` .. ``last``, newest first."""

    async def recent_ratings(self, first: date, last: date, limit: int = 200) -> List[Rating]:
        """Ratings of the days ``first`` .. ``last``, newest first."""

    async def step_summary(self, first: date, last: date) -> Dict[str, Tuple[int, int]]:
        """step (``<problem>:<n>``, ``""`` outside steps) → (up, down)."""
