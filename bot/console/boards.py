"""Announcements in the operator console (editors): create, edit, end.

Announcements live in the knowledge base's table (`bot.app.protocols.AnnouncementStore`), the
same one the assistant's outage check and the widget's banner read on every request, so a
change is in effect at once. Editing replaces the announcement: the old one ends now and the
edited one is published under a new id (what users see changes in one step).

Routes:
    GET  /operator/announcements                 list (in effect, scheduled, ended) and a form
    POST /operator/announcements                 publish
    GET  /operator/announcements/{id}/edit       the form filled in
    POST /operator/announcements/{id}/edit       replace
    POST /operator/announcements/{id}/end        end now
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from aiohttp import web

from bot.console import auth, keys
from bot.console.errors import ApiError
from bot.console.ui import CHINA, PROBLEM_NAMES, back, render

KIND_NAMES = {"maintenance": "系统维护", "incident": "故障通报"}
MAX_TITLE, MAX_MESSAGE = 200, 2000


def add_routes(app: web.Application) -> None:
    app.router.add_get("/operator/announcements", announcements_page)
    app.router.add_post("/operator/announcements", publish)
    app.router.add_get("/operator/announcements/{announcement_id}/edit", edit_page)
    app.router.add_post("/operator/announcements/{announcement_id}/edit", replace)
    app.router.add_post("/operator/announcements/{announcement_id}/end", end)


def _state(item: Any, now: datetime) -> str:
    if item.ends_at is not None and item.ends_at <= now:
        return "ended"
    if item.starts_at > now:
        return "scheduled"
    return "active"


def _local(value: Optional[datetime]) -> str:
    """A value for ``<input type="datetime-local">`` in China time."""
    return value.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M") if value else ""


async def announcements_page(request: web.Request) -> web.Response:
    await auth.require(request, "editor")
    now = datetime.now(timezone.utc)
    items = await keys.services(request).announcements().announcements()
    rows = [{"item": a, "state": _state(a, now)} for a in items]
    rows.sort(key=lambda r: {"active": 0, "scheduled": 1, "ended": 2}[r["state"]])
    return await render(request, "announcements.html", rows=rows[:100], kinds=KIND_NAMES, form=_empty_form(),
                        editing=None)


def _empty_form() -> Dict[str, Any]:
    return {"kind": "maintenance", "title": "", "message": "", "affects": [], "starts_at": "",
            "ends_at": "", "expected_recovery": ""}


async def edit_page(request: web.Request) -> web.Response:
    await auth.require(request, "editor")
    item = await _find(request)
    form = {"kind": item.kind, "title": item.title, "message": item.message, "affects": list(item.affects),
            "starts_at": _local(item.starts_at), "ends_at": _local(item.ends_at),
            "expected_recovery": _local(item.expected_recovery)}
    return await render(request, "announcement_edit.html", kinds=KIND_NAMES, form=form, editing=item)


async def _find(request: web.Request) -> Any:
    wanted = request.match_info["announcement_id"]
    for item in await keys.services(request).announcements().announcements():
        if item.id == wanted:
            return item
    raise ApiError(404, "not_found", "找不到该公告。")


def _when(value: str, name: str) -> Optional[datetime]:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}的时间格式不正确。") from None
    return parsed.replace(tzinfo=CHINA) if parsed.tzinfo is None else parsed


def _read(form: Any) -> Dict[str, Any]:
    """The form's fields, checked (raises ValueError with a Chinese message)."""
    title, message = str(form.get("title", "")).strip(), str(form.get("message", "")).strip()
    kind = str(form.get("kind", "maintenance"))
    if kind not in KIND_NAMES:
        raise ValueError("请选择公告类型。")
    if not title or len(title) > MAX_TITLE:
        raise ValueError(f"标题不能为空，且不超过 {MAX_TITLE} 个字。")
    if not message or len(message) > MAX_MESSAGE:
        raise ValueError(f"内容不能为空，且不超过 {MAX_MESSAGE} 个字。")
    affects: List[str] = [str(a) for a in form.getall("affects", []) if str(a) in PROBLEM_NAMES]
    starts = _when(str(form.get("starts_at", "")), "开始")
    ends = _when(str(form.get("ends_at", "")), "结束")
    recovery = _when(str(form.get("expected_recovery", "")), "预计恢复")
    if ends is not None and ends <= (starts or datetime.now(timezone.utc)):
        raise ValueError("结束时间应晚于开始时间（和当前时间）。")
    return {"title": title, "message": message, "kind": kind, "affects": affects, "starts_at": starts,
            "ends_at": ends, "expected_recovery": recovery}


async def _publish(request: web.Request, fields: Dict[str, Any]) -> Any:
    from knowledge.errors import InvalidAnnouncement

    try:
        return await keys.services(request).announcements().add_announcement(
            fields["title"], fields["message"], kind=fields["kind"], affects=fields["affects"],
            starts_at=fields["starts_at"], ends_at=fields["ends_at"],
            expected_recovery=fields["expected_recovery"])
    except InvalidAnnouncement as error:
        raise ValueError(f"公告无效：{error}") from None


async def publish(request: web.Request) -> web.Response:
    await auth.require(request, "editor")
    try:
        item = await _publish(request, _read(await request.post()))
    except ValueError as error:
        raise back("/operator/announcements", error=str(error)) from None
    raise back("/operator/announcements", f"已发布「{item.title}」，智能助手和网页横幅立即生效")


async def replace(request: web.Request) -> web.Response:
    await auth.require(request, "editor")
    old = await _find(request)
    try:
        fields = _read(await request.post())
    except ValueError as error:
        raise back(f"/operator/announcements/{old.id}/edit", error=str(error)) from None
    now = datetime.now(timezone.utc)
    if fields["starts_at"] is None or fields["starts_at"] < now:
        fields["starts_at"] = max(old.starts_at, now) if _state(old, now) != "ended" else now
    await keys.services(request).announcements().end_announcement(old.id)
    try:
        item = await _publish(request, fields)
    except ValueError as error:
        raise back("/operator/announcements", error=str(error)) from None
    raise back("/operator/announcements", f"已更新「{item.title}」")


async def end(request: web.Request) -> web.Response:
    await auth.require(request, "editor")
    item = await _find(request)
    ended = await keys.services(request).announcements().end_announcement(item.id)
    if not ended:
        raise back("/operator/announcements", error="此公告已经结束。")
    raise back("/operator/announcements", f"已结束「{item.title}」")
