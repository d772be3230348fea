"""The console application: routes, shared resources and middlewares.

Routes:
    GET  /                               demo support page (widget embedded by one script tag)
    GET  /faq.html                       second page, same conversation (shared session id)
    GET  /site/{file}                    the demo pages' own CSS
    GET  /widget/{file}                  the built widget (bot/console/widget/dist)
    GET  /api/health                     liveness
    GET  /api/announcements/active       announcements in effect now (banner)
    POST /api/feedback                   thumbs up/down on an answer, or a 1-5 rating
    GET  /api/history/{session_id}       user/bot messages of a conversation (from Rasa; needs the
                                         session token in X-Fapiao-Session)
    GET  /api/operator/announcements     (operator) every announcement
    POST /api/operator/announcements     (operator) publish an announcement
    DELETE /api/operator/announcements/{id}  (operator) end it now
    GET  /api/operator/tickets           (operator) newest tickets
    GET  /api/operator/feedback/{session_id}  (operator) votes and ratings of a conversation
"""
from __future__ import annotations

from typing import AsyncIterator, Optional

import aiohttp
from aiohttp import web

from bot.app.container import Container
from bot.app.logmask import install as install_log_masking
from bot.app.settings import Settings
from bot.console import operator, pages, public
from bot.console.cors import cors_middleware
from bot.console.errors import error_middleware
from bot.console.keys import CONTAINER, HTTP, RASA, SETTINGS
from bot.console.rasa_client import RasaClient

MAX_REQUEST_BYTES = 64 * 1024


def create_app(settings: Settings, services: Optional[Container] = None) -> web.Application:
    """Build the console.

    Args:
        settings: the process settings (ports, Rasa URLs and token, origins, widget directory).
        services: the service container (default: one built from ``settings``; tests pass one
            with fakes or with services on a temporary database).
    """
    install_log_masking()
    app = web.Application(
        middlewares=[cors_middleware(settings.allowed_origins), error_middleware],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[SETTINGS] = settings
    app[CONTAINER] = services or Container(settings)
    app.cleanup_ctx.append(_http_session)
    pages.add_routes(app)
    public.add_routes(app)
    operator.add_routes(app)
    return app


async def _http_session(app: web.Application) -> AsyncIterator[None]:
    """One ClientSession for the whole app: created on startup, closed on cleanup."""
    settings = app[SETTINGS]
    timeout = settings.console_rasa_timeout
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
    app[HTTP] = session
    app[RASA] = RasaClient(session, settings.rasa_url, settings.rasa_auth_token, timeout)
    yield
    await session.close()
    await app[CONTAINER].aclose()
