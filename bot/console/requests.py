"""Reading and validating request bodies."""
from __future__ import annotations

from typing import Any, Dict

from aiohttp import web

from bot.app.jsonbody import BodyRejected, parse_json_body
from bot.console.errors import ApiError


async def read_json_object(request: web.Request) -> Dict[str, Any]:
    """The request body as a JSON object, or an ApiError (415 / 400 / 413).

    Not UTF-8, not JSON, nested too deep or holding a lone surrogate: 400 (`bot.app.jsonbody`).
    """
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "payload_too_large") from None
    try:
        body = parse_json_body(raw)
    except BodyRejected as error:
        message = {"too_deep": "请求内容嵌套过深。", "invalid_text": "请求内容包含无效字符。"}.get(
            error.code, "请求内容不是有效的 JSON。")
        raise ApiError(400, error.code if error.code != "invalid_json" else "invalid_json", message) from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "请求内容应为 JSON 对象。")
    return body
