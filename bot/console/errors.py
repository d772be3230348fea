"""JSON errors for the API: clear HTTP codes and messages, never a traceback."""
from __future__ import annotations

import functools
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from aiohttp import web

logger = logging.getLogger(__name__)

#: Chinese stays readable in responses (JSON allows UTF-8; the widget does not care).
dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_response(body: Any, status: int = 200, **kwargs: Any) -> web.Response:
    """``web.json_response`` with UTF-8 instead of \\u escapes."""
    return web.json_response(body, status=status, dumps=dumps, **kwargs)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Default Chinese messages per status, for errors raised without one.
DEFAULT_MESSAGES: Dict[int, str] = {
    400: "请求格式不正确。",
    401: "需要有效的操作员令牌。",
    403: "没有权限执行此操作。",
    404: "找不到请求的内容。",
    405: "不支持此请求方法。",
    413: "请求内容过大。",
    415: "请使用 JSON 格式（Content-Type: application/json）。",
    500: "服务器内部错误，请稍后再试。",
    502: "对话服务暂时无法访问，请稍后再试。",
    503: "服务暂时不可用，请稍后再试。",
}

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
          500: "internal_error", 502: "bad_gateway", 503: "unavailable"}


def json_error(status: int, message: Optional[str] = None, code: Optional[str] = None,
               **extra: Any) -> web.Response:
    """A JSON error response ``{"error": code, "message": text, ...}``."""
    body = {"error": code or _CODES.get(status, "error"),
            "message": message or DEFAULT_MESSAGES.get(status, "请求失败。")}
    body.update(extra)
    return json_response(body, status=status)


class ApiError(Exception):
    """Raised by handlers to answer with a JSON error."""

    def __init__(self, status: int, code: str, message: Optional[str] = None) -> None:
        super().__init__(message or code)
        self.status, self.code, self.message = status, code, message


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path.startswith("/operator/api/")


def operator_error_page(status: int, message: str) -> web.Response:
    """A short HTML page for an error on an operator console page (not its JSON API)."""
    import html

    body = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>出错了</title>"
            "<link rel=\"stylesheet\" href=\"/operator/static/console.css\"></head><body><main class=\"page\">"
            f"<section class=\"card\"><h1>出错了（{status}）</h1><p>{html.escape(message)}</p>"
            "<p><a href=\"/operator/\">返回工作台</a></p></section></main></body></html>")
    return web.Response(status=status, text=body, content_type="text/html", charset="utf-8",
                        headers={"Content-Security-Policy": "default-src 'self'; script-src 'none'",
                                 "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into a JSON answer (API) or a short page (everything else)."""
    try:
        return await handler(request)
    except ApiError as error:
        if request.path.startswith("/operator/") and not _is_api(request.path):
            return operator_error_page(error.status, error.message or DEFAULT_MESSAGES.get(error.status, "请求失败。"))
        return json_error(error.status, error.message, error.code)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        if _is_api(request.path):
            response = json_error(error.status)
        else:
            response = web.Response(status=error.status, content_type="text/plain",
                                    text=DEFAULT_MESSAGES.get(error.status, "请求失败。"))
        for header in ("Allow",):
            if header in error.headers:
                response.headers[header] = error.headers[header]
        return response
    except Exception:  # noqa: BLE001 - the last line of defence: log it, answer politely
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        if _is_api(request.path):
            return json_error(500)
        return web.Response(status=500, content_type="text/plain", text=DEFAULT_MESSAGES[500])
