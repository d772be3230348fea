"""Operator sign-in for the console at ``/operator/``: encrypted-cookie sessions, CSRF, roles,
rate-limited wrong passwords.

* **Sessions**: aiohttp-session's ``EncryptedCookieStorage`` (Fernet, key derived from
  ``OPERATOR_SESSION_SECRET``), cookie ``fapiao_operator`` on ``/operator/``: ``HttpOnly``,
  ``SameSite=Strict``, ``Secure`` outside development (``OPERATOR_COOKIE_SECURE``), lifetime
  ``OPERATOR_SESSION_MAX_AGE`` after the last request. The session holds the user name and the
  CSRF token; the operator's role and whether the account is still active are read from the
  database on every request, so a disabled account is out at once. Signing in starts a new
  session (no fixation); signing out clears it.
* **CSRF**: every state-changing request under ``/operator/`` needs (1) an ``Origin`` (or, when
  a browser sends none, a ``Referer``) whose host is the console's own, and (2) the session's
  CSRF token in the form field ``csrf_token`` or the header ``X-CSRF-Token``; otherwise 403.
  The sign-in form has a token too (a session is started for it).
* **Roles**: ``agent`` < ``editor`` < ``admin`` (`bot.app.operators`); `require` answers 403
  below the role a page needs.
* **Wrong passwords**: at most ``OPERATOR_LOGIN_LIMIT`` per user name and per client address in
  ``OPERATOR_LOGIN_WINDOW`` seconds (aiolimiter's leaky bucket in this process; with
  ``REDIS_URL`` counters in Redis shared by the console replicas); beyond that sign-in answers
  429 without checking the password.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Optional
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp_session import get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from aiolimiter import AsyncLimiter

from bot.app.operators import Operator, has_role
from bot.app.settings import Settings
from bot.console import keys
from bot.console.errors import ApiError

logger = logging.getLogger(__name__)

COOKIE_NAME = "fapiao_operator"
PREFIX = "/operator/"
API_PREFIX = "/operator/api/"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_SEEN_REFRESH = 60  # seconds between two refreshes of the cookie's lifetime


def session_key(secret: str) -> bytes:
    """The 32-byte Fernet key derived from the configured secret (aiohttp-session encodes it)."""
    return hashlib.sha256(("operator-session:" + secret).encode()).digest()


def session_setup(settings: Settings) -> web.middleware:
    """The session middleware for the operator console's cookies."""
    secret = settings.operator_session_secret
    if not secret:
        secret = secrets.token_urlsafe(32)
        logger.warning("OPERATOR_SESSION_SECRET is not set: operator sessions end when the console "
                       "restarts and are not shared between console processes")
    secure = settings.operator_cookie_secure
    if secure is None:
        secure = not settings.is_development
    storage = EncryptedCookieStorage(session_key(secret), cookie_name=COOKIE_NAME, path=PREFIX,
                                     max_age=settings.operator_session_max_age, httponly=True,
                                     secure=secure, samesite="Strict")
    return session_middleware(storage)


class LoginLimits:
    """Wrong passwords per user name and per client address: leaky buckets in this process
    (aiolimiter), or, with ``REDIS_URL``, counters in Redis shared by every console replica
    (``INCR``/``EXPIRE`` per window; Redis unreachable: this process's buckets)."""

    def __init__(self, limit: int, window: float, capacity: int = 10000,
                 redis_url: Optional[str] = None) -> None:
        self._limit, self._window, self._capacity = limit, window, capacity
        self._buckets: "OrderedDict[str, AsyncLimiter]" = OrderedDict()
        self._redis_url = redis_url
        self._redis: Any = None

    def _bucket(self, key: str) -> AsyncLimiter:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = AsyncLimiter(self._limit, self._window)
            if len(self._buckets) > self._capacity:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(key)
        return bucket

    def _client(self) -> Any:
        if self._redis is None:
            import redis.asyncio as redis_asyncio

            self._redis = redis_asyncio.from_url(self._redis_url, socket_timeout=1.0)
        return self._redis

    @staticmethod
    def _name(key: str) -> str:
        return "fapiao:operator-login:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]

    async def blocked(self, *keys_: str) -> bool:
        """Whether any of ``keys_`` has used up its wrong passwords."""
        if self._redis_url:
            try:
                values = await self._client().mget([self._name(k) for k in keys_])
                return any(int(v or 0) >= self._limit for v in values)
            except Exception as error:  # noqa: BLE001 - fall back to this process's buckets
                logger.warning("Login limits: Redis unreachable (%s)", type(error).__name__)
        return any(not self._bucket(k).has_capacity() for k in keys_)

    async def failed(self, *keys_: str) -> None:
        """Count one wrong password against each key."""
        for key in keys_:
            bucket = self._bucket(key)
            if bucket.has_capacity():
                await bucket.acquire()
        if self._redis_url:
            try:
                client = self._client()
                for key in keys_:
                    name = self._name(key)
                    if await client.incr(name) == 1:
                        await client.expire(name, int(self._window) + 1)
            except Exception as error:  # noqa: BLE001 - counted in this process at least
                logger.warning("Login limits: Redis unreachable (%s)", type(error).__name__)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.close()


