"""What users said about the answers (operator console): votes per step and per answer with
their comments, ratings, each linked to its conversation.

Routes:
    GET /operator/feedback?from=&to=&down=1      per-step summary, votes, ratings
    GET /operator/conversations/{sender_id}      a conversation's transcript and feedback
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

from aiohttp import web

from bot.console import auth, keys
from bot.console.charts import date_range
from bot.console.desk import conversation_events
from bot.console.errors import ApiError
from bot.console.transcript import transcript
from bot.console.ui import PROBLEM_NAMES, render

SENDER_ID = re.compile(r"^[A-Za-z0-9_.@:-]{1,128}$")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/operator/feedback", feedback_page)
    app.router.add_get("/operator/conversations/{sender_id}", conversation_page)


async def _step_names(request: web.Request, steps: List[str]) -> Dict[str, str]:
    """``<problem>:<n>`` → "登录失败 · 第 n 步：title"."""
    knowledge = keys.services(request).knowledge()
    names: Dict[str, str] = {"": "不在排查步骤中"}
    problems: Dict[str, Any] = {}
    for step in steps:
        problem_key, _, number = step.partition(":")
        if problem_key not in problems:
            problems[problem_key] = await knowledge.problem(problem_key) if problem_key in PROBLEM_NAMES else None
        problem = problems[problem_key]
        label = PROBLEM_NAMES.get(problem_key, problem_key)
        if number == "fix":
            names[step] = f"{label} · 报错专项处理"
        elif number == "0":
            names[step] = f"{label} · 步骤前"
        elif number.isdigit() and problem is not None and 0 < int(number) <= len(problem.steps):
            names[step] = f"{label} · 第 {number} 步：{problem.steps[int(number) - 1].title}"
        else:
            names[step] = f"{label} · 第 {number} 步"
    return names


async def feedback_page(request: web.Request) -> web.Response:
    await auth.require(request)
    first, last = date_range(request.query)
    review = keys.services(request).feedback_review()
    only_down = request.query.get("down") == "1"
    summary = await review.step_summary(first, last)
    names = await _step_names(request, list(summary))
    rows: List[Tuple[str, str, int, int]] = sorted(
        ((step, names.get(step, step), up, down) for step, (up, down) in summary.items()),
        key=lambda row: (-row[3], row[0]))
    votes = await review.recent_votes(first, last, only_down=only_down)
    vote_names = await _step_names(request, [v.step for v in votes if v.step])
    return await render(request, "feedback.html", first=first.isoformat(), last=last.isoformat(), rows=rows,
                        votes=votes, step_names=vote_names, only_down=only_down,
                        ratings=await review.recent_ratings(first, last))


async def conversation_page(request: web.Request) -> web.Response:
    await auth.require(request)
    sender_id = request.match_info["sender_id"]
    if not SENDER_ID.match(sender_id):
        raise ApiError(404, "not_found", "找不到该对话。")
    services = keys.services(request)
    events = await conversation_events(request, sender_id)
    ticket = await services.tickets().latest_for(sender_id)
    return await render(request, "conversation.html", sender_id=sender_id,
                        lines=transcript(events) if events else [], rasa_down=events is None, ticket=ticket,
                        feedback=await services.feedback().for_conversation(sender_id))
