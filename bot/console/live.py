"""Live hand-over in the operator console (docs/operator.md "Live hand-over").

An agent takes a waiting conversation (``POST /operator/tickets/{n}/take``): the hand-over row
is written first (from then on the Rasa server stores the user's messages without answering:
`bot.rasa_plugins.handover`), the ticket is assigned to the agent and goes in progress, and the
user is told (``utter_handover_taken``). The ticket page shows the conversation from the
tracker and polls it (`bot.console.desk.ticket_messages`), so a reload loses nothing. Replies
(``/reply``) go through the Rasa server into the tracker and to the user's widget or WeChat
chat. ``/handback`` gives the conversation back to the assistant (``utter_handover_returned``);
resolving the ticket closes it (``utter_handover_closed``).

While the console runs, a background task tells users who have waited more than
``HANDOVER_WAIT_MINUTES`` for a person (open ticket, nobody took the conversation, created in the
last two hours) and offers a call back (``utter_handover_waiting``), once per ticket (claimed in
the database, so several consoles never send it twice).

Routes:
    GET  /operator/live                     waiting conversations and the ones taken now
    POST /operator/tickets/{n}/take | /reply | /handback
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, AsyncIterator, Dict, Optional

from aiohttp import web

from bot.app.handover import HandoverTaken
from bot.app.models import TicketStatus
from bot.app.operators import Operator
from bot.app.tickets import Ticket
from bot.console import auth, keys
from bot.console.errors import ApiError, json_response
from bot.console.rasa_client import RasaUnavailable
from bot.console.ui import back, render

logger = logging.getLogger(__name__)

LIVE_CHANNELS = ("socketio", "wechat", "wecom")
#: Tickets older than this are no longer "waiting in the chat" (the user has left).
WAITING_WITHIN = timedelta(hours=2)
WAIT_CHECK_SECONDS = 30.0
MAX_REPLY = 2000


def add_routes(app: web.Application) -> None:
    app.router.add_get("/operator/live", live_page)
    app.router.add_post("/operator/tickets/{number}/take", take)
    app.router.add_post("/operator/tickets/{number}/reply", reply)
    app.router.add_post("/operator/tickets/{number}/handback", hand_back)
    app.cleanup_ctx.append(_wait_watcher)


def _wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


async def _ticket(request: web.Request) -> Ticket:
    ticket = await keys.services(request).ticket_desk().by_number(request.match_info["number"])
    if ticket is None:
        raise ApiError(404, "not_found", "找不到该工单。")
    return ticket


async def _tell(request_or_app: Any, payload: Dict[str, Any]) -> Optional[str]:
    """Send through the Rasa server; the status (``sent``/``stored``), None when it failed."""
    app = request_or_app.app if isinstance(request_or_app, web.Request) else request_or_app
    try:
        result = await app[keys.RASA].send_to_user(payload)
    except RasaUnavailable as error:
        logger.warning("Hand-over message not sent: %s", error)
        return None
    return str(result.get("status") or "")


async def live_page(request: web.Request) -> web.Response:
    me = await auth.require(request)
    services = keys.services(request)
    desk = services.ticket_desk()
    taken = await services.handovers().all_active()
    taken_ids = {h.sender_id for h in taken}
    recent = await desk.query(status=TicketStatus.OPEN, limit=200)
    waiting = [t for t in recent if t.channel in LIVE_CHANNELS and t.sender_id not in taken_ids
               and _age(t) <= WAITING_WITHIN]
    return await render(request, "live.html", waiting=waiting, taken=taken, me_name=me.username,
                        wait_minutes=request.app[keys.SETTINGS].handover_wait_minutes)


def _age(ticket: Ticket) -> timedelta:
    from bot.app.database import china_now
    from bot.console.ui import aware

    return china_now() - aware(ticket.created_at)


async def take(request: web.Request) -> web.Response:
    me = await auth.require(request)
    ticket = await _ticket(request)
    location = f"/operator/tickets/{ticket.number}"
    if ticket.status is TicketStatus.RESOLVED:
        raise back(location, error="工单已解决，不能接入。")
    if ticket.channel not in LIVE_CHANNELS:
        raise back(location, error="此渠道不支持实时回复。")
    services = keys.services(request)
    try:
        await services.handovers().take(ticket.sender_id, ticket.number, ticket.channel, me.username, me.name)
    except HandoverTaken as taken:
        raise back(location, error=f"{taken.current.agent_name} 已接入此会话。") from None
    await services.ticket_desk().assign(ticket.number, me.username, me.username)
    await services.ticket_desk().record(ticket.number, "handover", me.username, "接入会话（人工接待）")
    status = await _tell(request, {"sender_id": ticket.sender_id, "notice": "taken", "agent_name": me.name})
    if status is None:
        raise back(location, "已接入，但暂时无法通知用户（对话服务不可达），请稍后发送一条消息。")
    raise back(location, "已接入会话，智能助手已暂停回复")


async def reply(request: web.Request) -> web.Response:
    me = await auth.require(request)
    ticket = await _ticket(request)
    form = await request.post()
    text = str(form.get("text", "")).strip()
    location = f"/operator/tickets/{ticket.number}"
    handover = await keys.services(request).handovers().active(ticket.sender_id)
    if handover is None or handover.agent != me.username:
        raise ApiError(409, "not_taken", "请先接入此会话再回复。")
    if not text or len(text) > MAX_REPLY:
        raise ApiError(400, "invalid_reply", f"回复应为 1–{MAX_REPLY} 个字符。")
    status = await _tell(request, {"sender_id": ticket.sender_id, "text": text, "agent_name": me.name})
    if status is None:
        raise ApiError(502, "rasa_unavailable", "对话服务暂时无法访问，消息未发送，请重试。")
    if _wants_json(request):
        return json_response({"status": status})
    raise back(location, "已发送" if status == "sent" else "已记录（用户当前不在线，打开聊天窗口时可见）")


async def end_if_taken(request: web.Request, ticket: Ticket, me: Operator, closed: bool) -> None:
    """End the hand-over of ``ticket``'s conversation, if any, and tell the user."""
    services = keys.services(request)
    ended = await services.handovers().release(ticket.sender_id)
    if ended is None:
        if closed and ticket.channel in LIVE_CHANNELS:
            await _tell(request, {"sender_id": ticket.sender_id, "notice": "closed",
                                  "slots": {"ticket_open": False}})
        return
    await services.ticket_desk().record(ticket.number, "handover",
                                        me.username, "结束人工接待（已解决）" if closed else "交回智能助手")
    payload: Dict[str, Any] = {"sender_id": ticket.sender_id, "notice": "closed" if closed else "returned"}
    if closed:
        payload["slots"] = {"ticket_open": False}
    await _tell(request, payload)


