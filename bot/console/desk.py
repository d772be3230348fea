"""The operator console's core pages: sign-in, the ticket queue, a ticket, accounts.

Routes (all under ``/operator/``; pages need a signed-in operator, forms the CSRF token):

    GET  /operator/                        → the queue
    GET  /operator/login, POST /operator/login, POST /operator/logout
    GET  /operator/tickets                 queue: ?status=open|in_progress|resolved &problem= &channel= &age=
    GET  /operator/tickets/{number}        transcript, details, steps tried, history, actions
    POST /operator/tickets/{number}/assign | /status | /note
    GET  /operator/api/tickets/{number}/messages?after=N   new transcript lines (JSON, live view)
    GET  /operator/api/counts              queue badges (JSON)
    GET  /operator/accounts                (admin) operators; POST to add or change
    GET  /operator/static/{name}           the console's CSS and the built scripts
"""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional

from aiohttp import web

from bot.app.models import TicketStatus
from bot.app.operators import ROLES, InvalidOperator
from bot.app.tickets import Ticket
from bot.console import auth, keys
from bot.console.errors import ApiError, json_response
from bot.console.history import tracker_events
from bot.console.rasa_client import RasaUnavailable
from bot.console.transcript import last_seq, slots_at_end, transcript
from bot.console.ui import PAGE_HEADERS, back, render

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static" / "operator"
#: The dashboard's chart bundle (``make widget`` builds it; not committed).
DASHBOARD_DIST = Path(__file__).resolve().parent / "dashboard" / "dist"
AGES = {"": None, "1h": timedelta(hours=1), "4h": timedelta(hours=4), "1d": timedelta(days=1),
        "3d": timedelta(days=3)}
AGE_NAMES = {"": "不限", "1h": "超过 1 小时", "4h": "超过 4 小时", "1d": "超过 1 天", "3d": "超过 3 天"}
MAX_NOTE = 4000


def add_routes(app: web.Application) -> None:
    app.router.add_get("/operator", lambda request: _redirect("/operator/"))
    app.router.add_get("/operator/", home)
    app.router.add_get("/operator/login", login_page)
    app.router.add_post("/operator/login", login)
    app.router.add_post("/operator/logout", logout)
    app.router.add_get("/operator/tickets", queue)
    app.router.add_get("/operator/tickets/{number}", ticket_page)
    app.router.add_post("/operator/tickets/{number}/assign", assign)
    app.router.add_post("/operator/tickets/{number}/status", change_status)
    app.router.add_post("/operator/tickets/{number}/note", add_note)
    app.router.add_get("/operator/api/tickets/{number}/messages", ticket_messages)
    app.router.add_get("/operator/api/counts", counts)
    app.router.add_get("/operator/accounts", accounts)
    app.router.add_post("/operator/accounts", add_account)
    app.router.add_post("/operator/accounts/{username}", change_account)
    app.router.add_get("/operator/static/{name}", static_file)


async def _redirect(location: str) -> web.Response:
    raise web.HTTPFound(location)


async def home(request: web.Request) -> web.Response:
    await auth.require(request)
    raise web.HTTPFound("/operator/tickets")


# --- sign-in ------------------------------------------------------------------------------------

async def login_page(request: web.Request) -> web.Response:
    if await auth.current_operator(request) is not None:
        raise web.HTTPFound(auth.safe_next(request.query.get("next", "")))
    return await render(request, "login.html", next=auth.safe_next(request.query.get("next", "")),
                        error="", username="")


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    target = auth.safe_next(str(form.get("next", "")))
    limits = request.app[auth.OPERATOR]
    keys_ = ("user:" + username, "addr:" + auth.client_address(request))
    if await limits.blocked(*keys_):
        logger.warning("Operator sign-in refused: too many wrong passwords")
        return await render(request, "login.html", http_status=429, next=target, username=username,
                            error="密码错误次数过多，请稍后再试。")
    operator = await keys.services(request).operators().authenticate(username, password)
    if operator is None:
        await limits.failed(*keys_)
        logger.info("Operator sign-in failed")
        return await render(request, "login.html", http_status=401, next=target, username=username,
                            error="用户名或密码不正确。")
    await auth.sign_in(request, operator)
    logger.info("Operator %s signed in", operator.username)
    raise web.HTTPSeeOther(target)


