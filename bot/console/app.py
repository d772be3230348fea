"""The console application: routes, shared resources and middlewares.

Routes:
    GET  /                               demo support page (widget embedded by one script tag)
    GET  /faq.html                       second page, same conversation (shared session id)
    GET  /site/{file}                    the demo pages' own CSS
    GET  /widget/{file}                  the built widget (bot/console/widget/dist)
    GET  /api/health                     liveness
    GET  /api/announcements/active       announcements in effect now (banner)
    POST /api/feedback                   thumbs up/down on an answer, or a 1-5 rating
    GET  /api/history/{session_id}       user/bot messages of a conversation (from Rasa)
    GET  /api/operator/announcements     (operator) every announcement
    POST /api/operator/announcements     (operator) publish an announcement
    DELETE /api/operator/announcements/{id}  (operator) end it now
    GET  /api/operator/tickets           (operator) newest tickets
    GET  /api/operator/feedback/{session_id}  (operator) votes and ratings of a conversation
"""
from __future__ import annotations

from typing import Any, Optional

import aiohttp
from aiohttp import web

from bot.console import operator, pages, public
from bot.console.config import ConsoleConfig
from bot.console.cors import cors_middleware
from bot.console.errors import error_middleware
from bot.console.keys import CONFIG, HTTP, RASA, SERVICES
from bot.console.rasa_client import RasaClient
from bot.console.services import ConsoleServices

MAX_REQUEST_BYTES = 64 * 1024


def _default_services(config: ConsoleConfig) -> dict:
    """Services on the application database, built lazily on first use."""
    services = ConsoleServices(config.settings)
    return {
        "knowledge": services.knowledge,
        "feedback": services.feedback,
        "tickets": services.tickets,
    }


def create_app(
    config: ConsoleConfig,
    *,
    knowledge: Optional[Any] = None,
    feedback: Optional[Any] = None,
    tickets: Optional[Any] = None,
) -> web.Application:
    """Build the console.

    Args:
        config: the console configuration.
        knowledge: a ``knowledge.repository.KnowledgeBase`` (default: built from settings).
        feedback: a ``bot.app.feedback.FeedbackService`` (default: built from settings).
        tickets: a ``bot.app.tickets.TicketService`` (default: built from settings).
    """
    app = web.Application(
        middlewares=[cors_middleware(config.cors_origins), error_middleware],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[CONFIG] = config
    providers = _default_services(config)
    for name, given in (("knowledge", knowledge), ("feedback", feedback), ("tickets", tickets)):
        if given is not None:
            providers[name] = (lambda value: lambda: value)(given)
    app[SERVICES] = providers
    app.cleanup_ctx.append(_http_session)
    pages.add_routes(app)
    public.add_routes(app)
    operator.add_routes(app)
    return app


async def _http_session(app: web.Application):
    """One ClientSession for the whole app: created on startup, closed on cleanup."""
    config = app[CONFIG]
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=config.rasa_timeout))
    app[HTTP] = session
    app[RASA] = RasaClient(session, config.settings.rasa_url, config.settings.rasa_auth_token,
                           config.rasa_timeout)
    yield
    await session.close()