async def hand_back(request: web.Request) -> web.Response:
    me = await auth.require(request)
    ticket = await _ticket(request)
    handover = await keys.services(request).handovers().active(ticket.sender_id)
    location = f"/operator/tickets/{ticket.number}"
    if handover is None:
        raise back(location, error="此会话没有人工接待。")
    if handover.agent != me.username and not me.may("editor"):
        raise back(location, error=f"此会话由 {handover.agent_name} 接待。")
    await end_if_taken(request, ticket, me, closed=False)
    raise back(location, "已交回智能助手")


# --- users waiting too long ---------------------------------------------------------------------

async def notify_waiting(app: web.Application) -> int:
    """Tell each user waiting longer than the limit (once per ticket); how many were told."""
    settings = app[keys.SETTINGS]
    desk = app[keys.CONTAINER].ticket_desk()
    minutes = settings.handover_wait_minutes
    told = 0
    for ticket in await desk.waiting(timedelta(minutes=minutes), WAITING_WITHIN):
        if ticket.channel not in LIVE_CHANNELS or not await desk.claim_wait_notice(ticket.number):
            continue
        waited = max(int(minutes), int(_age(ticket).total_seconds() // 60))
        status = await _tell(app, {"sender_id": ticket.sender_id, "notice": "waiting", "minutes": waited})
        await desk.record(ticket.number, "handover", "", f"用户已等待 {waited} 分钟，已提示可留电话回电"
                          + ("" if status else "（通知未送达）"))
        told += 1
    return told


async def _wait_watcher(app: web.Application) -> AsyncIterator[None]:
    async def loop() -> None:
        while True:
            await asyncio.sleep(WAIT_CHECK_SECONDS)
            try:
                await notify_waiting(app)
            except Exception:  # noqa: BLE001 - keep watching; the next round tries again
                logger.exception("Wait notices failed")

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
