"""WeCom (企业微信) self-built application channel: `/webhooks/wecom/webhook`.

credentials.yml: `bot.rasa_plugins.channels.wechat.wecom.WeComInput:` (no keys).
Environment (all required): WECOM_TOKEN, WECOM_CORP_ID, WECOM_AES_KEY, WECOM_AGENT_ID,
WECOM_SECRET; optional WECOM_API_BASE and the shared tunables in `config.py`.
Protocol: docs/channels.md §2 — always encrypted, receive_id = CorpID, echostr encrypted.
"""

from typing import Mapping

from bot.rasa_plugins.channels.wechat import config, crypto
from bot.rasa_plugins.channels.wechat.api import WeComApi
from bot.rasa_plugins.channels.wechat.channel import WeChatInputBase, collector_named
from bot.rasa_plugins.channels.wechat.common import CallbackHandler
from bot.rasa_plugins.channels.wechat.kv import make_store
from bot.rasa_plugins.channels.wechat.protocol import (
    CallbackProtocol,
    CallbackRejected,
    Inbound,
    Query,
    require_params,
)

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"


class WeComProtocol(CallbackProtocol):
    """WeCom rules: `msg_signature` covers the echostr (GET) or `Encrypt` (POST); there is no
    plain `signature`; messages for another application of the corp are refused."""

    def __init__(self, token: str, cipher: crypto.WeChatCipher, agent_id: str) -> None:
        super().__init__(token, cipher)
        self.agent_id = agent_id

    def verify_url(self, query: Query) -> str:
        require_params(query, "msg_signature", "timestamp", "nonce", "echostr")
        echostr = query["echostr"]
        self.require_signature(query["msg_signature"], query["timestamp"], query["nonce"], echostr)
        # Returned exactly: no quotes, no BOM, no newline (docs/channels.md §2).
        return self.decrypt(echostr)

    def open(self, query: Query, body: bytes) -> Inbound:
        require_params(query, "msg_signature", "timestamp", "nonce")
        fields = self.open_envelope(query, body)
        agent_id = fields.get("AgentID", "").strip()
        if agent_id and agent_id != self.agent_id:
            raise CallbackRejected(403, f"message for another application (AgentID {agent_id})")
        return Inbound(fields, True, query["timestamp"], query["nonce"])


class WeComInput(WeChatInputBase):
    """Rasa input channel for a WeCom self-built application."""

    @classmethod
    def name(cls) -> str:
        return "wecom"

    @classmethod
    def build_handler(cls, env: Mapping[str, str]) -> CallbackHandler:
        values = config.required(
            env, "WECOM_TOKEN", "WECOM_CORP_ID", "WECOM_AES_KEY", "WECOM_AGENT_ID", "WECOM_SECRET"
        )
        if not crypto.is_valid_encoding_aes_key(values["WECOM_AES_KEY"]):
            raise config.ConfigError("WECOM_AES_KEY must be 43 characters of [A-Za-z0-9]")
        if not values["WECOM_AGENT_ID"].isdigit():
            raise config.ConfigError("WECOM_AGENT_ID must be the application's numeric AgentId")
        corp_id, agent_id = values["WECOM_CORP_ID"], values["WECOM_AGENT_ID"]
        store = make_store(config.redis_url(env))
        namespace = f"wecom:{corp_id}:{agent_id}"
        api = WeComApi(
            config.api_base(env, "WECOM_API_BASE", DEFAULT_API_BASE),
            corp_id,
            values["WECOM_SECRET"],
            agent_id,
            store=store,
            namespace=namespace,
        )
        return CallbackHandler(
            channel_name=cls.name(),
            protocol=WeComProtocol(
                values["WECOM_TOKEN"], crypto.WeChatCipher(values["WECOM_AES_KEY"], corp_id), agent_id
            ),
            api=api,
            store=store,
            namespace=namespace,
            settings=config.handler_settings(env),
            collector_factory=collector_named(cls.name()),
        )
