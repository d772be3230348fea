"""Clients for the asynchronous reply APIs (docs/channels.md §1.6, §2).

Official Account: customer-service messages (`/cgi-bin/message/custom/send`, token from
`/cgi-bin/token`). WeCom: application messages (`/cgi-bin/message/send`, token from
`/cgi-bin/gettoken`). Both share the retry rules in `MessageApi.send_text`:

- 40001/40014/42001 (token invalid/expired): invalidate the cached token and try once more;
- quota errors (45015 outside the 48 h window, 45047 count exhausted; 45009/45033 on WeCom):
  logged and dropped, never retried;
- a transient failure (connection error, HTTP 5xx, errcode -1 "system busy"): retried a bounded
  number of times with a short back-off;
- anything else: logged and dropped.
"""

import asyncio
import json
import logging
from typing import Any, Dict, Iterable, Optional, Tuple

import aiohttp

from bot.rasa_plugins.channels.wechat.kv import KeyValueStore
from bot.rasa_plugins.channels.wechat.tokens import AccessTokenCache

logger = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
SYSTEM_BUSY = -1


class HttpSessions:
    """One lazily created `aiohttp.ClientSession` per process, with explicit timeouts."""

    def __init__(self, timeout: Optional[aiohttp.ClientTimeout] = None) -> None:
        self._timeout = timeout or aiohttp.ClientTimeout(total=10, connect=3, sock_read=8)
        self._session: Optional[aiohttp.ClientSession] = None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


shared_sessions = HttpSessions()


class WeChatApiError(Exception):
    """An API call answered with a non-zero errcode or an unusable body."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class _Transient(Exception):
    """A failure worth a bounded retry."""


class MessageApi:
    """Base client: token handling, retries and quota rules. Subclasses give the endpoints."""

    quota_errors: frozenset = frozenset()
    channel_label = "WeChat"

    def __init__(
        self,
        base_url: str,
        store: KeyValueStore,
        namespace: str,
        sessions: HttpSessions = shared_sessions,
        attempts: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._sessions = sessions
        self._attempts = attempts
        self._backoff = backoff
        self.tokens = AccessTokenCache(store, namespace, self._fetch_token)

    # Endpoints, overridden per product ----------------------------------------------------
    def token_request(self) -> Tuple[str, Dict[str, str]]:
        raise NotImplementedError

    def send_path(self) -> str:
        raise NotImplementedError

    def text_body(self, user: str, text: str) -> Dict[str, Any]:
        raise NotImplementedError

    # Calls ----------------------------------------------------------------------------------
    async def _fetch_token(self) -> Tuple[str, int]:
        path, params = self.token_request()
        session = self._sessions.get()
        async with session.get(self._base + path, params=params) as response:
            data = await _json(response)
        if data.get("errcode") or "access_token" not in data:
            raise WeChatApiError(int(data.get("errcode", -2)), str(data.get("errmsg", "no token")))
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    async def _post(self, token: str, body: Dict[str, Any]) -> Dict[str, Any]:
        # Raw UTF-8, not \u escapes: WeChat rejects some escaped text (40033).
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        session = self._sessions.get()
        try:
            async with session.post(
                self._base + self.send_path(),
                params={"access_token": token},
                data=payload,
                headers={"Content-Type": "application/json; charset=utf-8"},
            ) as response:
                if response.status >= 500:
                    raise _Transient(f"HTTP {response.status}")
                return await _json(response)
        except asyncio.TimeoutError:
            raise  # the message may have gone out: never resend after a timeout
        except aiohttp.ClientConnectionError as error:
            raise _Transient(type(error).__name__) from error

    async def send_text(self, user: str, text: str) -> bool:
        """Send one text message; True when WeChat accepted it."""
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                token = await self.tokens.get()
                data = await self._post(token, self.text_body(user, text))
            except (_Transient, asyncio.TimeoutError, aiohttp.ClientError, WeChatApiError) as error:
                retry = isinstance(error, (_Transient, aiohttp.ClientConnectionError)) and not (
                    isinstance(error, asyncio.TimeoutError)
                )
                if retry and attempt < self._attempts:
                    await asyncio.sleep(self._backoff * attempt)
                    continue
                logger.error("%s API: sending failed: %s", self.channel_label, error)
                return False
            errcode = int(data.get("errcode", 0) or 0)
            if errcode == 0:
                return True
            if errcode in TOKEN_ERRORS and not refreshed:
                refreshed = True
                await self.tokens.invalidate(token)
                continue
            if errcode in self.quota_errors:
                logger.warning(
                    "%s API: quota exhausted (errcode %s: %s); reply dropped",
                    self.channel_label, errcode, data.get("errmsg", ""),
                )
                return False
            if errcode == SYSTEM_BUSY and attempt < self._attempts:
                await asyncio.sleep(self._backoff * attempt)
                continue
            logger.error(
                "%s API: message refused (errcode %s: %s)",
                self.channel_label, errcode, data.get("errmsg", ""),
            )
            return False

    async def close(self) -> None:
        await self._sessions.close()

    async def send_texts(self, user: str, texts: Iterable[str]) -> int:
        """Send messages in order, stopping at the first refusal; returns how many went out."""
        sent = 0
        for text in texts:
            if not await self.send_text(user, text):
                break
            sent += 1
        return sent


class OfficialAccountApi(MessageApi):
    """Official Account customer-service messages (客服消息)."""

    quota_errors = frozenset({45015, 45047})
    channel_label = "WeChat OA"

    def __init__(self, base_url: str, app_id: str, app_secret: str, **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        self._app_id = app_id
        self._app_secret = app_secret

    def token_request(self) -> Tuple[str, Dict[str, str]]:
        return "/cgi-bin/token", {
            "grant_type": "client_credential",
            "appid": self._app_id,
            "secret": self._app_secret,
        }

    def send_path(self) -> str:
        return "/cgi-bin/message/custom/send"

    def text_body(self, user: str, text: str) -> Dict[str, Any]:
        return {"touser": user, "msgtype": "text", "text": {"content": text}}


class WeComApi(MessageApi):
    """WeCom self-built application messages (应用消息)."""

    quota_errors = frozenset({45009, 45033, 45047})
    channel_label = "WeCom"

    def __init__(
        self, base_url: str, corp_id: str, secret: str, agent_id: str, **kwargs: Any
    ) -> None:
        super().__init__(base_url, **kwargs)
        self._corp_id = corp_id
        self._secret = secret
        self._agent_id = agent_id

    def token_request(self) -> Tuple[str, Dict[str, str]]:
        return "/cgi-bin/gettoken", {"corpid": self._corp_id, "corpsecret": self._secret}

    def send_path(self) -> str:
        return "/cgi-bin/message/send"

    def text_body(self, user: str, text: str) -> Dict[str, Any]:
        return {
            "touser": user,
            "msgtype": "text",
            "agentid": int(self._agent_id),
            "text": {"content": text},
            "safe": 0,
        }


async def _json(response: aiohttp.ClientResponse) -> Dict[str, Any]:
    try:
        data = json.loads(await response.read())
    except ValueError as error:
        raise WeChatApiError(-2, f"non-JSON answer (HTTP {response.status})") from error
    if not isinstance(data, dict):
        raise WeChatApiError(-2, "JSON answer is not an object")
    return data
