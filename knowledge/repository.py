"""Read (and, for announcements, write) access to the knowledge base.

`KnowledgeBase` is what the runtime uses: every method opens its own session, runs 2.0-style
queries and returns frozen dataclasses from `knowledge.types`.
"""
from __future__ import annotations

import random
import threading
import uuid
from datetime import datetime, time, timedelta, timezone
from typing import Iterable, List, Optional, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from knowledge.errors import InvalidAnnouncement, KnowledgeNotLoaded
from knowledge.models import (
    AnnouncementRow,
    FaqRow,
    FollowUpLevelRow,
    GeneralTipRow,
    KnownErrorRow,
    ProblemRow,
    ProblemTipRow,
    ServiceLevelRow,
    StepRow,
    SupportChannelRow,
)
from knowledge.search import GOOD_MATCH, SearchDocument, SearchIndex
from knowledge.step_help import STEP_HELP_MATCH, StepHelpIndex
from knowledge.types import (
    ANNOUNCEMENT_KINDS,
    PROBLEM_KEYS,
    Announcement,
    Check,
    ContextEntry,
    Escalation,
    FollowUpLevel,
    KnownError,
    Problem,
    SearchHit,
    ServiceLevel,
    Step,
    StepHelp,
    SupportChannel,
)

#: China Standard Time; announcements are returned in this offset.
CST = timezone(timedelta(hours=8), "CST")

__all__ = ["CST", "GOOD_MATCH", "STEP_HELP_MATCH", "KnowledgeBase"]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        # Naive values are taken as UTC (what datetime.utcnow() returns); pass aware ones.
        return value.replace(tzinfo=timezone.utc)
    return value


def _cst(value: Optional[datetime]) -> Optional[datetime]:
    return None if value is None else value.astimezone(CST)


