"""WeChat / WeCom callback cryptography: signatures and the AES "safe mode" envelope.

Implements `docs/channels.md` §1.2 and §1.5 on the `cryptography` package (a Rasa
dependency) instead of wechatpy, because wechatpy compares signatures with `!=`, does not
validate PKCS#7 padding and draws the random prefix from `random`. Tested against every vector
in `tests/channels/unit/wechat_vectors.json` (tests/channels/unit/test_wechat_crypto.py).
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
from typing import Optional

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_SIZE = 32  # WeChat pads to 32 bytes, not to the AES block size of 16
RANDOM_PREFIX_SIZE = 16
_ENCODING_AES_KEY = re.compile(r"^[A-Za-z0-9]{43}$")


class WeChatCryptoError(Exception):
    """A callback failed a protocol check. `code` is Tencent's sample error code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{reason} ({code})")
        self.code = code
        self.reason = reason


# Tencent's error codes from the official samples (WXBizMsgCrypt ierror).
VALIDATE_SIGNATURE_ERROR = -40001
PARSE_XML_ERROR = -40002
VALIDATE_RECEIVE_ID_ERROR = -40005
DECRYPT_AES_ERROR = -40007
ILLEGAL_BUFFER = -40008
DECODE_BASE64_ERROR = -40010


def signature(*parts: str) -> str:
    """Return `sha1("".join(sorted(parts)))` as hex, the signature of every WeChat callback.

    Sorting `str` values gives the same order as sorting their UTF-8 bytes (code-point order).
    """
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(expected: Optional[str], *parts: str) -> bool:
    """Check a received signature against the parts, in constant time."""
    if not expected:
        return False
    return hmac.compare_digest(signature(*parts).encode("ascii"), expected.encode("utf-8"))


def is_valid_encoding_aes_key(value: str) -> bool:
    """An EncodingAESKey is 43 characters of `[A-Za-z0-9]` (the console generates it)."""
    return bool(_ENCODING_AES_KEY.match(value or ""))


def pkcs7_pad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    """Pad to a multiple of `block_size`; a full block is added when already aligned."""
    amount = block_size - len(data) % block_size
    return data + bytes([amount]) * amount


def pkcs7_unpad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    """Remove and validate PKCS#7 padding (1..block_size, all pad bytes equal)."""
    if not data:
        raise WeChatCryptoError(ILLEGAL_BUFFER, "empty plaintext")
    amount = data[-1]
    if not 1 <= amount <= block_size or amount > len(data):
        raise WeChatCryptoError(ILLEGAL_BUFFER, "bad padding length")
    if not hmac.compare_digest(data[-amount:], bytes([amount]) * amount):
        raise WeChatCryptoError(ILLEGAL_BUFFER, "bad padding bytes")
    return data[:-amount]


class WeChatCipher:
    """AES-256-CBC with the EncodingAESKey, as WeChat (receive_id = AppID) and WeCom
    (receive_id = CorpID) use it. The IV is the first 16 bytes of the key."""

    def __init__(self, encoding_aes_key: str, receive_id: str) -> None:
        if not is_valid_encoding_aes_key(encoding_aes_key):
            raise ValueError("EncodingAESKey must be 43 characters of [A-Za-z0-9]")
        self._key = base64.b64decode(encoding_aes_key + "=")
        self._receive_id = receive_id.encode("utf-8")

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, text: str, random_prefix: Optional[bytes] = None) -> str:
        """Encrypt `text` into the base64 `Encrypt` value.

        `random_prefix` exists for the deterministic vectors; production calls leave it out and
        get 16 bytes from `secrets`.
        """
        prefix = random_prefix if random_prefix is not None else secrets.token_bytes(16)
        if len(prefix) != RANDOM_PREFIX_SIZE:
            raise ValueError("the random prefix must be 16 bytes")
        body = text.encode("utf-8")
        plain = prefix + struct.pack(">I", len(body)) + body + self._receive_id
        encryptor = self._cipher().encryptor()
        sealed = encryptor.update(pkcs7_pad(plain)) + encryptor.finalize()
        return base64.b64encode(sealed).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """Decrypt a base64 `Encrypt` value (or WeCom echostr), checking padding, length and
        the trailing receive_id. Raises `WeChatCryptoError` with Tencent's error code."""
        try:
            sealed = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as error:
            raise WeChatCryptoError(DECODE_BASE64_ERROR, "Encrypt is not base64") from error
        if not sealed or len(sealed) % 16:
            raise WeChatCryptoError(DECRYPT_AES_ERROR, "ciphertext is not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = pkcs7_unpad(decryptor.update(sealed) + decryptor.finalize())
        if len(plain) < RANDOM_PREFIX_SIZE + 4:
            raise WeChatCryptoError(ILLEGAL_BUFFER, "plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise WeChatCryptoError(ILLEGAL_BUFFER, "message length exceeds plaintext")
        message, receive_id = plain[20 : 20 + length], plain[20 + length :]
        if not hmac.compare_digest(receive_id, self._receive_id):
            raise WeChatCryptoError(VALIDATE_RECEIVE_ID_ERROR, "receive id (AppID/CorpID) mismatch")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError as error:
            raise WeChatCryptoError(ILLEGAL_BUFFER, "message is not UTF-8") from error
