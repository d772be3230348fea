"""The public API used by the widget: health, announcements, feedback, history.

History and feedback belong to one conversation, so they need its session token (header
``X-Fapiao-Session``, minted by the Rasa server's socket.io channel: `bot.app.widget_sessions`):
without one 401, with another conversation's 403. The id alone, known or guessed, grants nothing.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Optional

from aiohttp import web

from bot.app import widget_sessions
from bot.app.feedback import InvalidFeedback
from bot.console import keys
from bot.console.errors import ApiError, json_response
from bot.console.history import (
    conversation_messages,
    has_conversation,
    is_valid_session_id,
    tracker_events,
)
from bot.console.rasa_client import RasaUnavailable
from bot.console.requests import read_json_object
from bot.console.serialize import announcement_json, rating_json, vote_json
from bot.console.transcript import step_of_message

logger = logging.getLogger(__name__)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/health", health)
    app.router.add_get("/api/announcements/active", active_announcements)
    app.router.add_post("/api/feedback", post_feedback)
    app.router.add_get("/api/history/{session_id}", history)


async def health(request: web.Request) -> web.Response:
    """Liveness of the console itself (it does not wait for Rasa)."""
    return json_response({"status": "ok"})


async def active_announcements(request: web.Request) -> web.Response:
    """Announcements in effect now, newest first: ``{"announcements": [...]}``."""
    now = datetime.now(timezone.utc)
    items = await keys.services(request).knowledge().active_announcements(now)
    return json_response({"announcements": [announcement_json(a) for a in items]},
                             headers={"Cache-Control": "no-store"})


def session_of(request: web.Request) -> str:
    """The conversation the request's session token proves (401 without a valid one)."""
    secret = request.app[keys.SETTINGS].widget_session_secret
    token = request.headers.get(widget_sessions.TOKEN_HEADER, "")
    session_id = widget_sessions.verify(secret, token.strip())
    if session_id is None:
        raise ApiError(401, "invalid_session_token", "需要有效的会话令牌（请刷新页面后重试）。")
    return session_id


def _session_id(request: web.Request, body: dict) -> str:
    session_id = session_of(request)
    value = body.get("session_id", session_id)
    if not isinstance(value, str) or not is_valid_session_id(value):
        raise ApiError(400, "invalid_session_id", "session_id 应为 32 位十六进制字符串。")
    if value != session_id:
        raise ApiError(403, "forbidden", "会话令牌与对话不符。")
    return value


async def post_feedback(request: web.Request) -> web.Response:
    """Store a vote ``{"kind":"vote","session_id","message_id","text","up"}`` or a rating
    ``{"kind":"rating","session_id","rating":1-5,"comment"?}``; 201 with what was stored."""
    body = await read_json_object(request)
    kind = body.get("kind")
    session_id = _session_id(request, body)
    feedback = keys.services(request).feedback()
    try:
        if kind == "vote":
            if not isinstance(body.get("up"), bool):
                raise ApiError(400, "invalid_vote", "up 应为 true 或 false。")
            text = body.get("text", "")
            if not isinstance(text, str):
                raise ApiError(400, "invalid_vote", "text 应为字符串。")
            comment = body.get("comment")
            if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_VOTE_COMMENT):
                raise ApiError(400, "invalid_vote", f"comment 应为不超过 {MAX_VOTE_COMMENT} 个字的文字。")
            vote = await feedback.record_vote(session_id, body.get("message_id"), text, body["up"])
            annotated = await _annotate(request, session_id, vote.message_id, comment)
            return json_response({"status": "stored", "vote": vote_json(annotated or vote)}, status=201)
        if kind == "rating":
            rating = body.get("rating")
            if isinstance(rating, str) and rating.strip().isdigit():
                rating = int(rating.strip())
            stored = await feedback.record_rating(session_id, rating, body.get("comment"))
            return json_response({"status": "stored", "rating": rating_json(stored)},
                                     status=201)
    except InvalidFeedback as error:
        raise ApiError(400, "invalid_feedback", f"反馈内容无效：{error}") from None
    raise ApiError(400, "invalid_kind", "kind 应为 vote 或 rating。")


MAX_VOTE_COMMENT = 1000


async def _annotate(request: web.Request, session_id: str, message_id: str, comment: Optional[str]):
    """Add the comment and the step the voted answer belonged to (from the tracker, best effort:
    without Rasa the vote is kept without its step)."""
    step = None
    try:
        tracker = await request.app[keys.RASA].tracker(session_id)
        step = step_of_message(tracker_events(tracker or {}), message_id)
    except RasaUnavailable as error:
        logger.info("Vote kept without its step: %s", error)
    if comment is None and step is None:
        return None
    return await keys.services(request).feedback_review().annotate_vote(session_id, message_id, comment, step)


async def history(request: web.Request) -> web.Response:
    """The user/bot messages of a conversation, for the widget after a reload (needs the
    conversation's session token)."""
    session_id = request.match_info["session_id"]
    if not is_valid_session_id(session_id):
        raise ApiError(404, "not_found", "找不到该对话。")
    if session_of(request) != session_id:
        raise ApiError(403, "forbidden", "会话令牌与对话不符。")
    try:
        tracker = await request.app[keys.RASA].tracker(session_id)
    except RasaUnavailable as error:
        logger.warning("Tracker fetch failed: %s", error)
        raise ApiError(502, "rasa_unavailable", "对话服务暂时无法访问，请稍后再试。") from None
    events = tracker_events(tracker or {})
    if not has_conversation(events):
        raise ApiError(404, "not_found", "找不到该对话。")
    return json_response(
        {"session_id": session_id, "messages": conversation_messages(events)},
        headers={"Cache-Control": "no-store"},
    )