OPERATOR = web.AppKey("operator_limits", LoginLimits)


def client_address(request: web.Request) -> str:
    settings = request.app[keys.SETTINGS]
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.remote or ""


# --- CSRF ---------------------------------------------------------------------------------------

async def csrf_token(request: web.Request) -> str:
    """The session's CSRF token (made on first use)."""
    session = await get_session(request)
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        referer = request.headers.get("Referer")
        if not referer:
            return False
        origin = referer
    host = urlsplit(origin).netloc
    return bool(host) and host.lower() == (request.host or "").lower()


@web.middleware
async def csrf_middleware(request: web.Request,
                          handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Refuse state-changing requests under /operator/ without same Origin and the token."""
    if request.method in UNSAFE_METHODS and request.path.startswith(PREFIX):
        if not _same_origin(request):
            logger.warning("Operator console: %s %s refused (cross-origin)", request.method, request.path)
            raise ApiError(403, "csrf_origin", "请求来源不符，已拒绝。")
        session = await get_session(request)
        expected = session.get("csrf")
        given = request.headers.get(CSRF_HEADER, "")
        if not given and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            given = str((await request.post()).get(CSRF_FIELD, ""))
        if not isinstance(expected, str) or not given or not hmac.compare_digest(given.encode(), expected.encode()):
            logger.warning("Operator console: %s %s refused (CSRF token)", request.method, request.path)
            raise ApiError(403, "csrf_token", "页面已过期，请刷新后重试。")
    return await handler(request)


# --- who is signed in ---------------------------------------------------------------------------

async def current_operator(request: web.Request) -> Optional[Operator]:
    """The signed-in, still active operator, or None."""
    cached = request.get("operator")
    if cached is not None:
        return cached
    session = await get_session(request)
    username = session.get("user")
    if not isinstance(username, str):
        return None
    operator = await keys.services(request).operators().get(username)
    if operator is None or not operator.active:
        session.invalidate()
        return None
    now = int(time.time())
    if now - int(session.get("seen") or 0) > _SEEN_REFRESH:
        session["seen"] = now  # re-saves the cookie: the lifetime counts from the last request
    request["operator"] = operator
    return operator


async def require(request: web.Request, role: str = "agent") -> Operator:
    """The signed-in operator with at least ``role``: pages redirect to sign-in, the JSON API
    answers 401; 403 for a role too low."""
    operator = await current_operator(request)
    if operator is None:
        if request.path.startswith(API_PREFIX) or request.method != "GET":
            raise ApiError(401, "login_required", "请先登录。")
        raise web.HTTPFound(f"/operator/login?next={_next_path(request)}")
    if not has_role(operator.role, role):
        raise ApiError(403, "forbidden", "您的角色没有权限执行此操作。")
    return operator


def _next_path(request: web.Request) -> str:
    from urllib.parse import quote

    return quote(request.path_qs, safe="")


def safe_next(value: str) -> str:
    """Where to go after sign-in: only a path of this console (no open redirect)."""
    if value.startswith(PREFIX) and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX


async def sign_in(request: web.Request, operator: Operator) -> None:
    """A fresh session for ``operator`` (new CSRF token)."""
    session = await new_session(request)
    session["user"] = operator.username
    session["csrf"] = secrets.token_urlsafe(32)
    session["seen"] = int(time.time())


async def sign_out(request: web.Request) -> None:
    session = await get_session(request)
    session.invalidate()
