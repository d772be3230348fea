"""The operator API (announcements, tickets, feedback), protected by ``OPERATOR_TOKEN``.

Clients send ``Authorization: Bearer <OPERATOR_TOKEN>``. Without a configured token the
operator API is switched off (403) rather than open.
"""
from __future__ import annotations

import hmac
import re
from datetime import datetime
from typing import Any, Optional

from aiohttp import web

from bot.console import keys
from bot.console.errors import ApiError, json_response
from bot.console.requests import read_json_object
from bot.console.serialize import announcement_json, rating_json, ticket_json, vote_json

MAX_TICKETS = 200
#: Conversation ids of any channel (widget uuid hex, WeChat openid, ...).
SENDER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.@:-]{1,128}$")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/operator/announcements", list_announcements)
    app.router.add_post("/api/operator/announcements", publish_announcement)
    app.router.add_delete("/api/operator/announcements/{announcement_id}", end_announcement)
    app.router.add_get("/api/operator/tickets", list_tickets)
    app.router.add_get("/api/operator/feedback/{session_id}", conversation_feedback)


def require_operator(request: web.Request) -> None:
    """Check the bearer token (constant-time); raises ApiError 401/403."""
    expected = request.app[keys.SETTINGS].operator_token
    if not expected:
        raise ApiError(403, "operator_api_disabled", "操作员接口未启用：请设置 OPERATOR_TOKEN。")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "需要有效的操作员令牌。")


def _datetime(body: dict, name: str) -> Optional[datetime]:
    value = body.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ApiError(400, "invalid_announcement", f"{name} 应为 ISO 8601 时间字符串。")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "invalid_announcement", f"{name} 不是有效的 ISO 8601 时间。") from None


def _text(body: dict, name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "invalid_announcement", f"{name} 不能为空。")
    if len(value) > limit:
        raise ApiError(400, "invalid_announcement", f"{name} 不能超过 {limit} 个字符。")
    return value.strip()


async def list_announcements(request: web.Request) -> web.Response:
    require_operator(request)
    items = await keys.services(request).announcements().announcements()
    return json_response({"announcements": [announcement_json(a) for a in items]})


async def publish_announcement(request: web.Request) -> web.Response:
    """Publish ``{"kind","title","message","starts_at"?,"ends_at"?,"expected_recovery"?,
    "affects"?: [problem keys]}``; 201 with the stored announcement."""
    require_operator(request)
    body = await read_json_object(request)
    from knowledge.errors import InvalidAnnouncement

    affects: Any = body.get("affects") or []
    if not isinstance(affects, list) or not all(isinstance(a, str) for a in affects):
        raise ApiError(400, "invalid_announcement", "affects 应为问题键的列表。")
    kind = body.get("kind", "incident")
    if not isinstance(kind, str):
        raise ApiError(400, "invalid_announcement", "kind 应为 maintenance 或 incident。")
    title, message = _text(body, "title", 200), _text(body, "message", 2000)
    starts_at, ends_at = _datetime(body, "starts_at"), _datetime(body, "ends_at")
    expected_recovery = _datetime(body, "expected_recovery")
    try:
        item = await keys.services(request).announcements().add_announcement(
            title, message, kind=kind, affects=affects, starts_at=starts_at, ends_at=ends_at,
            expected_recovery=expected_recovery)
    except InvalidAnnouncement as error:
        raise ApiError(400, "invalid_announcement", f"公告内容无效：{error}") from None
    return json_response({"announcement": announcement_json(item)}, status=201)


async def end_announcement(request: web.Request) -> web.Response:
    """End an announcement now; 404 if it does not exist or has already ended."""
    require_operator(request)
    announcement_id = request.match_info["announcement_id"]
    ended = await keys.services(request).announcements().end_announcement(announcement_id)
    if not ended:
        raise ApiError(404, "not_found", "没有正在生效的此公告。")
    return json_response({"status": "ended", "id": announcement_id})


async def list_tickets(request: web.Request) -> web.Response:
    """Newest tickets first (``?limit=``, at most 200)."""
    require_operator(request)
    try:
        limit = max(1, min(MAX_TICKETS, int(request.query.get("limit", "50"))))
    except ValueError:
        raise ApiError(400, "invalid_limit", "limit 应为整数。") from None
    items = await keys.services(request).tickets().recent(limit)
    return json_response({"tickets": [ticket_json(t) for t in items]})


async def conversation_feedback(request: web.Request) -> web.Response:
    """Votes and ratings stored for one conversation."""
    require_operator(request)
    session_id = request.match_info["session_id"]
    if not SENDER_ID_PATTERN.match(session_id):
        raise ApiError(404, "not_found", "找不到该对话。")
    result = await keys.services(request).feedback().for_conversation(session_id)
    return json_response({
        "session_id": session_id,
        "votes": [vote_json(v) for v in result.votes],
        "ratings": [rating_json(r) for r in result.ratings],
    })
