"""Knowledge-base editing in the operator console (editors): problems, steps, prevention tips
and error-catalogue entries in forms, a draft per editor, the same validation as
``python -m knowledge check``, a preview that answers a test message from the draft, publishing
without a restart and rollback (`bot.app.kb_versions`).

Routes:
    GET  /operator/knowledge                       overview: problems, errors, draft state, versions
    GET  /operator/knowledge/problems/{key}        the problem's form (title, acknowledgement, steps, tips)
    POST /operator/knowledge/problems/{key}        save into the draft
    GET  /operator/knowledge/errors/{key}          an error-catalogue entry's form
    POST /operator/knowledge/errors/{key}          save into the draft
    POST /operator/knowledge/preview               answer a test message from the draft
    POST /operator/knowledge/publish | /discard | /rollback/{id}
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional

from aiohttp import web

from bot.app import kb_versions
from bot.app.kb_versions import InvalidDraft
from bot.console import auth, keys
from bot.console.errors import ApiError
from bot.console.rasa_client import RasaUnavailable
from bot.console.ui import PROBLEM_NAMES, back, render

logger = logging.getLogger(__name__)

MAX_FIELD = 4000
STEP_ID = re.compile(r"^[a-z][a-z0-9_]{1,48}$")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/operator/knowledge", overview)
    app.router.add_get("/operator/knowledge/problems/{key}", problem_page)
    app.router.add_post("/operator/knowledge/problems/{key}", save_problem)
    app.router.add_get("/operator/knowledge/errors/{key}", error_page)
    app.router.add_post("/operator/knowledge/errors/{key}", save_error)
    app.router.add_post("/operator/knowledge/preview", preview)
    app.router.add_post("/operator/knowledge/publish", publish)
    app.router.add_post("/operator/knowledge/discard", discard)
    app.router.add_post("/operator/knowledge/rollback/{version}", rollback)


def _changed_files(draft: Dict[str, str], published: Dict[str, str]) -> List[str]:
    return sorted(name for name in set(draft) | set(published) if draft.get(name) != published.get(name))


async def overview(request: web.Request, preview_result: Optional[Dict[str, Any]] = None,
                   http_status: int = 200) -> web.Response:
    me = await auth.require(request, "editor")
    versions = keys.services(request).knowledge_versions()
    draft = await versions.draft(me.username)
    version, published = await versions.current()
    changed = _changed_files(draft, published)
    errors = await versions.check(draft) if changed else []
    problems = [(key, kb_versions.problem_of(draft, key)) for key in PROBLEM_NAMES if f"{key}.yml" in draft]
    return await render(request, "knowledge.html", http_status=http_status, problems=problems,
                        errors_catalogue=kb_versions.errors_of(draft), changed=changed, problems_invalid=errors,
                        version=version, history=await versions.versions(), preview=preview_result)


async def _draft(request: web.Request) -> Dict[str, str]:
    me = await auth.require(request, "editor")
    return await keys.services(request).knowledge_versions().draft(me.username)


def _field(form: Any, name: str, limit: int = MAX_FIELD) -> str:
    return str(form.get(name, "")).replace("\r\n", "\n").strip()[:limit]


def _lines(value: str) -> List[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


async def problem_page(request: web.Request) -> web.Response:
    draft = await _draft(request)
    key = request.match_info["key"]
    if key not in PROBLEM_NAMES or f"{key}.yml" not in draft:
        raise ApiError(404, "not_found", "没有这个问题。")
    return await render(request, "knowledge_problem.html", key=key, problem=kb_versions.problem_of(draft, key))


async def save_problem(request: web.Request) -> web.Response:
    me = await auth.require(request, "editor")
    versions = keys.services(request).knowledge_versions()
    draft = await versions.draft(me.username)
    key = request.match_info["key"]
    if key not in PROBLEM_NAMES or f"{key}.yml" not in draft:
        raise ApiError(404, "not_found", "没有这个问题。")
    form = await request.post()
    data = kb_versions.problem_of(draft, key)
    for name in kb_versions.EDITABLE_PROBLEM_FIELDS:
        if name in form:
            data[name] = _field(form, name)
    steps = data.get("steps") or []
    removed = set(form.getall("remove_step", []))
    kept = []
    for index, step in enumerate(steps):
        for name in kb_versions.EDITABLE_STEP_FIELDS:
            field = f"step{index}_{name}"
            if field in form:
                step[name] = _field(form, field)
        if step.get("id") not in removed:
            kept.append(step)
    new_title = _field(form, "new_title")
    if new_title:
        new_id = _field(form, "new_id", 50).lower() or f"step_{len(steps) + 1}"
        if not STEP_ID.match(new_id) or any(s.get("id") == new_id for s in kept):
            raise back(f"/operator/knowledge/problems/{key}",
                       error="新步骤的编号应为小写字母开头的字母、数字、下划线，且不能重复。")
        kept.append({"id": new_id, "title": new_title, "instructions": _field(form, "new_instructions"),
                     "if_not_helped": _field(form, "new_if_not_helped")})
    data["steps"] = kept
    if "tips" in form:
        data["tips"] = _tips(data.get("tips") or [], _lines(_field(form, "tips")))
    await versions.save_draft(me.username, kb_versions.with_problem(draft, key, data))
    raise back(f"/operator/knowledge/problems/{key}", "已保存到草稿（尚未发布）")


def _tips(existing: List[Any], lines: List[str]) -> List[Dict[str, str]]:
    """Tips from one line each; existing tips keep their ids by position, new ones get one."""
    ids = [t.get("id") for t in existing if isinstance(t, dict)]
    tips = []
    for index, line in enumerate(lines):
        tip_id = ids[index] if index < len(ids) and ids[index] else f"tip_{index + 1}"
        while tip_id in [t["id"] for t in tips]:
            tip_id += "_"
        tips.append({"id": tip_id, "text": line})
    return tips


def _error_entry(draft: Dict[str, str], key: str) -> Dict[str, Any]:
    for entry in kb_versions.errors_of(draft):
        if entry.get("key") == key:
            return entry
    raise ApiError(404, "not_found", "错误目录中没有这一条。")


async def error_page(request: web.Request) -> web.Response:
    draft = await _draft(request)
    return await render(request, "knowledge_error.html", entry=_error_entry(draft, request.match_info["key"]))


async def save_error(request: web.Request) -> web.Response:
    me = await auth.require(request, "editor")
    versions = keys.services(request).knowledge_versions()
    draft = await versions.draft(me.username)
    key = request.match_info["key"]
    _error_entry(draft, key)
    form = await request.post()
    entries = kb_versions.errors_of(draft)
    for entry in entries:
        if entry.get("key") == key:
            for name in kb_versions.EDITABLE_ERROR_FIELDS:
                if name in form:
                    entry[name] = _field(form, name)
            if "texts" in form:
                entry.setdefault("match", {})["texts"] = _lines(_field(form, "texts"))
            if "codes" in form:
                entry.setdefault("match", {})["codes"] = _lines(_field(form, "codes"))
    await versions.save_draft(me.username, kb_versions.with_errors(draft, entries))
    raise back(f"/operator/knowledge/errors/{key}", "已保存到草稿（尚未发布）")


async def preview(request: web.Request) -> web.Response:
    me = await auth.require(request, "editor")
    form = await request.post()
    text = _field(form, "text", 500)
    if not text:
        raise back("/operator/knowledge", error="请输入一句测试消息。")
    draft = await keys.services(request).knowledge_versions().draft(me.username)
    try:
        parsed = await request.app[keys.RASA].parse(text)
    except RasaUnavailable as error:
        logger.warning("Preview without NLU: %s", error)
        parsed = {}
    intent = ((parsed.get("intent") or {}).get("name")) if isinstance(parsed, dict) else None
    known = next((e.get("value") for e in parsed.get("entities") or []
                  if isinstance(e, dict) and e.get("entity") == "known_error"), None) if parsed else None
    try:
        answer = await asyncio.to_thread(kb_versions.preview_answer, draft, text, intent, known)
    except Exception as error:  # noqa: BLE001 - an invalid draft cannot be loaded: say why
        return await overview(request, {"text": text, "intent": intent, "error": str(error)[:500]})
    return await overview(request, {"text": text, "intent": intent, "answer": answer, "error": ""})


async def publish(request: web.Request) -> web.Response:
    me = await auth.require(request, "editor")
    form = await request.post()
    try:
        version = await keys.services(request).knowledge_versions().publish(me.username, _field(form, "note", 200))
    except InvalidDraft as error:
        raise back("/operator/knowledge", error="草稿未通过校验，未发布：" + "；".join(error.errors[:3])) from None
    raise back("/operator/knowledge", f"已发布版本 {version}，智能助手立即使用新内容")


async def discard(request: web.Request) -> web.Response:
    me = await auth.require(request, "editor")
    await keys.services(request).knowledge_versions().discard_draft(me.username)
    raise back("/operator/knowledge", "草稿已丢弃")


async def rollback(request: web.Request) -> web.Response:
    me = await auth.require(request, "editor")
    try:
        version = await keys.services(request).knowledge_versions().rollback(
            int(request.match_info["version"]), me.username)
    except (KeyError, ValueError):
        raise back("/operator/knowledge", error="没有这个版本。") from None
    except InvalidDraft as error:
        raise back("/operator/knowledge", error="该版本未通过校验：" + "；".join(error.errors[:3])) from None
    raise back("/operator/knowledge", f"已回滚，发布为版本 {version}")
