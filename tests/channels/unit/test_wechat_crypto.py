"""bot.rasa_plugins.channels.wechat.crypto against every reference vector (docs/channels.md §8, V1–V6)."""

import base64

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.rasa_plugins.channels.wechat import crypto
from bot.rasa_plugins.channels.wechat.crypto import WeChatCipher, WeChatCryptoError

V4_ENVELOPE = (
    "<xml>\n"
    "<Encrypt><![CDATA[9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3]]></Encrypt>\n"
    "<MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]></MsgSignature>\n"
    "<TimeStamp>1411525903</TimeStamp>\n"
    "<Nonce><![CDATA[461056294]]></Nonce>\n"
    "</xml>"
)


# V1 — Tencent official-account sample ---------------------------------------------------------

def test_v1_plain_signature(vectors):
    v = vectors["V1_tencent_oa_sample"]
    assert crypto.signature(v["token"], v["timestamp"], v["nonce"]) == v["plain_signature_derived"]


def test_v1_msg_signature_and_decrypt(vectors):
    v = vectors["V1_tencent_oa_sample"]
    assert crypto.signature_matches(v["msg_signature"], v["token"], v["timestamp"], v["nonce"], v["encrypt"])
    assert WeChatCipher(v["encoding_aes_key"], v["appid"]).decrypt(v["encrypt"]) == v["decrypted"]


def test_v1_wrong_appid_is_rejected(vectors):
    v = vectors["V1_tencent_oa_sample"]
    with pytest.raises(WeChatCryptoError) as error:
        WeChatCipher(v["encoding_aes_key"], "wx0000000000000000").decrypt(v["encrypt"])
    assert error.value.code == crypto.VALIDATE_RECEIVE_ID_ERROR


def test_v1_zero_msg_signature_is_rejected(vectors):
    v = vectors["V1_tencent_oa_sample"]
    assert not crypto.signature_matches("0" * 40, v["token"], v["timestamp"], v["nonce"], v["encrypt"])


# V2 — Tencent Java test (deterministic encryption) -------------------------------------------

@pytest.mark.parametrize("plain_key, encrypt_key", [("plaintext", "encrypt"), ("plaintext_2", "encrypt_2")])
def test_v2_deterministic_encrypt(vectors, plain_key, encrypt_key):
    v = vectors["V2_tencent_java_test"]
    cipher = WeChatCipher(v["encoding_aes_key"], v["appid"])
    encrypted = cipher.encrypt(v[plain_key], random_prefix=v["random16"].encode())
    assert encrypted == v[encrypt_key]
    assert cipher.decrypt(encrypted) == v[plain_key]


# V3 — wechatpy check_signature and WeChatSigner ----------------------------------------------

def test_v3_signature(vectors):
    v = vectors["V3_wechatpy_check_signature"]
    assert crypto.signature_matches(v["signature"], v["token"], v["timestamp"], v["nonce"])
    assert not crypto.signature_matches(v["bad_signature"], v["token"], v["timestamp"], v["nonce"])
    assert crypto.signature("789", "456", "123") == "f7c3bc1d808e04732adf679965ccc34ca7ae3441"


@pytest.mark.parametrize("received", [None, "", "F21891DE399B4E33A1A93C9A7B8A8FFFB5A443FF", "短"])
def test_signature_refuses_missing_or_altered(vectors, received):
    v = vectors["V3_wechatpy_check_signature"]
    assert not crypto.signature_matches(received, v["token"], v["timestamp"], v["nonce"])


# V4 — wechatpy WeCom crypto (verify, decrypt, encrypted reply envelope) ------------------------

def test_v4_verify_echostr(vectors):
    v = vectors["V4_wechatpy_crypto"]
    ver = v["verify"]
    assert crypto.signature_matches(ver["msg_signature"], v["token"], ver["timestamp"], ver["nonce"],
                                    ver["echostr"])
    cipher = WeChatCipher(v["encoding_aes_key"], v["receive_id"])
    assert cipher.decrypt(ver["echostr"]) == ver["echostr_plain"]
    assert not crypto.signature_matches(ver["msg_signature"], v["token"], ver["timestamp"], "437374424",
                                        ver["echostr"])


def test_v4_decrypt(vectors):
    v = vectors["V4_wechatpy_crypto"]
    d = v["decrypt"]
    assert crypto.signature_matches(d["msg_signature"], v["token"], d["timestamp"], d["nonce"], d["encrypt"])
    plain = WeChatCipher(v["encoding_aes_key"], v["receive_id"]).decrypt(d["encrypt"])
    assert "<Content><![CDATA[test]]></Content>" in plain
    assert "<FromUserName><![CDATA[messense]]></FromUserName>" in plain