class KnowledgeBase:
    """The knowledge base over a SQLAlchemy session factory.

    Args:
        session_factory: A 2.0-style ``sessionmaker``; one session is opened per call.
    """

    def __init__(self, session_factory) -> None:
        self._sessions = session_factory
        self._index: Optional[SearchIndex] = None
        self._help: Optional[StepHelpIndex] = None
        self._index_lock = threading.Lock()

    # ----------------------------------------------------------------- problems

    def problem_keys(self) -> List[str]:
        """Keys of the loaded problems, in the canonical order."""
        with self._sessions() as s:
            keys = set(s.execute(select(ProblemRow.key)).scalars())
        return [k for k in PROBLEM_KEYS if k in keys] + sorted(keys - set(PROBLEM_KEYS))

    def problem(self, key: str) -> Optional[Problem]:
        """The problem with ``key``, or None if there is none (also before the first load)."""
        with self._sessions() as s:
            row = s.execute(_problems_query().where(ProblemRow.key == key)).scalar_one_or_none()
            return None if row is None else _problem(row)

    def problems(self) -> List[Problem]:
        """Every loaded problem, in the canonical order."""
        with self._sessions() as s:
            rows = {r.key: r for r in s.execute(_problems_query()).scalars()}
            order = {k: i for i, k in enumerate(PROBLEM_KEYS)}
            return [_problem(rows[k]) for k in sorted(rows, key=lambda k: (order.get(k, len(order)), k))]

    def step_help(self, problem_key: str, index: Optional[int], text: str) -> Optional[StepHelp]:
        """The answer to a question or remark ``text`` made during step ``index`` (0-based) of
        ``problem_key``: the best matching entry of the step's ``context``, else of the problem's
        ``general_questions``, if it scores at least `STEP_HELP_MATCH`; otherwise None (an
        outcome such as "没解决", a request for a person, thanks, or an unknown problem). With
        ``index`` None (a pasted error's fix is on screen, no step) every step's context counts.

        The index is built on first use over every problem and cached (`refresh`).
        """
        return self._step_help_index().match(problem_key, index, text)

    def _step_help_index(self) -> StepHelpIndex:
        with self._index_lock:
            if self._help is None:
                problems = self.problems()
                if not problems:
                    return StepHelpIndex(())  # nothing loaded yet: do not cache the empty index
                self._help = StepHelpIndex(problems)
            return self._help

    def step(self, key: str, index: int) -> Optional[Step]:
        """Step ``index`` (0-based) of problem ``key``, or None if either does not exist."""
        problem = self.problem(key)
        if problem is None or not 0 <= index < len(problem.steps):
            return None
        return problem.steps[index]

    def step_count(self, key: str) -> int:
        """Number of resolution steps of problem ``key`` (0 for an unknown problem)."""
        with self._sessions() as s:
            return s.execute(
                select(func.count(StepRow.id)).join(ProblemRow).where(ProblemRow.key == key)
            ).scalar_one()

    def escalation(self, key: str) -> Optional[Escalation]:
        """The escalation route of problem ``key``, or None for an unknown problem."""
        problem = self.problem(key)
        return None if problem is None else problem.escalation

    def prevention_tip(self, key: Optional[str] = None, seed: Optional[int] = None) -> str:
        """One prevention tip.

        Args:
            key: A problem key for that problem's tips; None (or a key without tips) for the
                general tips of ``prevention.yml``.
            seed: Makes the choice deterministic; None picks at random.

        Raises:
            KnowledgeNotLoaded: If there are no tips at all.
        """
        with self._sessions() as s:
            tips: Sequence[str] = []
            if key is not None:
                tips = s.execute(
                    select(ProblemTipRow.text).join(ProblemRow).where(ProblemRow.key == key)
                    .order_by(ProblemTipRow.position)).scalars().all()
            if not tips:
                tips = s.execute(select(GeneralTipRow.text).order_by(GeneralTipRow.position)).scalars().all()
        if not tips:
            raise KnowledgeNotLoaded("no prevention tips; run `python -m knowledge load`")
        return random.Random(seed).choice(list(tips))

    # ------------------------------------------------------------ support, FAQ

    def support_channels(self) -> List[SupportChannel]:
        """The support channels, in content order."""
        with self._sessions() as s:
            rows = s.execute(select(SupportChannelRow).order_by(SupportChannelRow.position)).scalars()
            return [SupportChannel(r.key, r.name, r.contact, r.hours, r.description) for r in rows]

    def follow_up_levels(self) -> List[FollowUpLevel]:
        """The ticket priorities with their working hours until contact (``service_level``)."""
        with self._sessions() as s:
            rows = s.execute(select(FollowUpLevelRow).order_by(FollowUpLevelRow.position)).scalars()
            return [FollowUpLevel(r.priority, r.hours, r.text) for r in rows]

    def service_level(self) -> ServiceLevel:
        """The service level of ``support.yml`` (working hours, hours per priority, texts).

        Raises:
            KnowledgeNotLoaded: Before the first load.
        """
        with self._sessions() as s:
            row = s.execute(select(ServiceLevelRow).where(ServiceLevelRow.key == "default")
                            ).scalar_one_or_none()
            levels = s.execute(select(FollowUpLevelRow).order_by(FollowUpLevelRow.position)).scalars().all()
            if row is None or not levels:
                raise KnowledgeNotLoaded("no service level; run `python -m knowledge load`")
            return ServiceLevel(time.fromisoformat(row.opens), time.fromisoformat(row.closes),
                                tuple((r.priority, r.hours) for r in levels), tuple(row.texts.items()))

    # ----------------------------------------------------------- error catalogue

    def known_error(self, key: str) -> Optional[KnownError]:
        """The error-catalogue entry with ``key``, or None."""
        with self._sessions() as s:
            row = s.execute(select(KnownErrorRow).where(KnownErrorRow.key == key)).scalar_one_or_none()
            return None if row is None else _known_error(row)

    def known_errors(self) -> List[KnownError]:
        """Every error-catalogue entry, in content order (e.g. to build a
        `knowledge.error_catalogue.ErrorCatalogue`)."""
        with self._sessions() as s:
            return [_known_error(r) for r in
                    s.execute(select(KnownErrorRow).order_by(KnownErrorRow.position)).scalars()]

    def search(self, text: str, limit: int = 3) -> List[SearchHit]:
        """Find FAQ entries and problems similar to ``text``.

        The index (jieba + TF-IDF) is built on first use and cached; call `refresh` after
        reloading content. Hits below `GOOD_MATCH` are weak: treat them as "not found".

        Args:
            text: What the user wrote.
            limit: Maximum number of hits.

        Returns:
            Hits with a positive score, best first.
        """
        return self._search_index().query(text, limit)

    def refresh(self) -> None:
        """Forget the cached search and step-help indexes (after the content was reloaded)."""
        with self._index_lock:
            self._index = None
            self._help = None

    def _search_index(self) -> SearchIndex:
        with self._index_lock:
            if self._index is None:
                documents = self._search_documents()
                if not documents:
                    return SearchIndex(())  # nothing loaded yet: do not cache the empty index
                self._index = SearchIndex(documents)
            return self._index

    def _search_documents(self) -> List[SearchDocument]:
        with self._sessions() as s:
            docs = [SearchDocument("faq", r.key, r.question, r.answer, (r.question, *r.variants))
                    for r in s.execute(select(FaqRow).order_by(FaqRow.position)).scalars()]
            docs += [SearchDocument("problem", r.key, r.title, r.acknowledgement, (r.title, *r.symptoms))
                     for r in s.execute(select(ProblemRow).order_by(ProblemRow.id)).scalars()]
        return docs

    # ------------------------------------------------------------ announcements

    def active_announcements(self, now: datetime, problem: Optional[str] = None) -> List[Announcement]:
        """Announcements in effect at ``now``, newest first.

        Args:
            now: The moment to check; naive values are taken as UTC.
            problem: Only announcements that affect this problem, affect every problem (empty
                ``affects``), or — for ``system_outage`` — any announcement at all.
        """
        now = _aware(now)
        stmt = select(AnnouncementRow).where(
            AnnouncementRow.starts_at <= now,
            or_(AnnouncementRow.ends_at.is_(None), AnnouncementRow.ends_at > now),
        ).order_by(AnnouncementRow.starts_at.desc(), AnnouncementRow.key)
        if problem is not None and problem != "system_outage":
            stmt = stmt.where(or_(AnnouncementRow.problems.any(ProblemRow.key == problem),
                                  ~AnnouncementRow.problems.any()))
        with self._sessions() as s:
            return [_announcement(r) for r in s.execute(stmt).scalars()]

    def announcements(self, source: Optional[str] = None) -> List[Announcement]:
        """Every announcement (optionally of one source), newest first (for the console)."""
        stmt = select(AnnouncementRow).order_by(AnnouncementRow.starts_at.desc(), AnnouncementRow.key)
        if source is not None:
            stmt = stmt.where(AnnouncementRow.source == source)
        with self._sessions() as s:
            return [_announcement(r) for r in s.execute(stmt).scalars()]

    def add_announcement(
        self,
        title: str,
        message: str,
        *,
        kind: str = "incident",
        affects: Iterable[str] = (),
        starts_at: Optional[datetime] = None,
        ends_at: Optional[datetime] = None,
        expected_recovery: Optional[datetime] = None,
        announcement_id: Optional[str] = None,
    ) -> Announcement:
        """Create a console announcement (never touched by content reloads).

        Args:
            title: Short title (Chinese).
            message: Message for users (Chinese).
            kind: ``"maintenance"`` or ``"incident"``.
            affects: Problem keys it concerns; empty means every problem.
            starts_at: Start (default: now); naive values are taken as UTC.
            ends_at: End, or None until `end_announcement` is called.
            expected_recovery: When service is expected back, if known.
            announcement_id: Id to use; default ``console-<random hex>``.

        Returns:
            The stored announcement.

        Raises:
            InvalidAnnouncement: For empty text, an unknown kind or problem key, an end not
                after the start, or an id already in use.
        """
        # Shown to users as written (full-width punctuation kept), like the YAML content.
        title, message, affects = (title or "").strip(), (message or "").strip(), list(dict.fromkeys(affects))
        starts_at = _aware(starts_at or datetime.now(timezone.utc))
        ends_at = _aware(ends_at) if ends_at else None
        expected_recovery = _aware(expected_recovery) if expected_recovery else None
        if not title or not message:
            raise InvalidAnnouncement("title and message must not be empty")
        if kind not in ANNOUNCEMENT_KINDS:
            raise InvalidAnnouncement(f"kind must be one of {ANNOUNCEMENT_KINDS}: {kind!r}")
        if ends_at is not None and ends_at <= starts_at:
            raise InvalidAnnouncement("ends_at must be after starts_at")
        key = announcement_id or f"console-{uuid.uuid4().hex[:12]}"
        with self._sessions() as s, s.begin():
            problems = s.execute(select(ProblemRow).where(ProblemRow.key.in_(affects))).scalars().all()
            unknown = set(affects) - {p.key for p in problems}
            if unknown:
                raise InvalidAnnouncement(f"unknown problem keys: {sorted(unknown)}")
            if s.execute(select(AnnouncementRow.id).where(AnnouncementRow.key == key)).first():
                raise InvalidAnnouncement(f"announcement id already in use: {key!r}")
            row = AnnouncementRow(key=key, source="console", kind=kind, title=title, message=message,
                                  starts_at=starts_at, ends_at=ends_at,
                                  expected_recovery=expected_recovery, problems=list(problems))
            s.add(row)
            s.flush()
            return _announcement(row)

    def end_announcement(self, announcement_id: str, now: Optional[datetime] = None) -> bool:
        """End an announcement at ``now`` (default: the current time).

        Content announcements can be ended too; a reload restores them only if their YAML
        changed.

        Returns:
            True if it was in effect or scheduled and is now ended; False if it does not exist
            or had already ended.
        """
        now = _aware(now or datetime.now(timezone.utc))
        with self._sessions() as s, s.begin():
            row = s.execute(select(AnnouncementRow).where(AnnouncementRow.key == announcement_id)
                            ).scalar_one_or_none()
            if row is None or (row.ends_at is not None and row.ends_at <= now):
                return False
            row.ends_at = max(now, row.starts_at)
            return True


