"""The operator dashboard: charts of the analytics aggregates (`bot.app.protocols.AnalyticsStore`,
filled from Rasa's events: the consumer of ``make cluster`` or the tracker-store follower of
``make run``), the most frequent unrecognised messages, and a CSV export.

Routes:
    GET /operator/dashboard?from=YYYY-MM-DD&to=YYYY-MM-DD   page (default: the last 14 days)
    GET /operator/api/dashboard?from=&to=                  the same figures as JSON
    GET /operator/dashboard.csv?from=&to=                  every aggregate: day, channel, metric, key, count

The page embeds its figures as JSON (``<script type="application/json">``, not executed) and
``/operator/static/dashboard.js`` (Apache ECharts bundled by esbuild: ``make widget``) draws
them; without the bundle the tables below the charts still show the numbers.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Tuple

from aiohttp import web

from bot.console import auth, keys
from bot.console.errors import ApiError, json_response
from bot.console.ui import CHANNEL_NAMES, CHINA, PROBLEM_NAMES, render

DEFAULT_DAYS = 14
MAX_DAYS = 366
PROBLEMS = tuple(PROBLEM_NAMES)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/operator/dashboard", dashboard_page)
    app.router.add_get("/operator/api/dashboard", dashboard_json)
    app.router.add_get("/operator/dashboard.csv", dashboard_csv)


def date_range(query: Any) -> Tuple[date, date]:
    """``from``/``to`` of the query (China dates), default the last 14 days (400 when invalid)."""
    today = datetime.now(CHINA).date()
    try:
        last = date.fromisoformat(query.get("to")) if query.get("to") else today
        first = date.fromisoformat(query.get("from")) if query.get("from") else last - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise ApiError(400, "invalid_date", "日期格式应为 YYYY-MM-DD。") from None
    if first > last:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        raise ApiError(400, "invalid_range", f"时间范围不能超过 {MAX_DAYS} 天。")
    return first, last


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def figures(daily: List[Any], first: date, last: date) -> Dict[str, Any]:
    """What the charts show, from the daily aggregates (`bot.app.analytics.DailyFigure`)."""
    days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    index = {day: n for n, day in enumerate(days)}
    per_day: Dict[str, List[int]] = {m: [0] * len(days) for m in
                                     ("conversations", "messages", "problems", "resolved", "handed_over", "fallbacks")}
    channels: Dict[str, int] = {}
    ratings = {str(n): 0 for n in range(1, 6)}
    per_problem = {p: {"problems": 0, "resolved": 0, "handed_over": 0} for p in PROBLEMS}
    steps: Dict[str, Dict[str, int]] = {p: {} for p in PROBLEMS}
    for figure in daily:
        slot = index.get(figure.day.isoformat())
        if slot is None:
            continue
        metric, key, count = figure.metric, figure.key, figure.count
        if metric in per_day:
            per_day[metric][slot] += count
        if metric == "conversations":
            channels[figure.channel or ""] = channels.get(figure.channel or "", 0) + count
        elif metric == "ratings" and key in ratings:
            ratings[key] += count
        elif metric == "problems" and key in per_problem:
            per_problem[key]["problems"] += count
        elif metric == "handed_over" and key in per_problem:
            per_problem[key]["handed_over"] += count
        elif metric == "resolved":
            problem, _, step = key.partition(":")
            if problem in per_problem:
                per_problem[problem]["resolved"] += count
                label = "报错专项处理" if step == "fix" else (f"第 {step} 步" if step not in ("", "0") else "步骤前")
                steps[problem][label] = steps[problem].get(label, 0) + count
    total = {m: sum(v) for m, v in per_day.items()}
    rated = sum(ratings.values())
    average = round(sum(int(k) * v for k, v in ratings.items()) / rated, 2) if rated else None
    resolution = []
    for problem, counts in per_problem.items():
        left = max(0, counts["problems"] - counts["resolved"] - counts["handed_over"])
        resolution.append({"problem": problem, "name": PROBLEM_NAMES[problem], **counts, "left": left,
                           "share": _share(counts["resolved"], counts["problems"])})
    return {
        "from": first.isoformat(), "to": last.isoformat(), "days": days, "per_day": per_day,
        "self_service_share": [_share(r, p) for r, p in zip(per_day["resolved"], per_day["problems"])],
        "fallback_rate": [_share(f, m) for f, m in zip(per_day["fallbacks"], per_day["messages"])],
        "totals": {**total, "self_service_share": _share(total["resolved"], total["problems"]),
                   "fallback_rate": _share(total["fallbacks"], total["messages"]),
                   "ratings": rated, "average_rating": average},
        "ratings": ratings,
        "channels": [{"channel": c, "name": CHANNEL_NAMES.get(c, c), "count": n}
                     for c, n in sorted(channels.items(), key=lambda item: -item[1])],
        "resolution": resolution,
        "steps": {p: sorted(s.items()) for p, s in steps.items() if s},
    }


async def _figures(request: web.Request) -> Dict[str, Any]:
    first, last = date_range(request.query)
    services = keys.services(request)
    result = figures(await services.analytics().daily(first, last), first, last)
    try:
        top = await services.unrecognised().most_frequent(first, last, 10)
    except Exception:  # noqa: BLE001 - the tracker store may be elsewhere or busy: charts still show
        top = []
    result["unrecognised"] = [{"text": text, "count": count} for text, count in top]
    return result


async def dashboard_page(request: web.Request) -> web.Response:
    await auth.require(request)
    data = await _figures(request)
    today = datetime.now(CHINA).date()
    presets = {days: (today - timedelta(days=days - 1)).isoformat() for days in (1, 7, 30, 90)}
    return await render(request, "dashboard.html", data=data, today=today.isoformat(), presets=presets,
                        data_json=json.dumps(data, ensure_ascii=False).replace("</", "<\\/"))


async def dashboard_json(request: web.Request) -> web.Response:
    await auth.require(request)
    return json_response(await _figures(request), headers={"Cache-Control": "no-store"})


async def dashboard_csv(request: web.Request) -> web.Response:
    await auth.require(request)
    first, last = date_range(request.query)
    rows = await keys.services(request).analytics().daily(first, last)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", "channel", "metric", "key", "count"])
    for row in rows:
        writer.writerow([row.day.isoformat(), row.channel, row.metric, row.key, row.count])
    # UTF-8 with BOM, so that Excel opens the Chinese keys correctly.
    return web.Response(body=("\ufeff" + out.getvalue()).encode("utf-8"), headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="fapiao-dashboard-{first}-{last}.csv"',
        "X-Content-Type-Options": "nosniff"})
