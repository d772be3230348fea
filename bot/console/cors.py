"""CORS for the public API, so the widget can live on another site than the console."""
from __future__ import annotations

from typing import Iterable

from aiohttp import web

PUBLIC_PREFIXES = ("/api/history/", "/api/feedback", "/api/announcements/", "/api/health")


def _is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


def cors_middleware(origins: Iterable[str]):
    """Allow ``origins`` (or any, with ``*``) to call the public API; never the operator API."""
    allowed = tuple(origins)

    @web.middleware
    async def middleware(request: web.Request, handler):
        origin = request.headers.get("Origin")
        if not origin or not _is_public(request.path) or not allowed:
            return await handler(request)
        if "*" not in allowed and origin not in allowed:
            return await handler(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = web.Response(status=204)
        else:
            response = await handler(request)
        response.headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
        if "*" not in allowed:
            response.headers["Vary"] = "Origin"
        return response

    return middleware
