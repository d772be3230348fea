"""The knowledge base as the running assistant uses it: `knowledge.repository.KnowledgeBase`
and the troubleshooting engine, with every database read off the event loop.

Implements `bot.app.protocols.KnowledgeReader` (conversations) and `AnnouncementStore` (console).
"""
from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Callable, Collection, Iterable, List, Optional

from bot.app import service_level
from bot.app.blocking import off_loop
from bot.app.service_level import ServicePromise
from knowledge.engine import NextMove, StepView, Troubleshooter
from knowledge.repository import KnowledgeBase
from knowledge.types import (
    Announcement,
    Escalation,
    FollowUpLevel,
    KnownError,
    Problem,
    SearchHit,
    StepHelp,
)


class KnowledgeService:
    """Reads problems, steps, tips and announcements; searches; publishes announcements.

    Args:
        kb: The repository over the application database.
        version_probe: returns the id of the newest knowledge version published in the operator
            console (`bot.app.kb_versions`); when it changes, the cached search and step-help
            indexes are rebuilt, so a publication reaches a running action server without a
            restart. Asked at most every ``probe_seconds``.
    """

    def __init__(self, kb: KnowledgeBase, version_probe: Optional[Callable[[], int]] = None,
                 probe_seconds: float = 2.0) -> None:
        self._kb = kb
        self._engine = Troubleshooter(kb)
        self._probe = version_probe
        self._probe_seconds = probe_seconds
        self._probe_lock = threading.Lock()
        self._version: Optional[int] = None
        self._probed_at = 0.0

    def _fresh(self) -> None:
        """Rebuild the cached indexes when a new knowledge version was published."""
        if self._probe is None:
            return
        with self._probe_lock:
            now = time.monotonic()
            if now - self._probed_at < self._probe_seconds:
                return
            self._probed_at = now
            try:
                version = self._probe()
            except Exception:  # noqa: BLE001 - keep answering from what is cached
                return
            if self._version is not None and version != self._version:
                self._kb.refresh()
            self._version = version

    @property
    def repository(self) -> KnowledgeBase:
        """The synchronous repository (start-up warm-up, command-line tools)."""
        return self._kb

    @off_loop
    def problem(self, key: str) -> Optional[Problem]:
        return self._kb.problem(key)

    @off_loop
    def first_step(self, problem_key: str, skip: Collection[str] = ()) -> StepView:
        return self._engine.start(problem_key, skip=skip)

    @off_loop
    def next_move(self, problem_key: str, index: int, outcome: str, seed: Optional[int] = None,
                  skip: Collection[str] = ()) -> NextMove:
        return self._engine.after(problem_key, index, outcome, seed=seed, skip=skip)

    @off_loop
    def step_help(self, problem_key: str, index: Optional[int], text: str) -> Optional[StepHelp]:
        self._fresh()
        return self._kb.step_help(problem_key, index, text)

    @off_loop
    def known_error(self, key: str) -> Optional[KnownError]:
        return self._kb.known_error(key)

    @off_loop
    def service_promise(self, priority: str, now: datetime,
                        since: Optional[datetime] = None) -> ServicePromise:
        return service_level.promise(self._kb.service_level(), priority, now, since)

    @off_loop
    def prevention_tip(self, key: Optional[str] = None, seed: Optional[int] = None) -> str:
        return self._kb.prevention_tip(key, seed=seed)

    @off_loop
    def escalation(self, key: str) -> Optional[Escalation]:
        return self._kb.escalation(key)

    @off_loop
    def follow_up_levels(self) -> List[FollowUpLevel]:
        return self._kb.follow_up_levels()

    @off_loop
    def search(self, text: str, limit: int = 3) -> List[SearchHit]:
        self._fresh()
        return self._kb.search(text, limit)

    @off_loop
    def active_announcements(self, now: datetime, problem: Optional[str] = None) -> List[Announcement]:
        return self._kb.active_announcements(now, problem)

    @off_loop
    def announcements(self, source: Optional[str] = None) -> List[Announcement]:
        return self._kb.announcements(source)

    @off_loop
    def add_announcement(
        self, title: str, message: str, *, kind: str = "incident", affects: Iterable[str] = (),
        starts_at: Optional[datetime] = None, ends_at: Optional[datetime] = None,
        expected_recovery: Optional[datetime] = None, announcement_id: Optional[str] = None,
    ) -> Announcement:
        return self._kb.add_announcement(
            title, message, kind=kind, affects=affects, starts_at=starts_at, ends_at=ends_at,
            expected_recovery=expected_recovery, announcement_id=announcement_id)

    @off_loop
    def end_announcement(self, announcement_id: str, now: Optional[datetime] = None) -> bool:
        return self._kb.end_announcement(announcement_id, now)