def _problems_query():
    return select(ProblemRow).options(
        selectinload(ProblemRow.checks),
        selectinload(ProblemRow.steps).selectinload(StepRow.context),
        selectinload(ProblemRow.steps).selectinload(StepRow.skips),
        selectinload(ProblemRow.tips), selectinload(ProblemRow.general_questions))


def _entry(row) -> ContextEntry:
    return ContextEntry(row.kind, tuple(row.asks), row.answer, tuple(row.implies or ()))


def _known_error(row: KnownErrorRow) -> KnownError:
    return KnownError(row.key, row.problem_key, row.platform, row.title, tuple(row.codes),
                      tuple(row.texts), tuple(row.patterns), row.cause, row.fix.strip(), row.escalate,
                      row.source)


def _problem(row: ProblemRow) -> Problem:
    steps = tuple(Step(row.key, i, s.step_key, s.title, s.instructions, s.if_not_helped,
                       tuple(_entry(c) for c in s.context), tuple(k.condition for k in s.skips))
                  for i, s in enumerate(row.steps))
    level = row.follow_up
    return Problem(
        key=row.key,
        title=row.title,
        acknowledgement=row.acknowledgement,
        symptoms=tuple(row.symptoms),
        causes=tuple(row.causes),
        checks=tuple(Check(c.check_key, c.performed_by, c.check_name, c.description) for c in row.checks),
        steps=steps,
        tips=tuple(t.text for t in row.tips),
        escalation=Escalation(row.key, tuple(row.escalation_when), tuple(row.escalation_needs),
                              level.priority, level.hours, level.text),
        general_questions=tuple(_entry(q) for q in row.general_questions),
    )


def _announcement(row: AnnouncementRow) -> Announcement:
    order = {k: i for i, k in enumerate(PROBLEM_KEYS)}
    affects = tuple(sorted((p.key for p in row.problems), key=lambda k: (order.get(k, len(order)), k)))
    return Announcement(row.key, row.kind, row.title, row.message, row.starts_at.astimezone(CST),
                        _cst(row.ends_at), _cst(row.expected_recovery), affects, row.source)
