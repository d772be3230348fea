"""Kept HTTP connections from the Rasa server to the action server (issue 11, docs/benchmarks.md).

Rasa 3.6's ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession`` — and so a new TCP
connection — for every custom action it runs, and closes it afterwards; and it serialises the
tracker it sends (every event of the session) with the standard library's ``json``. py-spy put
the connection set-up and the serialisation at about 8 % of the Rasa server's CPU under load.

Here each endpoint keeps one session per event loop: the same headers, authentication and
timeout as Rasa's, connections kept alive for :data:`KEEPALIVE_SECONDS` (less than the action
server's own keep-alive, so the client lets an idle connection go before the server closes it),
and ``ujson`` (already installed with Sanic; exact round trip of every value a tracker holds)
to serialise. A connection that the action server closed anyway (a restart) fails on the way,
which ``bot.rasa_plugins.resilience`` tries once more on a new connection. The sessions are
closed when the server stops.
"""
from __future__ import annotations

import asyncio
import weakref
from typing import Any, List

#: Seconds an idle kept connection stays open (rasa-sdk's Sanic closes them after 5).
KEEPALIVE_SECONDS = 2.0

_open_sessions: "weakref.WeakSet[Any]" = weakref.WeakSet()


class _KeptSession:
    """``async with`` gives the endpoint's kept session and leaves it open."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


def kept_session(endpoint: Any, make_session: Any) -> _KeptSession:
    """The session ``endpoint`` keeps for the running event loop (made on first use)."""
    import aiohttp
    import ujson

    loop = asyncio.get_running_loop()
    sessions = endpoint.__dict__.setdefault("_fapiao_sessions", weakref.WeakKeyDictionary())
    session = sessions.get(loop)
    if session is None or session.closed:
        rasas = make_session(endpoint)  # Rasa's session: its headers, auth and timeout
        session = aiohttp.ClientSession(
            headers=rasas.headers, auth=rasas.auth, timeout=rasas.timeout,
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            json_serialize=ujson.dumps)
        asyncio.ensure_future(rasas.close())  # never used: only read for its settings
        sessions[loop] = session
        _open_sessions.add(session)
    return _KeptSession(session)


async def close_kept_sessions(*_: Any) -> None:
    """Close the sessions kept on the running loop (a Sanic ``after_server_stop`` listener)."""
    loop = asyncio.get_running_loop()
    mine: List[Any] = [s for s in list(_open_sessions) if s._loop is loop and not s.closed]
    for session in mine:
        await session.close()


def install_kept_action_connections() -> None:
    """Patch ``EndpointConfig.session`` and close the sessions when the server stops (idempotent)."""
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_plugins.app_hooks import on_every_app

    on_every_app("kept action connections",
                 lambda app: app.register_listener(close_kept_sessions, "after_server_stop"))
    if getattr(EndpointConfig.session, "fapiao_kept", False):
        return
    rasa_session = EndpointConfig.session

    def session(self: Any) -> Any:
        return kept_session(self, rasa_session)

    session.fapiao_kept = True  # type: ignore[attr-defined]
    EndpointConfig.session = session
