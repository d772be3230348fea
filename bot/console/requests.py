"""Reading and validating request bodies."""
from __future__ import annotations

import json
from typing import Any, Dict

from aiohttp import web

from bot.console.errors import ApiError


async def read_json_object(request: web.Request) -> Dict[str, Any]:
    """The request body as a JSON object, or an ApiError (415 / 400 / 413)."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "payload_too_large") from None
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "invalid_json", "请求内容不是有效的 JSON。") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "请求内容应为 JSON 对象。")
    return body
