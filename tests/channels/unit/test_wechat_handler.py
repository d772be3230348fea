"""The callback algorithm (bot.rasa_plugins.channels.wechat.common) with a fake Rasa, on the reference
vectors and on messages signed by the simulator's independent implementation.

These are docs/channels.md §8 "contract tests" 1–9, plus the mode, size and button rules.
"""

import time

import pytest

from bot.rasa_plugins.channels.wechat import crypto
from bot.rasa_plugins.channels.wechat.common import CallbackHandler, HandlerSettings
from bot.rasa_plugins.channels.wechat.kv import MemoryStore
from bot.rasa_plugins.channels.wechat.oa import COMPAT, PLAINTEXT, SAFE
from bot.rasa_plugins.channels.wechat.wecom import WeComProtocol
from tests.channels.simulator import Account, WeChatSimulator, aes_decrypt, fields_of, sha1_signature
from tests.channels.unit.fakes import (
    AES_KEY,
    APP_ID,
    TOKEN,
    FakeRasa,
    RecordingApi,
    RecordingEraser,
    oa_handler,
    parse_query,
    say,
)

USER = "oUser_0000000000000000000001"


def simulator(mode=SAFE, product="oa") -> WeChatSimulator:
    if product == "wecom":
        account = Account("wecom", TOKEN, AES_KEY, "ww1436e0e65a779aee", "s", agent_id="1000002")
    else:
        account = Account("oa", TOKEN, AES_KEY, APP_ID, "s", mode=mode)
    return WeChatSimulator(account)


async def post(handler, sim, fields, rasa, eraser=None, **kwargs):
    query, body = sim.signed_request(fields, **kwargs)
    return await handler.handle_post(parse_query(query), body, rasa, eraser or RecordingEraser())


# §8 contract 1–3: the V1 vector end to end ---------------------------------------------------

@pytest.fixture
def v1(vectors):
    return vectors["V1_tencent_oa_sample"]


def v1_handler(v1, **kwargs):
    return oa_handler(token=v1["token"], aes_key=v1["encoding_aes_key"], app_id=v1["appid"],
                      clock=lambda: int(v1["timestamp"]), **kwargs)


def v1_query(v1, **overrides):
    query = {
        "signature": v1["plain_signature_derived"], "timestamp": v1["timestamp"], "nonce": v1["nonce"],
        "encrypt_type": "aes", "msg_signature": v1["msg_signature"],
    }
    query.update(overrides)
    return query


def v1_body(v1):
    return (f"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
            f"<Encrypt><![CDATA[{v1['encrypt']}]]></Encrypt></xml>").encode()


async def test_get_verification_echoes_echostr(v1):
    reply = await v1_handler(v1).handle_get(
        {"signature": v1["plain_signature_derived"], "timestamp": v1["timestamp"], "nonce": v1["nonce"],
         "echostr": "abc"})
    assert (reply.status, reply.body) == (200, "abc")


async def test_get_verification_with_wrong_signature_is_forbidden(v1):
    reply = await v1_handler(v1).handle_get(
        {"signature": "0" * 40, "timestamp": v1["timestamp"], "nonce": v1["nonce"], "echostr": "abc"})
    assert reply.status == 403 and "abc" not in reply.body


async def test_v1_safe_mode_round_trip(v1):
    rasa = FakeRasa(say("你好"))
    reply = await v1_handler(v1).handle_post(v1_query(v1), v1_body(v1), rasa, RecordingEraser())
    assert reply.status == 200 and reply.content_type.startswith("application/xml")
    assert rasa.texts == ["abcdteT"]
    assert rasa.messages[0].sender_id == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert rasa.messages[0].message_id == "6054768590064713728"
    envelope = fields_of(reply.body)
    assert envelope["MsgSignature"] == sha1_signature(v1["token"], envelope["TimeStamp"], envelope["Nonce"],
                                                      envelope["Encrypt"])
    message, receive_id = aes_decrypt(v1["encoding_aes_key"], envelope["Encrypt"])
    assert receive_id == v1["appid"]
    fields = fields_of(message)
    assert (fields["ToUserName"], fields["FromUserName"], fields["MsgType"], fields["Content"]) == (
        "oyORnuP8q7ou2gfYjqLzSIWZf0rs", "gh_10f6c3c3ac5a", "text", "你好")


