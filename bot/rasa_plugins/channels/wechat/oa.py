"""WeChat Official Account (公众号) channel: `/webhooks/wechat/webhook`.

credentials.yml: `bot.rasa_plugins.channels.wechat.oa.WeChatOfficialAccountInput:` (no keys).
Environment: WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET (required), WECHAT_AES_KEY
(required for compatible/safe mode), WECHAT_MODE (`plaintext`, `compat` or `safe`; default
`safe` with an AES key, `plaintext` without), WECHAT_API_BASE, plus the shared tunables in
`config.py`. Protocol: docs/channels.md §1.
"""

from typing import Mapping, Optional

from bot.rasa_plugins.channels.wechat import config, crypto
from bot.rasa_plugins.channels.wechat.api import OfficialAccountApi
from bot.rasa_plugins.channels.wechat.channel import WeChatInputBase, collector_named
from bot.rasa_plugins.channels.wechat.common import CallbackHandler
from bot.rasa_plugins.channels.wechat.kv import make_store
from bot.rasa_plugins.channels.wechat.protocol import (
    CallbackProtocol,
    CallbackRejected,
    Inbound,
    Query,
    parse,
    require_params,
)

PLAINTEXT, COMPAT, SAFE = "plaintext", "compat", "safe"
DEFAULT_API_BASE = "https://api.weixin.qq.com"


class OfficialAccountProtocol(CallbackProtocol):
    """Official Account rules: a plain `signature` on every request (§1.2); in compatible
    and safe mode `encrypt_type=aes` bodies carry `Encrypt` + `msg_signature` (§1.5)."""

    def __init__(self, token: str, cipher: Optional[crypto.WeChatCipher], mode: str) -> None:
        super().__init__(token, cipher)
        self.mode = mode

    def verify_url(self, query: Query) -> str:
        require_params(query, "signature", "timestamp", "nonce", "echostr")
        self.require_signature(query["signature"], query["timestamp"], query["nonce"])
        return query["echostr"]

    def open(self, query: Query, body: bytes) -> Inbound:
        require_params(query, "signature", "timestamp", "nonce")
        self.require_signature(query["signature"], query["timestamp"], query["nonce"])
        encrypt_type = query.get("encrypt_type") or "raw"
        if encrypt_type == "aes":
            if self.mode == PLAINTEXT:
                raise CallbackRejected(403, "encrypted callback but the channel is in plaintext mode")
            fields = self.open_envelope(query, body)
            return Inbound(fields, True, query["timestamp"], query["nonce"])
        if encrypt_type != "raw":
            raise CallbackRejected(400, f"unknown encrypt_type {encrypt_type!r}")
        if self.mode == SAFE:
            raise CallbackRejected(403, "plaintext callback refused in safe mode")
        return Inbound(parse(body), False, query["timestamp"], query["nonce"])


class WeChatOfficialAccountInput(WeChatInputBase):
    """Rasa input channel for a WeChat Official Account."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def build_handler(cls, env: Mapping[str, str]) -> CallbackHandler:
        values = config.required(env, "WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET")
        app_id = values["WECHAT_APP_ID"]
        aes_key = env.get("WECHAT_AES_KEY", "").strip()
        mode = env.get("WECHAT_MODE", "").strip().lower() or (SAFE if aes_key else PLAINTEXT)
        if mode not in (PLAINTEXT, COMPAT, SAFE):
            raise config.ConfigError(f"WECHAT_MODE={mode!r} is not plaintext, compat or safe")
        cipher = None
        if mode != PLAINTEXT:
            if not crypto.is_valid_encoding_aes_key(aes_key):
                raise config.ConfigError(
                    f"{mode} mode needs WECHAT_AES_KEY (43 characters of [A-Za-z0-9])"
                )
            cipher = crypto.WeChatCipher(aes_key, app_id)
        store = make_store(config.redis_url(env))
        namespace = f"wechat:{app_id}"
        api = OfficialAccountApi(
            config.api_base(env, "WECHAT_API_BASE", DEFAULT_API_BASE),
            app_id,
            values["WECHAT_APP_SECRET"],
            store=store,
            namespace=namespace,
        )
        return CallbackHandler(
            channel_name=cls.name(),
            protocol=OfficialAccountProtocol(values["WECHAT_TOKEN"], cipher, mode),
            api=api,
            store=store,
            namespace=namespace,
            settings=config.handler_settings(env),
            collector_factory=collector_named(cls.name()),
        )
