"""The console's services on the application database, built lazily (first request).

Built here rather than through ``bot.app.container`` so the console owns its wiring: one session
factory shared by the knowledge base, feedback and tickets, and the knowledge content loaded
once if the database is still empty (``make run`` normally loads it before).
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Dict

from bot.app.settings import Settings

logger = logging.getLogger(__name__)


class ConsoleServices:
    """Lazily built knowledge base, feedback and ticket services.

    Args:
        settings: database URL and knowledge content directory.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.RLock()  # re-entrant: builders call each other
        self._instances: Dict[str, Any] = {}

    def _get(self, name: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            if name not in self._instances:
                self._instances[name] = build()
            return self._instances[name]

    def sessions(self):
        from bot.app.database import make_app_session_factory

        return self._get("sessions", lambda: make_app_session_factory(self._settings.app_database_url))

    def knowledge(self):
        def build():
            from knowledge.errors import KnowledgeError
            from knowledge.loader import load
            from knowledge.repository import KnowledgeBase

            kb = KnowledgeBase(self.sessions())
            if not kb.problem_keys():
                content = self._settings.knowledge_content_dir
                logger.info("Knowledge base is empty: loading %s", content)
                try:
                    load(self.sessions(), content)
                except KnowledgeError as error:
                    # Announcements still work (the operator can publish them); say why the
                    # content is missing instead of failing every request.
                    logger.error("Knowledge content not loaded: %s", error)
            return kb

        return self._get("knowledge", build)

    def feedback(self):
        from bot.app.feedback import FeedbackService

        return self._get("feedback", lambda: FeedbackService(self.sessions()))

    def tickets(self):
        from bot.app.tickets import TicketService

        return self._get("tickets", lambda: TicketService(self.sessions()))