@pytest.mark.parametrize(
    "overrides, status",
    [
        ({"msg_signature": "0" * 40}, 403),
        ({"signature": "0" * 40}, 403),
        ({"signature": None}, 400),
        ({"encrypt_type": "rsa"}, 400),
    ],
)
async def test_v1_tampered_requests_never_reach_rasa(v1, overrides, status):
    rasa = FakeRasa()
    query = {k: v for k, v in v1_query(v1, **overrides).items() if v is not None}
    reply = await v1_handler(v1).handle_post(query, v1_body(v1), rasa, RecordingEraser())
    assert reply.status == status and rasa.messages == []


async def test_v1_with_wrong_appid_is_forbidden(v1):
    rasa = FakeRasa()
    handler = oa_handler(token=v1["token"], aes_key=v1["encoding_aes_key"], app_id="wx0000000000000000",
                         clock=lambda: int(v1["timestamp"]))
    reply = await handler.handle_post(v1_query(v1), v1_body(v1), rasa, RecordingEraser())
    assert reply.status == 403 and rasa.messages == []


async def test_v1_is_stale_today(v1):
    """The real clock is years after the vector's timestamp: the replay window refuses it."""
    rasa = FakeRasa()
    handler = oa_handler(token=v1["token"], aes_key=v1["encoding_aes_key"], app_id=v1["appid"])
    reply = await handler.handle_post(v1_query(v1), v1_body(v1), rasa, RecordingEraser())
    assert reply.status == 403 and rasa.messages == []


# §8 contract 4, 8: de-duplication ---------------------------------------------------------------

async def test_redelivery_of_a_msgid_runs_one_turn_and_serves_the_same_reply():
    handler, sim, rasa = oa_handler(), simulator(), FakeRasa(say("第一步：检查UKey"))
    message = sim.text(USER, "登录不了")
    replies = [await post(handler, sim, message, rasa) for _ in range(3)]
    assert rasa.texts == ["登录不了"]
    contents = [sim.read_reply(r.body)["Content"] for r in replies]
    assert contents == ["第一步：检查UKey"] * 3


async def test_events_are_deduplicated_by_user_and_create_time():
    handler, sim, rasa = oa_handler(), simulator(), FakeRasa(say("欢迎"))
    subscribe = sim.event(USER, "subscribe", create_time=int(time.time()))
    await post(handler, sim, subscribe, rasa)
    await post(handler, sim, subscribe, rasa)
    later = sim.event(USER, "subscribe", create_time=int(time.time()) + 1)
    await post(handler, sim, later, rasa)
    assert rasa.texts == ["/greet", "/greet"]


async def test_redelivery_while_the_first_is_async_answers_success():
    api = RecordingApi()
    handler, sim = oa_handler(budget=0.05, api=api), simulator()
    rasa = FakeRasa(say("稍后的答复"), delay=0.3)
    message = sim.text(USER, "发票不见了")
    first = await post(handler, sim, message, rasa)
    second = await post(handler, sim, message, rasa)
    assert (first.body, second.body) == ("success", "success")
    await handler.drain()
    assert len(rasa.messages) == 1
    assert api.sent == [(USER, "稍后的答复")]


# §8 contract 5: slow turn ------------------------------------------------------------------------

async def test_slow_turn_answers_success_in_budget_then_uses_the_api():
    api = RecordingApi()
    handler, sim = oa_handler(budget=0.2, api=api), simulator()
    rasa = FakeRasa(say("第一条", "第二条"), delay=0.6)
    started = time.monotonic()
    reply = await post(handler, sim, sim.text(USER, "开票失败"), rasa)
    assert reply.body == "success" and time.monotonic() - started < 0.5
    assert api.sent == []  # not yet: the turn is still running
    await handler.drain()
    assert api.sent == [(USER, "第一条\n\n第二条")]  # merged: the quota is 5 messages / 48 h


