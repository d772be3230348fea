"""A WeChat / WeCom server simulator on 127.0.0.1 for the channel tests.

It plays both sides WeChat's servers have towards the bot:

- **callbacks** (WeChat → bot): signs and, in compatible/safe mode or for WeCom, encrypts
  messages as WeChat does, POSTs them to the bot's webhook with WeChat's 5-second timeout,
  and re-delivers a message when no answer arrived in time (or when told to treat answers
  as lost), up to three deliveries in all, `retry_delay` (5 s) after the previous one;
- **APIs** (bot → WeChat): `/cgi-bin/token`, `/cgi-bin/message/custom/send` (Official
  Account), `/cgi-bin/gettoken`, `/cgi-bin/message/send` (WeCom), with tokens that can be
  expired and error codes that can be injected.

Its crypto is written independently of `bot.rasa_plugins.channels.wechat.crypto` (standard library +
`cryptography`), so a symmetric bug in the bot cannot pass unnoticed; it is itself checked
against the reference vectors in tests/channels/unit/test_simulator.py.
"""

import asyncio
import base64
import hashlib
import itertools
import json
import os
import secrets
import socket
import struct
import threading
import time
import xml.etree.ElementTree as ET  # trusted input: the bot's replies in tests
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple
from urllib.parse import quote

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# --------------------------------------------------------------------------------------------
# WeChat's algorithms, as Tencent's samples implement them
# --------------------------------------------------------------------------------------------


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def aes_encrypt(aes_key: str, receive_id: str, text: str, random16: Optional[bytes] = None) -> str:
    key = base64.b64decode(aes_key + "=")
    msg = text.encode("utf-8")
    plain = (random16 or os.urandom(16)) + struct.pack("!I", len(msg)) + msg + receive_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def aes_decrypt(aes_key: str, encrypted: str) -> Tuple[str, str]:
    """Returns (message, receive_id)."""
    key = base64.b64decode(aes_key + "=")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(encrypted)) + dec.finalize()
    plain = plain[: -plain[-1]]
    (length,) = struct.unpack("!I", plain[16:20])
    return plain[20 : 20 + length].decode("utf-8"), plain[20 + length :].decode("utf-8")


