"""Server-rendered pages of the operator console: Jinja2 templates (autoescaped) under
``bot/console/templates``, strict security headers, Chinese labels shared by the pages."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Optional

import jinja2
from aiohttp import web

from bot.app.operators import ROLE_NAMES, Operator
from bot.console import keys

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHINA = timezone(timedelta(hours=8))

PROBLEM_NAMES = {
    "login_failure": "登录失败", "invoice_missing": "发票缺失", "issuance_failure": "开票失败",
    "query_empty": "查询为空", "upload_failure": "上传失败", "system_outage": "系统故障",
}
CHANNEL_NAMES = {"socketio": "网页", "rest": "接口", "wechat": "微信公众号", "wecom": "企业微信", "": "未知"}
STATUS_NAMES = {"open": "待处理", "in_progress": "处理中", "resolved": "已解决"}
DETAIL_NAMES = {
    "invoice_number": "发票号码", "invoice_code": "发票代码", "invoice_type": "发票类型",
    "invoice_date": "开票日期", "amount": "金额", "tax_id": "税号", "phone_number": "联系电话",
    "error_message": "报错信息", "platform": "平台", "notes": "用户补充",
}

PAGE_HEADERS = {
    "Content-Security-Policy": "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
    ]),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


def aware(value: datetime) -> datetime:
    """A stored time with its zone (SQLite gives back the China time it was given, naive)."""
    return value.replace(tzinfo=CHINA) if value.tzinfo is None else value


def local_time(value: Optional[datetime], pattern: str = "%m-%d %H:%M") -> str:
    """A time in China time for the pages ("" for None)."""
    if value is None:
        return ""
    return aware(value).astimezone(CHINA).strftime(pattern)


def age(value: Optional[datetime]) -> str:
    """How long ago, in Chinese ("3 分钟", "2 小时", "5 天")."""
    if value is None:
        return ""
    seconds = max(0, int((datetime.now(timezone.utc) - aware(value)).total_seconds()))
    if seconds < 3600:
        return f"{max(1, seconds // 60)} 分钟"
    if seconds < 86400:
        return f"{seconds // 3600} 小时"
    return f"{seconds // 86400} 天"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["local_time"] = local_time
    env.filters["age"] = age
    env.filters["problem_name"] = lambda key: PROBLEM_NAMES.get(key or "", key or "未分类")
    env.filters["channel_name"] = lambda key: CHANNEL_NAMES.get(key or "", key)
    env.filters["status_name"] = lambda key: STATUS_NAMES.get(key or "", key)
    env.filters["role_name"] = lambda key: ROLE_NAMES.get(key or "", key)
    env.filters["detail_name"] = lambda key: DETAIL_NAMES.get(key or "", key)
    env.globals.update(PROBLEM_NAMES=PROBLEM_NAMES, CHANNEL_NAMES=CHANNEL_NAMES, STATUS_NAMES=STATUS_NAMES,
                       ROLE_NAMES=ROLE_NAMES)
    return env


ENV = _environment()


async def render(request: web.Request, template: str, http_status: int = 200, **context: Any) -> web.Response:
    """The page ``template`` with the signed-in operator, the CSRF token and the menu."""
    from bot.console.auth import csrf_token, current_operator

    operator: Optional[Operator] = await current_operator(request)
    values: Dict[str, Any] = {
        "me": operator,
        "csrf": await csrf_token(request),
        "path": request.path,
        "flash": request.query.get("msg", ""),
        "flash_error": request.query.get("err", ""),
        "development": request.app[keys.SETTINGS].is_development,
    }
    values.update(context)
    body = ENV.get_template(template).render(**values)
    return web.Response(text=body, content_type="text/html", charset="utf-8", status=http_status,
                        headers=PAGE_HEADERS)


def back(location: str, message: str = "", error: str = "") -> web.HTTPSeeOther:
    """A redirect after a form (303), with a short message shown on the next page."""
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in (("msg", message), ("err", error)) if v})
    separator = "&" if "?" in location else "?"
    return web.HTTPSeeOther(location + (separator + query if query else ""))