def test_v4_encrypted_reply_envelope(vectors):
    from bot.rasa_plugins.channels.wechat.xmlcodec import render_encrypted_envelope

    v = vectors["V4_wechatpy_crypto"]
    e = v["encrypt"]
    encrypted = WeChatCipher(v["encoding_aes_key"], v["receive_id"]).encrypt(
        e["reply_xml"], random_prefix=e["random16"].encode()
    )
    assert encrypted == e["encrypt"]
    msg_signature = crypto.signature(v["token"], e["timestamp"], e["nonce"], encrypted)
    assert msg_signature == e["msg_signature"]
    assert render_encrypted_envelope(encrypted, msg_signature, e["timestamp"], e["nonce"]) == V4_ENVELOPE


# V5, V6 — WeCom official samples ------------------------------------------------------------

@pytest.mark.parametrize("name", ["V5_wecom_python_sample"])
def test_v5_verify_and_decrypt(vectors, name):
    v = vectors[name]
    cipher = WeChatCipher(v["encoding_aes_key"], v["receive_id"])
    ver, d = v["verify"], v["decrypt"]
    assert crypto.signature_matches(ver["msg_signature"], v["token"], ver["timestamp"], ver["nonce"],
                                    ver["echostr"])
    assert cipher.decrypt(ver["echostr"]) == ver["echostr_plain"]
    assert crypto.signature_matches(d["msg_signature"], v["token"], d["timestamp"], d["nonce"], d["encrypt"])
    assert "<Content>你好</Content>" in cipher.decrypt(d["encrypt"])


def test_v6_decrypt(vectors):
    v = vectors["V6_wecom_legacy_sample"]
    d = v["decrypt"]
    assert crypto.signature_matches(d["msg_signature"], v["token"], d["timestamp"], d["nonce"], d["encrypt"])
    plain = WeChatCipher(v["encoding_aes_key"], v["receive_id"]).decrypt(d["encrypt"])
    for fragment in ("mycreate", "<![CDATA[hello]]>", "4561255354251345929", "218"):
        assert fragment in plain


# Negative cases on malformed ciphertext --------------------------------------------------------

def _raw_encrypt(aes_key: str, plain: bytes) -> str:
    key = base64.b64decode(aes_key + "=")
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.mark.parametrize(
    "encrypted, code",
    [
        ("not base64!!", crypto.DECODE_BASE64_ERROR),
        (base64.b64encode(b"short").decode(), crypto.DECRYPT_AES_ERROR),
        # padding byte 0 and padding byte 33 are both invalid
        (_raw_encrypt(KEY, b"\x00" * 32), crypto.ILLEGAL_BUFFER),
        (_raw_encrypt(KEY, b"\x21" * 64), crypto.ILLEGAL_BUFFER),
        # pad bytes not all equal
        (_raw_encrypt(KEY, b"a" * 29 + b"\x01\x02\x03"), crypto.ILLEGAL_BUFFER),
        # message length larger than the plaintext
        (_raw_encrypt(KEY, crypto.pkcs7_pad(b"r" * 16 + b"\x00\x00\x10\x00" + b"<xml/>")),
         crypto.ILLEGAL_BUFFER),
    ],
)
def test_malformed_ciphertext_is_rejected(encrypted, code):
    with pytest.raises(WeChatCryptoError) as error:
        WeChatCipher(KEY, "wx2c2769f8efd9abc2").decrypt(encrypted)
    assert error.value.code == code


@pytest.mark.parametrize("length", [0, 1, 31, 32, 33, 64])
def test_pkcs7_pads_to_32_and_round_trips(length):
    data = b"x" * length
    padded = crypto.pkcs7_pad(data)
    assert len(padded) % 32 == 0 and len(padded) > length
    assert crypto.pkcs7_unpad(padded) == data


@pytest.mark.parametrize("key, valid", [(KEY, True), (KEY[:-1], False), (KEY[:-1] + "+", False), ("", False)])
def test_encoding_aes_key_validation(key, valid):
    assert crypto.is_valid_encoding_aes_key(key) is valid


def test_random_prefix_differs_between_encryptions():
    cipher = WeChatCipher(KEY, "wx2c2769f8efd9abc2")
    assert cipher.encrypt("同一条消息") != cipher.encrypt("同一条消息")