async def logout(request: web.Request) -> web.Response:
    await auth.sign_out(request)
    raise web.HTTPSeeOther("/operator/login?msg=已退出登录")


# --- tickets ------------------------------------------------------------------------------------

def _status(value: str) -> Optional[TicketStatus]:
    try:
        return TicketStatus(value) if value else None
    except ValueError:
        return None


async def queue(request: web.Request) -> web.Response:
    me = await auth.require(request)
    desk = keys.services(request).ticket_desk()
    query = request.query
    status_value = query.get("status", "open")
    status = _status(status_value)
    age_key = query.get("age", "") if query.get("age", "") in AGES else ""
    mine = query.get("mine") == "1"
    tickets = await desk.query(status=status, problem=query.get("problem") or None,
                               channel=query.get("channel") or None, older_than=AGES[age_key],
                               assignee=me.username if mine else None)
    handovers = {h.sender_id: h for h in await keys.services(request).handovers().all_active()}
    return await render(request, "queue.html", tickets=tickets, counts=await desk.counts(),
                        status=status.value if status else "all", problem=query.get("problem", ""),
                        channel=query.get("channel", ""), age=age_key, ages=AGE_NAMES, mine=mine,
                        handovers=handovers)


async def _ticket_or_404(request: web.Request) -> Ticket:
    ticket = await keys.services(request).ticket_desk().by_number(request.match_info["number"])
    if ticket is None:
        raise ApiError(404, "not_found", "找不到该工单。")
    return ticket


async def conversation_events(request: web.Request, sender_id: str) -> Optional[List[Dict[str, Any]]]:
    """The tracker's events, or None when Rasa cannot be reached."""
    try:
        tracker = await request.app[keys.RASA].tracker(sender_id)
    except RasaUnavailable as error:
        logger.warning("Tracker fetch failed: %s", error)
        return None
    return tracker_events(tracker or {})


async def ticket_page(request: web.Request) -> web.Response:
    me = await auth.require(request)
    ticket = await _ticket_or_404(request)
    services = keys.services(request)
    events = await conversation_events(request, ticket.sender_id)
    knowledge = services.knowledge()
    steps = []
    problem = await knowledge.problem(ticket.problem) if ticket.problem else None
    for step_id in ticket.steps_tried:
        title = step_id
        if problem is not None:
            found = next((s for s in problem.steps if getattr(s, "id", None) == step_id), None)
            if found is not None:
                title = f"第 {found.index + 1} 步：{found.title}"
        if step_id.startswith("error:"):
            title = f"报错处理：{step_id[6:]}"
        steps.append(title)
    operators = [o for o in await services.operators().all() if o.active]
    handover = await services.handovers().active(ticket.sender_id)
    feedback = await services.feedback().for_conversation(ticket.sender_id)
    return await render(
        request, "ticket.html", ticket=ticket, problem=problem, steps=steps,
        lines=transcript(events) if events is not None else [], rasa_down=events is None,
        last_seq=last_seq(events or []), slots=slots_at_end(events or []),
        history=await services.ticket_desk().history(ticket.number), operators=operators,
        handover=handover, mine=handover is not None and handover.agent == me.username,
        live_channel=ticket.channel in ("socketio", "wechat", "wecom"), feedback=feedback)


async def assign(request: web.Request) -> web.Response:
    me = await auth.require(request)
    ticket = await _ticket_or_404(request)
    form = await request.post()
    assignee = str(form.get("assignee", "")).strip() or None
    if assignee == "me":
        assignee = me.username
    if assignee is not None and await keys.services(request).operators().get(assignee) is None:
        raise back(f"/operator/tickets/{ticket.number}", error="没有这个客服账号。")
    await keys.services(request).ticket_desk().assign(ticket.number, assignee, me.username)
    raise back(f"/operator/tickets/{ticket.number}", "已分配" if assignee else "已取消分配")


async def change_status(request: web.Request) -> web.Response:
    me = await auth.require(request)
    ticket = await _ticket_or_404(request)
    form = await request.post()
    status = _status(str(form.get("status", "")))
    if status is None:
        raise back(f"/operator/tickets/{ticket.number}", error="未知的状态。")
    await keys.services(request).ticket_desk().change_status(ticket.number, status, me.username)
    if status is TicketStatus.RESOLVED:
        from bot.console import live

        await live.end_if_taken(request, ticket, me, closed=True)
    raise back(f"/operator/tickets/{ticket.number}", "状态已更新")


