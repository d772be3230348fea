"""Process-wide services, built lazily on first use from ``Settings.from_env()``.

Actions call these accessors; tests replace them with ``override(...)`` or pass fakes to the
actions' constructors. Nothing is built at import time (rasa-sdk imports every action module).
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Optional

from bot.app.settings import Settings

_lock = threading.RLock()  # builders call other accessors
_instances: Dict[str, Any] = {}


def _get(name: str, build: Callable[[], Any]) -> Any:
    with _lock:
        if name not in _instances:
            _instances[name] = build()
        return _instances[name]


def override(name: str, instance: Any) -> None:
    """Replace a service (tests, alternative wiring)."""
    with _lock:
        _instances[name] = instance


def reset() -> None:
    """Forget every built service (tests)."""
    with _lock:
        _instances.clear()


def settings() -> Settings:
    """The settings of this process."""
    return _get("settings", Settings.from_env)


def app_sessions():
    """Session factory on the application database (schema created on first use)."""
    from bot.app.database import make_app_session_factory

    return _get("app_sessions", lambda: make_app_session_factory(settings().app_database_url))


def knowledge_base():
    """The knowledge base, loaded from its YAML content if the database is empty."""
    from knowledge.loader import load
    from knowledge.repository import KnowledgeBase

    def build():
        sessions = app_sessions()
        kb = KnowledgeBase(sessions)
        if kb.problem("login_failure") is None:
            load(sessions, settings().knowledge_content_dir)
        return kb

    return _get("knowledge_base", build)


def troubleshooter():
    """The troubleshooting engine over the knowledge base."""
    from knowledge.engine import Troubleshooter

    return _get("troubleshooter", lambda: Troubleshooter(knowledge_base()))


def invoice_system():
    """The configured invoice-system adapter (``INVOICE_BACKEND``: sql or http)."""

    def build():
        config = settings()
        if config.invoice_backend == "http":
            from bot.app.invoices.http import HttpInvoiceSystem

            if not config.invoice_api_url:
                raise RuntimeError("INVOICE_BACKEND=http needs INVOICE_API_URL")
            return HttpInvoiceSystem(
                config.invoice_api_url, config.invoice_api_timeout, config.invoice_api_token
            )
        from bot.app.invoices.sql import SqlInvoiceSystem

        return SqlInvoiceSystem(config.invoice_database_url)

    return _get("invoice_system", build)


def tickets():
    """Ticket storage."""
    from bot.app.tickets import TicketService

    return _get("tickets", lambda: TicketService(app_sessions()))


def feedback():
    """Votes and ratings storage."""
    from bot.app.feedback import FeedbackService

    return _get("feedback", lambda: FeedbackService(app_sessions()))


def optional(name: str) -> Optional[Any]:
    """An already-built service, or None."""
    with _lock:
        return _instances.get(name)
