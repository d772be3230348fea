"""The services of one process, built lazily from its settings: one container per process.

The action server, the console and the command-line tools each use `current()`; tests build a
`Container` with fakes (``Container(settings, tickets=FakeTickets())``) or pass fakes to the
actions' constructors. Nothing is built at import time (rasa-sdk imports every action module).
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Dict, Optional, TypeVar, cast

from sqlalchemy.orm import sessionmaker

from bot.app.protocols import (
    AnalyticsStore,
    AnnouncementStore,
    FeedbackReview,
    FeedbackStore,
    HandoverState,
    InvoiceSystem,
    KnowledgeReader,
    KnowledgeVersions,
    OperatorDirectory,
    TicketDesk,
    TicketStore,
    UnrecognisedMessages,
)
from bot.app.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Container:
    """Lazily built services of one process.

    Args:
        settings: The process's settings (default: read from the environment on first use).
        **overrides: Ready-made services by accessor name (``knowledge``, ``tickets``,
            ``feedback``, ``invoice_system``, ``app_sessions``): tests and alternative wiring.
    """

    def __init__(self, settings: Optional[Settings] = None, **overrides: Any) -> None:
        self._settings = settings
        self._lock = threading.RLock()  # re-entrant: builders call other accessors
        self._instances: Dict[str, Any] = dict(overrides)

    def _get(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._instances:
                self._instances[name] = build()
            return cast(T, self._instances[name])

    def settings(self) -> Settings:
        """The settings of this process."""
        with self._lock:
            if self._settings is None:
                self._settings = Settings.from_env()
            return self._settings

    def app_sessions(self) -> sessionmaker:
        """Session factory on the application database (schema created on first use)."""
        from bot.app.database import make_app_session_factory

        return self._get("app_sessions", lambda: make_app_session_factory(self.settings().app_database_url))

    def _knowledge_service(self) -> Any:
        def build() -> Any:
            from bot.app.knowledge import KnowledgeService
            from knowledge.errors import KnowledgeError
            from knowledge.loader import load
            from knowledge.repository import KnowledgeBase

            kb = KnowledgeBase(self.app_sessions())
            if not kb.problem_keys():
                content = self.settings().knowledge_content_dir
                logger.info("Knowledge base is empty: loading %s", content)
                try:
                    load(self.app_sessions(), content)
                except KnowledgeError as error:
                    # Announcements still work (the console can publish them); say why the
                    # content is missing instead of failing every request.
                    logger.error("Knowledge content not loaded: %s", error)
            versions = self.knowledge_versions()
            return KnowledgeService(kb, version_probe=getattr(versions, "published_id", None))

        return self._get("knowledge", build)

    def knowledge_versions(self) -> KnowledgeVersions:
        """Drafts, publications and rollback of the knowledge content (operator console)."""
        from bot.app.kb_versions import SqlKnowledgeVersions

        return self._get("knowledge_versions", lambda: SqlKnowledgeVersions(
            self.app_sessions(), self.settings().knowledge_content_dir))

    def knowledge(self) -> KnowledgeReader:
        """The knowledge base, loaded from its YAML content if the database is empty."""
        return cast(KnowledgeReader, self._knowledge_service())

    def announcements(self) -> AnnouncementStore:
        """Announcements (the same knowledge service, its console side)."""
        return cast(AnnouncementStore, self._knowledge_service())

    def tickets(self) -> TicketStore:
        """Ticket storage."""
        from bot.app.tickets import SqlTicketStore

        return self._get("tickets", lambda: SqlTicketStore(self.app_sessions()))

    def ticket_desk(self) -> TicketDesk:
        """The operator console's side of the tickets (the same store as `tickets`)."""
        return cast(TicketDesk, self.tickets())

    def operators(self) -> OperatorDirectory:
        """Operator accounts of the console."""
        from bot.app.operators import SqlOperatorStore

        return self._get("operators", lambda: SqlOperatorStore(self.app_sessions()))

    def handovers(self) -> HandoverState:
        """Which conversations a person has taken (live hand-over)."""
        from bot.app.handover import SqlHandoverState

        return self._get("handovers", lambda: SqlHandoverState(self.app_sessions()))

    def analytics(self) -> AnalyticsStore:
        """Per-day conversation aggregates (`bot.app.analytics`; the operator dashboard)."""
        from bot.app.analytics import SqlAnalyticsStore

        return self._get("analytics", lambda: SqlAnalyticsStore(self.app_sessions()))

    def unrecognised(self) -> UnrecognisedMessages:
        """The messages NLU did not understand, read from the tracker store (dashboard)."""
        from bot.app.unrecognised import SqlUnrecognisedMessages

        return self._get("unrecognised", lambda: SqlUnrecognisedMessages(self.settings().tracker_store_url))

    def feedback_review(self) -> FeedbackReview:
        """The operator console's side of the feedback (the same store as `feedback`)."""
        return cast(FeedbackReview, self.feedback())

    def feedback(self) -> FeedbackStore:
        """Votes and ratings storage."""
        from bot.app.feedback import SqlFeedbackStore

        return self._get("feedback", lambda: SqlFeedbackStore(self.app_sessions()))

    def invoice_system(self) -> InvoiceSystem:
        """The configured invoice-system adapter (``INVOICE_BACKEND``: sql or http)."""

        def build() -> InvoiceSystem:
            config = self.settings()
            if config.invoice_backend == "http":
                from bot.app.invoices.http import HttpInvoiceSystem

                assert config.invoice_api_url  # Settings insists on it for the http backend
                return HttpInvoiceSystem(config.invoice_api_url, config.invoice_api_timeout,
                                         config.invoice_api_token)
            from bot.app.invoices.sql import SqlInvoiceSystem

            return SqlInvoiceSystem(config.invoice_database_url)

        return self._get("invoice_system", build)

    async def aclose(self) -> None:
        """Release what the services hold open (HTTP sessions, database pools)."""
        with self._lock:
            invoices = self._instances.get("invoice_system")
            sessions = self._instances.get("app_sessions")
        if invoices is not None:
            await invoices.close()
        if isinstance(sessions, sessionmaker):
            bind = sessions.kw.get("bind")
            if bind is not None:
                bind.dispose()


_current: Optional[Container] = None
_current_lock = threading.Lock()


def current() -> Container:
    """This process's container, built on first use from the environment."""
    global _current
    with _current_lock:
        if _current is None:
            _current = Container()
        return _current


def use(container: Optional[Container]) -> None:
    """Make ``container`` this process's container (None: build a fresh one on next use)."""
    global _current
    with _current_lock:
        _current = container