def xml_of(fields: Dict[str, str]) -> str:
    """WeChat's XML layout: CDATA for strings, bare digits for numbers."""
    parts = []
    for name, value in fields.items():
        value = str(value)
        if value.isdigit():
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def fields_of(xml_text: str) -> Dict[str, str]:
    return {child.tag: child.text or "" for child in ET.fromstring(xml_text)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------------------------
# Accounts and results
# --------------------------------------------------------------------------------------------


@dataclass
class Account:
    """One Official Account (product "oa") or WeCom application (product "wecom")."""

    product: str
    token: str
    aes_key: str
    receive_id: str  # AppID or CorpID
    secret: str
    agent_id: str = ""
    original_id: str = "gh_1234567890ab"  # the OA's ToUserName
    mode: str = "safe"  # OA only: plaintext | compat | safe

    @property
    def to_user(self) -> str:
        return self.receive_id if self.product == "wecom" else self.original_id


@dataclass
class Attempt:
    status: Optional[int]
    body: str
    started: float  # time.monotonic() when the delivery was sent
    elapsed: float  # until the answer (or WeChat's 5 s timeout)
    lost: bool


@dataclass
class Delivery:
    """The outcome of delivering one message, re-deliveries included."""

    attempts: List[Attempt] = field(default_factory=list)
    reply: Optional[str] = None  # the passive reply's Content WeChat accepted, if any
    reply_fields: Dict[str, str] = field(default_factory=dict)

    @property
    def final(self) -> Attempt:
        return self.attempts[-1]


# --------------------------------------------------------------------------------------------
# WeChat's APIs (bot → WeChat)
# --------------------------------------------------------------------------------------------


@dataclass
class SentMessage:
    product: str
    touser: str
    content: str
    at: float


class ApiPeer:
    """Serves WeChat's token and message APIs for one OA and/or one WeCom account."""

    def __init__(self, *accounts: Account, token_lifetime: int = 7200) -> None:
        self.accounts = {a.product: a for a in accounts}
        self.token_lifetime = token_lifetime
        self.messages: List[SentMessage] = []  # accepted customer-service / app messages
        self.calls: List[Dict] = []  # every send call, accepted or not
        self.token_requests: Dict[str, int] = {"oa": 0, "wecom": 0}
        self.valid_tokens: Dict[str, set] = {"oa": set(), "wecom": set()}
        self.inject_errors: List[int] = []  # errcodes answered to the next send calls
        self._runner: Optional[web.AppRunner] = None
        self.base_url = ""

    async def start(self, port: Optional[int] = None) -> "ApiPeer":
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._oa_token)
        app.router.add_get("/cgi-bin/gettoken", self._wecom_token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        app.router.add_post("/cgi-bin/message/send", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = port or free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    def _issue_token(self, product: str) -> web.Response:
        self.token_requests[product] += 1
        token = f"TOKEN-{product}-{self.token_requests[product]}-{secrets.token_hex(4)}"
        self.valid_tokens[product] = {token}  # a new token invalidates the previous one
        return web.json_response({"access_token": token, "expires_in": self.token_lifetime})

    async def _oa_token(self, request: web.Request) -> web.Response:
        a, q = self.accounts.get("oa"), request.query
        if (
            a is None
            or q.get("grant_type") != "client_credential"
            or q.get("appid") != a.receive_id
            or q.get("secret") != a.secret
        ):
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        return self._issue_token("oa")

    async def _wecom_token(self, request: web.Request) -> web.Response:
        a, q = self.accounts.get("wecom"), request.query
        if a is None or q.get("corpid") != a.receive_id or q.get("corpsecret") != a.secret:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        return self._issue_token("wecom")

    async def _send(self, request: web.Request) -> web.Response:
        product = "wecom" if request.path == "/cgi-bin/message/send" else "oa"
        raw = await request.read()
        body = json.loads(raw)
        self.calls.append(body)
        if b"\\u" in raw:
            return web.json_response({"errcode": 40033, "errmsg": "invalid charset"})
        if request.query.get("access_token") not in self.valid_tokens[product]:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        if self.inject_errors:
            code = self.inject_errors.pop(0)
            return web.json_response({"errcode": code, "errmsg": "injected"})
        if body.get("msgtype") != "text":
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        if product == "wecom" and str(body.get("agentid")) != self.accounts["wecom"].agent_id:
            return web.json_response({"errcode": 40056, "errmsg": "invalid agentid"})
        content = body["text"]["content"]
        if len(content.encode("utf-8")) > 2048:
            return web.json_response({"errcode": 45002, "errmsg": "content size out of limit"})
        self.messages.append(SentMessage(product, body["touser"], content, time.time()))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def expire_tokens(self) -> None:
        """The next API call with a cached token gets 40001, as after a token reset."""
        self.valid_tokens = {"oa": set(), "wecom": set()}

    def sent_to(self, user: str) -> List[str]:
        return [m.content for m in self.messages if m.touser == user]

    async def wait_for_messages(self, user: str, count: int, timeout: float = 20.0) -> List[str]:
        deadline = time.monotonic() + timeout
        while len(self.sent_to(user)) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.sent_to(user)


class ApiPeerThread:
    """Runs an `ApiPeer` on its own event loop in a thread, so that one peer can serve a whole
    test session while every test has its own event loop."""

    def __init__(self, peer: ApiPeer, port: Optional[int] = None) -> None:
        self.peer = peer
        self._port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="wechat-api-peer", daemon=True)

    def start(self) -> ApiPeer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.peer.start(self._port), self._loop).result(10)
        return self.peer

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.peer.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


# --------------------------------------------------------------------------------------------
# Callbacks (WeChat → bot)
# --------------------------------------------------------------------------------------------


