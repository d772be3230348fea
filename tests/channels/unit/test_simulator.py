"""The simulator's own crypto agrees with the reference vectors (it must not merely agree
with the bot's implementation)."""

from tests.channels.simulator import aes_decrypt, aes_encrypt, sha1_signature


def test_simulator_crypto_matches_v1_and_v2(vectors):
    v1 = vectors["V1_tencent_oa_sample"]
    assert aes_decrypt(v1["encoding_aes_key"], v1["encrypt"]) == (v1["decrypted"], v1["appid"])
    assert sha1_signature(v1["token"], v1["timestamp"], v1["nonce"], v1["encrypt"]) == v1["msg_signature"]
    v2 = vectors["V2_tencent_java_test"]
    encrypted = aes_encrypt(v2["encoding_aes_key"], v2["appid"], v2["plaintext"], v2["random16"].encode())
    assert encrypted == v2["encrypt"]


def test_simulator_crypto_matches_v4_reply(vectors):
    v4 = vectors["V4_wechatpy_crypto"]
    e = v4["encrypt"]
    encrypted = aes_encrypt(v4["encoding_aes_key"], v4["receive_id"], e["reply_xml"], e["random16"].encode())
    assert encrypted == e["encrypt"]
    assert sha1_signature(v4["token"], e["timestamp"], e["nonce"], e["encrypt"]) == e["msg_signature"]