async def test_turn_finished_in_time_is_never_sent_twice():
    api = RecordingApi()
    handler, sim = oa_handler(api=api), simulator()
    reply = await post(handler, sim, sim.text(USER, "你好"), FakeRasa(say("您好")))
    await handler.drain()
    assert sim.read_reply(reply.body)["Content"] == "您好" and api.sent == []


# §8 contract 6: DTD / entities -------------------------------------------------------------------

@pytest.mark.parametrize("mode", [PLAINTEXT, SAFE])
async def test_dtd_payload_is_refused_without_a_turn(mode):
    handler, sim, rasa = oa_handler(mode=mode), simulator(mode), FakeRasa()
    evil = ('<!DOCTYPE xml [<!ENTITY e "登录不了">]><xml><ToUserName>gh</ToUserName>'
            f'<FromUserName>{USER}</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>'
            '<Content>&e;</Content><MsgId>1</MsgId></xml>')
    reply = await post(handler, sim, {}, rasa, inner_xml=evil)
    assert reply.status == 400 and rasa.messages == []


# §8 contract 7: CDATA break-out -----------------------------------------------------------------

async def test_reply_text_containing_cdata_end_survives():
    handler, sim = oa_handler(), simulator()
    text = "错误码]]><Evil>x</Evil>请重试"
    reply = await post(handler, sim, sim.text(USER, "开票失败"), FakeRasa(say(text)))
    assert sim.read_reply(reply.body)["Content"] == text


# §8 contract 9 and the other inputs ---------------------------------------------------------------

@pytest.mark.parametrize(
    "build, sent",
    [
        (lambda sim: sim.voice(USER, ""), "/voice_unrecognized"),
        (lambda sim: sim.voice(USER, "登录不了。"), "登录不了。"),
        (lambda sim: sim.image(USER), "/unsupported_message"),
        (lambda sim: sim.event(USER, "CLICK", "LOGIN_FAILURE"), "/login_failure"),
        (lambda sim: sim.event(USER, "subscribe"), "/greet"),
    ],
)
async def test_non_text_inputs_become_domain_payloads(build, sent):
    handler, sim, rasa = oa_handler(), simulator(), FakeRasa(say("好的"))
    reply = await post(handler, sim, build(sim), rasa)
    assert rasa.texts == [sent] and sim.read_reply(reply.body)["Content"] == "好的"


async def test_unsubscribe_deletes_the_user_data_without_a_turn():
    handler, sim, eraser = oa_handler(), simulator(), RecordingEraser()
    buttons = FakeRasa(lambda _: [{"text": "选一个", "buttons": [{"title": "A", "payload": "/a"}]}])
    await post(handler, sim, sim.text(USER, "你好"), buttons)
    rasa = FakeRasa()
    reply = await post(handler, sim, sim.event(USER, "unsubscribe"), rasa, eraser)
    await handler.drain()
    assert reply.body == "success" and rasa.messages == []
    assert eraser.erased == [USER]
    assert await handler.buttons.resolve(USER, "1") is None


async def test_other_events_answer_success_without_a_turn():
    handler, sim, rasa = oa_handler(), simulator(), FakeRasa()
    reply = await post(handler, sim, sim.event(USER, "VIEW", "https://example.invalid"), rasa)
    assert reply.body == "success" and rasa.messages == []


# Buttons ----------------------------------------------------------------------------------------

async def test_numbered_reply_is_mapped_to_the_button_payload():
    handler, sim = oa_handler(), simulator()
    menu = FakeRasa(lambda _: [{"text": "请选择", "buttons": [
        {"title": "已解决", "payload": "/problem_solved"},
        {"title": "还是不行", "payload": "/problem_persists"}]}])
    reply = await post(handler, sim, sim.text(USER, "登录不了"), menu)
    assert sim.read_reply(reply.body)["Content"] == "请选择\n【1】已解决\n【2】还是不行\n回复数字选择"
    rasa = FakeRasa()
    await post(handler, sim, sim.text(USER, "２"), rasa)
    assert rasa.texts == ["/problem_persists"]
    other = FakeRasa()
    await post(handler, sim, sim.text("oSomeoneElse", "2"), other)
    assert other.texts == ["2"]