class WeChatSimulator:
    """Drives a bot webhook as WeChat's servers do. Use `async with` to open its HTTP session."""

    TIMEOUT = 5.0  # WeChat drops the connection after 5 s

    def __init__(
        self,
        account: Account,
        webhook_url: str = "",
        api: Optional[ApiPeer] = None,
        retry_delay: float = 5.0,
        max_deliveries: int = 3,
    ) -> None:
        self.account = account
        self.webhook_url = webhook_url
        self.api = api
        self.retry_delay = retry_delay
        self.max_deliveries = max_deliveries
        self.passive: List[SentMessage] = []  # passive replies WeChat accepted
        self._ids = itertools.count(int(time.time() * 1000) * 1000 + secrets.randbelow(1000))
        self._session: Optional[aiohttp.ClientSession] = None

    async def __aenter__(self) -> "WeChatSimulator":
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *_) -> None:
        if self._session:
            await self._session.close()

    def inbox(self, user: str) -> List[str]:
        """Everything the user has seen: passive replies and API messages, in time order."""
        seen = [m for m in self.passive if m.touser == user]
        if self.api is not None:
            seen += [m for m in self.api.messages if m.touser == user and m.product == self.account.product]
        return [m.content for m in sorted(seen, key=lambda m: m.at)]

    # messages -------------------------------------------------------------------------------
    def next_msg_id(self) -> str:
        return str(next(self._ids))

    def text(self, user: str, content: str, msg_id: Optional[str] = None) -> Dict[str, str]:
        return self._message(user, "text", {"Content": content}, msg_id)

    def voice(self, user: str, recognition: str = "") -> Dict[str, str]:
        extra = {"MediaId": "media-" + secrets.token_hex(4), "Format": "amr", "Recognition": recognition}
        return self._message(user, "voice", extra)

    def image(self, user: str) -> Dict[str, str]:
        extra = {"PicUrl": "http://127.0.0.1/pic.jpg", "MediaId": "media-" + secrets.token_hex(4)}
        return self._message(user, "image", extra)

    def event(self, user: str, event: str, key: str = "",
              create_time: Optional[int] = None) -> Dict[str, str]:
        fields = {
            "ToUserName": self.account.to_user,
            "FromUserName": user,
            "CreateTime": str(create_time or int(time.time())),
            "MsgType": "event",
            "Event": event,
        }
        if key:
            fields["EventKey"] = key
        if self.account.product == "wecom":
            fields["AgentID"] = self.account.agent_id
        return fields

    def _message(self, user: str, msg_type: str, extra: Dict[str, str],
                 msg_id: Optional[str] = None) -> Dict[str, str]:
        fields = {
            "ToUserName": self.account.to_user,
            "FromUserName": user,
            "CreateTime": str(int(time.time())),
            "MsgType": msg_type,
            **extra,
            "MsgId": msg_id or self.next_msg_id(),
        }
        if self.account.product == "wecom":
            fields["AgentID"] = self.account.agent_id
        return fields

    # signing and encryption -----------------------------------------------------------------
    def signed_request(
        self,
        fields: Dict[str, str],
        *,
        timestamp: Optional[int] = None,
        receive_id: Optional[str] = None,
        forge_signature: bool = False,
        inner_xml: Optional[str] = None,
    ) -> Tuple[str, bytes]:
        """(query string, body) as WeChat would send them for this account and mode."""
        a = self.account
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = str(secrets.randbelow(10**9))
        plain_xml = inner_xml if inner_xml is not None else xml_of(fields)
        encrypted_mode = a.product == "wecom" or a.mode in ("compat", "safe")
        query: Dict[str, str] = {"timestamp": ts, "nonce": nonce}
        if encrypted_mode:
            encrypted = aes_encrypt(a.aes_key, receive_id or a.receive_id, plain_xml)
            msg_signature = sha1_signature(a.token, ts, nonce, encrypted)
            if forge_signature:
                msg_signature = "0" * 40
            query["msg_signature"] = msg_signature
            if a.product == "wecom":
                body = xml_of({"ToUserName": a.receive_id, "Encrypt": encrypted, "AgentID": a.agent_id})
            else:
                query["encrypt_type"] = "aes"
                outer = {"ToUserName": a.to_user, "Encrypt": encrypted}
                if a.mode == "compat":
                    outer = {**fields, "Encrypt": encrypted}
                body = xml_of(outer)
        else:
            body = plain_xml
        if a.product == "oa":
            query["signature"] = "0" * 40 if forge_signature else sha1_signature(a.token, ts, nonce)
            query["openid"] = fields.get("FromUserName", "")
        query_string = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
        return query_string, body.encode("utf-8")

    def verification_query(self, echostr: str, *, forge: bool = False,
                           timestamp: Optional[int] = None) -> Tuple[str, str]:
        """(query string, expected body) of the GET that WeChat sends when the URL is saved."""
        a = self.account
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = str(secrets.randbelow(10**9))
        if a.product == "wecom":
            encrypted = aes_encrypt(a.aes_key, a.receive_id, echostr)
            sig = "0" * 40 if forge else sha1_signature(a.token, ts, nonce, encrypted)
            query = {"msg_signature": sig, "timestamp": ts, "nonce": nonce, "echostr": encrypted}
        else:
            sig = "0" * 40 if forge else sha1_signature(a.token, ts, nonce)
            query = {"signature": sig, "timestamp": ts, "nonce": nonce, "echostr": echostr}
        return "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items()), echostr

    def read_reply(self, body: str) -> Optional[Dict[str, str]]:
        """The reply fields of an answer body, decrypting and checking it in encrypted mode;
        None for `success` / empty (no reply)."""
        if body in ("", "success"):
            return None
        outer = fields_of(body)
        if "Encrypt" not in outer:
            return outer
        a = self.account
        expected = sha1_signature(a.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
        assert outer["MsgSignature"] == expected, "reply MsgSignature does not verify"
        message, receive_id = aes_decrypt(a.aes_key, outer["Encrypt"])
        assert receive_id == a.receive_id, "reply sealed for another AppID/CorpID"
        return fields_of(message)

    # HTTP -------------------------------------------------------------------------------------
    async def post(self, query: str, body: bytes, timeout: float = TIMEOUT) -> Tuple[int, str]:
        assert self._session is not None, "start() the simulator first"
        async with self._session.post(
            f"{self.webhook_url}?{query}",
            data=body,
            headers={"Content-Type": "text/xml"},
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            return response.status, await response.text()

    async def get(self, query: str) -> Tuple[int, str]:
        assert self._session is not None, "start() the simulator first"
        async with self._session.get(f"{self.webhook_url}?{query}") as response:
            return response.status, await response.text()

    async def verify_url(self, echostr: str = "", forge: bool = False) -> Tuple[int, str, str]:
        """GET verification; returns (status, body, expected body)."""
        query, expected = self.verification_query(echostr or str(secrets.randbelow(10**19)), forge=forge)
        status, body = await self.get(query)
        return status, body, expected

    async def deliver(self, fields: Dict[str, str], lose_responses: int = 0) -> Delivery:
        """Deliver a message as WeChat does: POST, and when no answer arrives within 5 s (or
        the answer is one of the first `lose_responses`, treated as lost on the way), deliver
        it again `retry_delay` seconds after the previous delivery, up to `max_deliveries`."""
        delivery = Delivery()
        for number in range(self.max_deliveries):
            started = time.monotonic()
            query, body = self.signed_request(fields)
            try:
                status, text = await self.post(query, body)
                lost = number < lose_responses
            except asyncio.TimeoutError:
                status, text, lost = None, "", True
            delivery.attempts.append(Attempt(status, text, started, time.monotonic() - started, lost))
            if not lost:
                break
            await asyncio.sleep(max(0.0, started + self.retry_delay - time.monotonic()))
        final = delivery.final
        if final.status == 200 and not final.lost:
            reply = self.read_reply(final.body)
            if reply is not None:
                delivery.reply_fields = reply
                delivery.reply = reply.get("Content", "")
                self.passive.append(SentMessage(self.account.product, fields["FromUserName"], delivery.reply,
                                                time.time()))
        return delivery

    async def converse(self, fields: Dict[str, str], timeout: float = 30.0) -> str:
        """What the user sees in answer to one message: the passive reply, or, when WeChat was
        answered `success`, the customer-service messages that follow."""
        user = fields["FromUserName"]
        before = len(self.api.sent_to(user)) if self.api else 0
        delivery = await self.deliver(fields)
        if delivery.reply is not None:
            return delivery.reply
        assert self.api is not None, f"no passive reply ({delivery.final.status}) and no API peer"
        sent = await self.api.wait_for_messages(user, before + 1, timeout)
        assert len(sent) > before, f"no reply to {fields.get('Content')!r} within {timeout} s"
        return "\n\n".join(sent[before:])
