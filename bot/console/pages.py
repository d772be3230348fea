"""The demo support pages and the widget's static files."""
from __future__ import annotations

import html
import mimetypes
from pathlib import Path
from typing import Dict
from urllib.parse import urlsplit

from aiohttp import web

from bot.console.errors import ApiError
from bot.console.keys import SETTINGS

#: The demo support pages and their CSS.
STATIC_DIR = Path(__file__).resolve().parent / "static"

PAGES: Dict[str, str] = {"/": "index.html", "/faq.html": "faq.html"}
SITE_FILES = {"site.css"}
_TEXT_TYPES = ("text/", "application/javascript", "application/json")


def add_routes(app: web.Application) -> None:
    for path in PAGES:
        app.router.add_get(path, page)
    app.router.add_get("/site/{name}", site_file)
    app.router.add_get("/widget/{name}", widget_file)


def _websocket_origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def content_security_policy(rasa_public_url: str) -> str:
    """A strict CSP for the demo pages: scripts only from here, connections to Rasa."""
    rasa = f"{urlsplit(rasa_public_url).scheme}://{urlsplit(rasa_public_url).netloc}"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        # The widget puts its stylesheet in a <style> element of its shadow root.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        f"connect-src 'self' {rasa} {_websocket_origin(rasa_public_url)}",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'self'",
    ])


async def page(request: web.Request) -> web.Response:
    """A demo page with the widget's script tag pointed at this deployment's Rasa server."""
    settings = request.app[SETTINGS]
    template = (STATIC_DIR / PAGES[request.path]).read_text(encoding="utf-8")
    body = template.replace("{{RASA_PUBLIC_URL}}", html.escape(settings.rasa_public_url, quote=True))
    return web.Response(
        text=body,
        content_type="text/html",
        charset="utf-8",
        headers={
            "Content-Security-Policy": content_security_policy(settings.rasa_public_url),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-cache",
        },
    )


def _file_response(path: Path) -> web.FileResponse:
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if content_type.startswith(_TEXT_TYPES):
        content_type = f"{content_type}; charset=utf-8"
    return web.FileResponse(path, headers={
        "Content-Type": content_type,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
    })


async def site_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in SITE_FILES:
        raise web.HTTPNotFound()
    return _file_response(STATIC_DIR / name)


async def widget_file(request: web.Request) -> web.StreamResponse:
    """A file of the built widget; only plain names inside the dist directory."""
    widget_dir = request.app[SETTINGS].widget_dist_dir.resolve()
    name = request.match_info["name"]
    path = (widget_dir / name).resolve()
    if path.parent != widget_dir or name.startswith("."):
        raise web.HTTPNotFound()
    if not path.is_file():
        if name == "fapiao-widget.js" and not widget_dir.exists():
            raise ApiError(404, "widget_not_built", "聊天部件尚未构建：请先运行 make widget。")
        raise web.HTTPNotFound()
    return _file_response(path)
