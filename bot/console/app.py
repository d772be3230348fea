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
                                         (the /api/operator/ routes: bearer OPERATOR_TOKEN, for scripts)
    /operator/...                        the support team's console: signed-in operators
                                         (bot/console/desk.py and the modules it names;
                                         docs/operator.md)
"""
from __future__ import annotations

import logging
from typing import AsyncIterator, Optional

import aiohttp
from aiohttp import web

from bot.app.container import Container
from bot.app.logmask import install as install_log_masking
from bot.app.settings import Settings
from bot.console import auth, boards, charts, desk, kb_editor, live, operator, pages, public, reviews
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
        middlewares=[cors_middleware(settings.allowed_origins), error_middleware,
                     auth.session_setup(settings), auth.csrf_middleware],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[SETTINGS] = settings
    app[CONTAINER] = services or Container(settings)
    app[auth.OPERATOR] = auth.LoginLimits(settings.operator_login_limit, settings.operator_login_window,
                                          redis_url=settings.redis_url)
    app.cleanup_ctx.append(_http_session)
    app.on_startup.append(_bootstrap_admin)
    pages.add_routes(app)
    public.add_routes(app)
    operator.add_routes(app)
    desk.add_routes(app)
    live.add_routes(app)
    boards.add_routes(app)
    charts.add_routes(app)
    kb_editor.add_routes(app)
    reviews.add_routes(app)
    return app


async def _bootstrap_admin(app: web.Application) -> None:
    """``admin`` with ``OPERATOR_ADMIN_PASSWORD`` when no operator exists yet."""
    password = app[SETTINGS].operator_admin_password
    if not password:
        return
    try:
        made = await app[CONTAINER].operators().bootstrap(password)
    except Exception as error:  # noqa: BLE001 - a weak password must not stop the console
        logging.getLogger(__name__).error("Operator admin not created: %s", error)
        return
    if made is not None:
        logging.getLogger(__name__).info("Operator console: created the admin account 'admin'")


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
    await app[auth.OPERATOR].close()