# Modes, limits -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "server_mode, sender_mode, status",
    [(SAFE, PLAINTEXT, 403), (PLAINTEXT, SAFE, 403), (COMPAT, PLAINTEXT, 200), (COMPAT, SAFE, 200),
     (COMPAT, COMPAT, 200), (SAFE, COMPAT, 200), (PLAINTEXT, PLAINTEXT, 200)],
)
async def test_modes(server_mode, sender_mode, status):
    handler, sim, rasa = oa_handler(mode=server_mode), simulator(sender_mode), FakeRasa()
    reply = await post(handler, sim, sim.text(USER, "你好"), rasa)
    assert reply.status == status and len(rasa.messages) == (status == 200)
    if status == 200:
        encrypted_reply = "<Encrypt>" in reply.body
        assert encrypted_reply == (sender_mode != PLAINTEXT)
        assert sim.read_reply(reply.body)["Content"] == "你好"


async def test_compat_mode_trusts_only_the_encrypted_copy():
    handler, sim, rasa = oa_handler(mode=COMPAT), simulator(COMPAT), FakeRasa()
    message = sim.text(USER, "真实内容")
    query, body = sim.signed_request(message)
    tampered = body.replace("真实内容".encode(), "篡改内容".encode())
    await handler.handle_post(parse_query(query), tampered, rasa, RecordingEraser())
    assert rasa.texts == ["真实内容"]


@pytest.mark.parametrize("offset, status", [(-301, 403), (301, 403), (-299, 200), (0, 200)])
async def test_replay_window(offset, status):
    handler, sim, rasa = oa_handler(), simulator(), FakeRasa()
    reply = await post(handler, sim, sim.text(USER, "你好"), rasa, timestamp=int(time.time()) + offset)
    assert reply.status == status


async def test_oversized_body_is_refused():
    handler, sim, rasa = oa_handler(max_body=2048), simulator(PLAINTEXT), FakeRasa()
    handler = oa_handler(mode=PLAINTEXT, max_body=2048)
    reply = await post(handler, sim, sim.text(USER, "长" * 1000), rasa)
    assert reply.status == 413 and rasa.messages == []


async def test_long_reply_is_capped_and_the_rest_goes_through_the_api():
    api = RecordingApi()
    handler, sim = oa_handler(api=api), simulator()
    paragraphs = [f"第{i}步：" + "请检查设置。" * 30 for i in range(1, 6)]  # ~560 bytes each
    reply = await post(handler, sim, sim.text(USER, "登录不了"), FakeRasa(say(*paragraphs)))
    await handler.drain()
    passive = sim.read_reply(reply.body)["Content"]
    assert len(passive.encode()) <= 2000
    assert all(len(text.encode()) <= 2000 for _, text in api.sent)
    delivered = [passive] + [text for _, text in api.sent]
    assert "\n\n".join(delivered) == "\n\n".join(paragraphs)


async def test_a_failing_turn_is_not_recorded_and_the_redelivery_runs_it():
    """Issue 14: de-duplication records a message after its turn succeeded. A failed turn
    answers 503 (WeChat re-delivers) and releases the claim, so the re-delivery is processed."""
    calls = []

    async def flaky(message):
        calls.append(message.text)
        if len(calls) == 1:
            raise RuntimeError("tracker store down")
        await message.output_channel.send_text_message(message.sender_id, "您好")

    handler, sim = oa_handler(), simulator()
    fields = sim.text(USER, "你好")
    first = await post(handler, sim, fields, flaky)
    assert first.status == 503
    again = await post(handler, sim, fields, flaky)  # the same MsgId, as WeChat re-delivers it
    assert again.status == 200 and sim.read_reply(again.body)["Content"] == "您好"
    assert calls == ["你好", "你好"]


# WeCom ----------------------------------------------------------------------------------------------

def wecom_handler(vector=None, clock=time.time, agent_id="1000002", corp_id="ww1436e0e65a779aee",
                  token=TOKEN, aes_key=AES_KEY):
    if vector:
        token, aes_key, corp_id = vector["token"], vector["encoding_aes_key"], vector["receive_id"]
    return CallbackHandler(
        channel_name="wecom",
        protocol=WeComProtocol(token, crypto.WeChatCipher(aes_key, corp_id), agent_id),
        api=RecordingApi(),
        store=MemoryStore(),
        namespace="wecom:test",
        settings=HandlerSettings(),
        clock=clock,
    )


