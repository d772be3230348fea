"""CORS for the public API, so the widget can live on another site than the console.

Origins come from the one allow-list ``ALLOWED_ORIGINS`` (default: the console's own origin),
the same list the Rasa server and its socket.io channel use; ``*`` is refused by the settings.
The operator API never answers cross-origin requests.
"""
from __future__ import annotations

from typing import Iterable

from aiohttp import web

from bot.app.widget_sessions import TOKEN_HEADER

PUBLIC_PREFIXES = ("/api/history/", "/api/feedback", "/api/announcements/", "/api/health")


def _is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


def cors_middleware(origins: Iterable[str]):
    """Allow ``origins`` to call the public API; never the operator API."""
    allowed = tuple(origins)

    @web.middleware
    async def middleware(request: web.Request, handler):
        origin = request.headers.get("Origin")
        if not origin or not _is_public(request.path) or origin not in allowed:
            return await handler(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = web.Response(status=204)
        else:
            response = await handler(request)
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = f"Content-Type, {TOKEN_HEADER}"
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Vary"] = "Origin"
        return response

    return middleware