async def add_note(request: web.Request) -> web.Response:
    me = await auth.require(request)
    ticket = await _ticket_or_404(request)
    form = await request.post()
    text = str(form.get("text", "")).strip()
    if not text:
        raise back(f"/operator/tickets/{ticket.number}", error="备注不能为空。")
    await keys.services(request).ticket_desk().add_operator_note(ticket.number, me.username, text[:MAX_NOTE])
    raise back(f"/operator/tickets/{ticket.number}", "备注已添加")


async def ticket_messages(request: web.Request) -> web.Response:
    """Transcript lines after position ``after`` (the live view polls this)."""
    await auth.require(request)
    ticket = await _ticket_or_404(request)
    try:
        after = int(request.query.get("after", "-1"))
    except ValueError:
        raise ApiError(400, "invalid_after", "after 应为整数。") from None
    events = await conversation_events(request, ticket.sender_id)
    if events is None:
        raise ApiError(502, "rasa_unavailable", "对话服务暂时无法访问，正在重试…")
    handover = await keys.services(request).handovers().active(ticket.sender_id)
    return json_response({"lines": transcript(events, after=after), "last": last_seq(events),
                          "handover": {"agent": handover.agent, "agent_name": handover.agent_name}
                          if handover else None},
                         headers={"Cache-Control": "no-store"})


async def counts(request: web.Request) -> web.Response:
    await auth.require(request)
    services = keys.services(request)
    result = await services.ticket_desk().counts()
    result["live"] = len(await services.handovers().all_active())
    return json_response(result, headers={"Cache-Control": "no-store"})


# --- accounts (admin) ---------------------------------------------------------------------------

async def accounts(request: web.Request) -> web.Response:
    await auth.require(request, "admin")
    return await render(request, "accounts.html", operators=await keys.services(request).operators().all(),
                        roles=ROLES)


async def add_account(request: web.Request) -> web.Response:
    await auth.require(request, "admin")
    form = await request.post()
    try:
        made = await keys.services(request).operators().add(
            str(form.get("username", "")), str(form.get("password", "")), str(form.get("role", "agent")),
            str(form.get("display_name", "")))
    except InvalidOperator as error:
        raise back("/operator/accounts", error=str(error)) from None
    raise back("/operator/accounts", f"已添加 {made.username}")


async def change_account(request: web.Request) -> web.Response:
    me = await auth.require(request, "admin")
    username = request.match_info["username"]
    form = await request.post()
    changes: Dict[str, Any] = {}
    if form.get("role"):
        changes["role"] = str(form["role"])
    if form.get("active") in ("0", "1"):
        changes["active"] = form["active"] == "1"
    if form.get("password"):
        changes["password"] = str(form["password"])
    if username == me.username and (changes.get("active") is False or changes.get("role", "admin") != "admin"):
        raise back("/operator/accounts", error="不能停用自己或降低自己的角色。")
    try:
        changed = await keys.services(request).operators().update(username, **changes)
    except InvalidOperator as error:
        raise back("/operator/accounts", error=str(error)) from None
    if changed is None:
        raise back("/operator/accounts", error="没有这个账号。")
    raise back("/operator/accounts", f"已更新 {changed.username}")


async def static_file(request: web.Request) -> web.StreamResponse:
    """The console's CSS and built scripts (plain names only)."""
    name = request.match_info["name"]
    folder = DASHBOARD_DIST if name == "dashboard.js" else STATIC
    path = (folder / name).resolve()
    if path.parent != folder.resolve() or name.startswith(".") or not path.is_file():
        raise web.HTTPNotFound()
    content_type = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}.get(
        name.rsplit(".", 1)[-1], "application/octet-stream")
    return web.FileResponse(path, headers={"Content-Type": f"{content_type}; charset=utf-8",
                                           "Cache-Control": "no-cache",
                                           "X-Content-Type-Options": "nosniff",
                                           "Content-Security-Policy": PAGE_HEADERS["Content-Security-Policy"]})