async def test_wecom_v5_url_verification(vectors):
    v = vectors["V5_wecom_python_sample"]
    ver = v["verify"]
    handler = wecom_handler(v, clock=lambda: int(ver["timestamp"]))
    query = {k: ver[k] for k in ("msg_signature", "timestamp", "nonce", "echostr")}
    reply = await handler.handle_get(query)
    assert (reply.status, reply.body) == (200, ver["echostr_plain"])
    reply = await handler.handle_get({**query, "nonce": "1"})
    assert reply.status == 403


async def test_wecom_v5_message(vectors):
    v = vectors["V5_wecom_python_sample"]
    d = v["decrypt"]
    body = (f"<xml><ToUserName><![CDATA[{v['receive_id']}]]></ToUserName>\n"
            f"<Encrypt><![CDATA[{d['encrypt']}]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>").encode()
    handler = wecom_handler(v, clock=lambda: int(d["timestamp"]))
    rasa = FakeRasa(say("收到"))
    query = {k: d[k] for k in ("msg_signature", "timestamp", "nonce")}
    reply = await handler.handle_post(query, body, rasa, RecordingEraser())
    assert rasa.texts == ["你好"] and rasa.messages[0].sender_id == "ChenJiaShun"
    envelope = fields_of(reply.body)
    message, receive_id = aes_decrypt(v["encoding_aes_key"], envelope["Encrypt"])
    assert receive_id == v["receive_id"]
    assert fields_of(message)["Content"] == "收到" and fields_of(message)["ToUserName"] == "ChenJiaShun"


async def test_wecom_v6_raw_query_string_with_encoded_plus(vectors):
    v = vectors["V6_wecom_legacy_sample"]
    handler = wecom_handler(v, clock=lambda: 1409659589)
    assert "%2B" in v["verify_query"]
    reply = await handler.handle_get(parse_query(v["verify_query"]))
    assert (reply.status, reply.body) == (200, v["echostr_plain"])
    raw_plus = v["verify_query"].replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
    reply = await handler.handle_get(parse_query(raw_plus))
    assert (reply.status, reply.body) == (200, v["echostr_plain"])


async def test_wecom_v6_message_for_another_agent_is_refused(vectors):
    v = vectors["V6_wecom_legacy_sample"]
    d = v["decrypt"]
    body = (f"<xml><ToUserName><![CDATA[{v['receive_id']}]]></ToUserName>"
            f"<Encrypt><![CDATA[{d['encrypt']}]]></Encrypt></xml>").encode()
    query = {k: d[k] for k in ("msg_signature", "timestamp", "nonce")}
    ok, other = FakeRasa(), FakeRasa()
    def clock():
        return int(d["timestamp"])

    await wecom_handler(v, clock=clock, agent_id="218").handle_post(query, body, ok, RecordingEraser())
    reply = await wecom_handler(v, clock=clock, agent_id="219").handle_post(query, body, other,
                                                                            RecordingEraser())
    assert ok.texts == ["hello"] and ok.messages[0].sender_id == "mycreate"
    assert reply.status == 403 and other.messages == []


async def test_wecom_with_wrong_corp_id_is_refused():
    handler, sim, rasa = wecom_handler(), simulator(product="wecom"), FakeRasa()
    reply = await post(handler, sim, sim.text(USER, "你好"), rasa, receive_id="ww0000000000000000")
    assert reply.status == 403 and rasa.messages == []


async def test_wecom_round_trip_with_simulator():
    handler, sim, rasa = wecom_handler(), simulator(product="wecom"), FakeRasa(say("您好"))
    reply = await post(handler, sim, sim.text("zhangsan", "你好"), rasa)
    assert sim.read_reply(reply.body)["Content"] == "您好"
    assert rasa.messages[0].metadata == {"wecom": {
        "msg_type": "text", "msg_id": rasa.messages[0].message_id, "to_user": "ww1436e0e65a779aee",
        "agent_id": "1000002"}}
