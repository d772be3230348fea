"""Authentication and (de)cryption of callbacks, shared by Official Account and WeCom.

`CallbackProtocol` holds what both products do the same way (the encrypted envelope,
msg_signature, sealing replies); `oa.OfficialAccountProtocol` and `wecom.WeComProtocol` add the
URL verification and the mode rules of each product (docs/channels.md §1.2, §1.5, §2).
"""

import logging
from dataclasses import dataclass
from typing import Dict, Mapping, Optional

from bot.rasa_plugins.channels.wechat import crypto, xmlcodec

logger = logging.getLogger(__name__)

Query = Mapping[str, str]


class CallbackRejected(Exception):
    """A callback failed a check; `status` is the HTTP answer, `reason` is for the log only."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Inbound:
    """An authenticated callback: the message fields and how to answer it."""

    fields: Dict[str, str]
    encrypted: bool
    timestamp: str
    nonce: str


class CallbackProtocol:
    """Checks and opens callbacks for one account; `cipher` is None in plaintext mode."""

    def __init__(self, token: str, cipher: Optional[crypto.WeChatCipher]) -> None:
        self.token = token
        self.cipher = cipher

    def verify_url(self, query: Query) -> str:
        """The body that proves ownership of the URL to WeChat (GET), or CallbackRejected."""
        raise NotImplementedError

    def open(self, query: Query, body: bytes) -> Inbound:
        """Authenticate (and decrypt) a POST, or raise CallbackRejected."""
        raise NotImplementedError

    def seal(self, reply_xml: str, inbound: Inbound) -> str:
        """Encrypt the reply when the callback was encrypted (Tencent's sample reuses the
        request's timestamp and nonce for the envelope)."""
        if not inbound.encrypted:
            return reply_xml
        assert self.cipher is not None
        encrypted = self.cipher.encrypt(reply_xml)
        msg_signature = crypto.signature(self.token, inbound.timestamp, inbound.nonce, encrypted)
        return xmlcodec.render_encrypted_envelope(
            encrypted, msg_signature, inbound.timestamp, inbound.nonce
        )

    # Helpers for subclasses -----------------------------------------------------------------
    def open_envelope(self, query: Query, body: bytes) -> Dict[str, str]:
        """Steps 2–7 of §1.5: parse the outer XML, check msg_signature, decrypt (checking
        padding, length and AppID/CorpID), then parse the inner XML."""
        if self.cipher is None:
            raise CallbackRejected(403, "encrypted callback but no EncodingAESKey configured")
        outer = parse(body)
        encrypted = outer.get("Encrypt", "").strip()
        if not encrypted:
            raise CallbackRejected(400, "no Encrypt element")
        self.require_signature(
            query.get("msg_signature"), query["timestamp"], query["nonce"], encrypted
        )
        return parse(self.decrypt(encrypted).encode("utf-8"))

    def decrypt(self, encrypted: str) -> str:
        assert self.cipher is not None
        try:
            return self.cipher.decrypt(encrypted)
        except crypto.WeChatCryptoError as error:
            status = 403 if error.code == crypto.VALIDATE_RECEIVE_ID_ERROR else 400
            raise CallbackRejected(status, error.reason) from error

    def require_signature(self, received: Optional[str], *parts: str) -> None:
        if not crypto.signature_matches(received, self.token, *parts):
            raise CallbackRejected(403, "signature mismatch")


def parse(body: bytes) -> Dict[str, str]:
    try:
        return xmlcodec.parse_callback(body)
    except xmlcodec.XmlRejected as error:
        raise CallbackRejected(400, str(error)) from error


def require_params(query: Query, *names: str) -> None:
    missing = [name for name in names if not query.get(name)]
    if missing:
        raise CallbackRejected(400, f"missing query parameters: {', '.join(missing)}")
