"""The WeChat and WeCom channels in the real Rasa server, driven by the WeChat simulator.

Turns are counted in Rasa's tracker (HTTP API), replies as WeChat sees them (passive replies
accepted by the simulator and customer-service messages received by its API peer).
"""

import asyncio
import re
import time

import pytest

from bot.app.database import make_app_session_factory
from bot.app.feedback import SqlFeedbackStore
from bot.app.tickets import SqlTicketStore
from tests.channels.accounts import OA_ACCOUNT
from tests.channels.rasa_api import Tracker
from tests.channels.simulator import WeChatSimulator

pytestmark = pytest.mark.servers

TICKET = re.compile(r"GD\d{8}-\d{6}")
HINT = "回复数字选择"


def numbered_choices(text: str) -> dict:
    """{"1": "已解决", ...} from a rendered reply."""
    return dict(re.findall(r"^【(\d+)】(.+)$", text, flags=re.M))


def choice(text: str, title: str) -> str:
    return next(number for number, shown in numbered_choices(text).items() if shown == title)


# Official Account -----------------------------------------------------------------------------

async def test_url_verification(oa):
    async with oa:
        status, body, expected = await oa.verify_url("1616140317555161061")
        assert (status, body) == (200, expected)
        status, body, _ = await oa.verify_url("1616140317555161061", forge=True)
        assert status == 403 and "1616140317555161061" not in body


async def test_safe_mode_round_trip(oa, user, tracker_of):
    async with oa:
        delivery = await oa.deliver(oa.text(user, "你好"))
    assert len(delivery.attempts) == 1 and "<Encrypt>" in delivery.final.body
    assert delivery.reply_fields["ToUserName"] == user
    assert delivery.reply_fields["FromUserName"] == oa.account.original_id
    assert HINT in delivery.reply and numbered_choices(delivery.reply)
    tracker = tracker_of(user)
    assert [e["text"] for e in tracker.user_events()] == ["你好"]
    assert tracker.user_events()[0]["input_channel"] == "wechat"
    assert "utter_greet" in tracker.responses()


async def test_three_deliveries_of_one_message_run_one_turn_and_give_one_reply(oa, user, tracker_of,
                                                                              wechat_api):
    """WeChat's answer is lost twice on the way back: it re-delivers 5 s later each time."""
    async with oa:
        delivery = await oa.deliver(oa.text(user, "电子税务局登录不上"), lose_responses=2)
    attempts = delivery.attempts
    assert len(attempts) == 3 and all(a.status == 200 and a.elapsed < 5.0 for a in attempts)
    assert all(later.started - earlier.started >= 4.9 for earlier, later in zip(attempts, attempts[1:]))
    if delivery.reply is None:  # the turn outlasted the budget: the reply came through the API
        await wechat_api.wait_for_messages(user, 1)
    await asyncio.sleep(1.0)
    inbox = oa.inbox(user)
    assert len(inbox) == 1 and "第 1/" in inbox[0]  # one reply, whichever way it came
    assert len(tracker_of(user).user_events()) == 1


async def test_slow_turn_answers_success_then_uses_the_customer_service_api(slow_stack, wechat_api, user):
    """Every turn outlasts a 0.05 s budget once it waits for the action server; the budget is
    only checked when the turn gives the event loop back, which a custom action does."""
    sim = WeChatSimulator(OA_ACCOUNT, f"{slow_stack.rasa_url}/webhooks/wechat/webhook", wechat_api)
    async with sim:
        delivery = await sim.deliver(sim.text(user, "电子税务局登录不上"))
    assert delivery.final.body == "success" and delivery.reply is None
    assert len(delivery.attempts) == 1 and delivery.final.elapsed < 2.0
    messages = await wechat_api.wait_for_messages(user, 1, timeout=30)
    assert len(messages) == 1 and "第 1/" in messages[0] and HINT in messages[0]
    assert wechat_api.token_requests["oa"] >= 1
    assert len(Tracker(slow_stack.rasa_url, user).user_events()) == 1
    await asyncio.sleep(1.0)
    assert wechat_api.sent_to(user) == messages  # merged into one message, sent once


async def test_numbered_button_reply_is_sent_as_the_payload(oa, user, tracker_of):
    async with oa:
        greeting = await oa.converse(oa.text(user, "你好"))
        step = await oa.converse(oa.text(user, choice(greeting, "登录不上")))
    assert tracker_of(user).intents() == ["greet", "login_failure"]
    assert tracker_of(user).user_events()[-1]["text"] == "/login_failure"
    assert "第 1/" in step and HINT in step


@pytest.mark.parametrize("channel", ["oa", "wecom"])
async def test_typing_5_after_the_rating_question_stores_rating_5(request, channel, user, tracker_of,
                                                                  channel_stack):
    """The rating buttons are numbered 【1】..【5】 here: "5" must mean 5 分 (not the fifth button)."""
    sim = request.getfixturevalue(channel)
    async with sim:
        step = await sim.converse(sim.text(user, "发票一直上传失败"))
        closing = await sim.converse(sim.text(user, choice(step, "已解决")))
        assert HINT in closing and numbered_choices(closing)
        await sim.converse(sim.text(user, "5"))
    tracker = tracker_of(user)
    assert tracker.user_events()[-1]["text"] == '/rate{"rating":"5"}'
    assert tracker.responses()[-1] == "utter_rating_thanks"
    feedback = SqlFeedbackStore(make_app_session_factory(f"sqlite:///{channel_stack.var_dir / 'app.db'}"))
    assert (await feedback.for_conversation(user)).latest_rating.rating == 5


async def test_a_whole_troubleshooting_flow_ends_in_a_ticket(oa, user, tracker_of):
    async with oa:
        reply = await oa.converse(oa.text(user, "开票的时候一直提示开票失败"))
        for _ in range(12):
            if TICKET.search(reply):
                break
            assert "第 " in reply, reply
            reply = await oa.converse(oa.text(user, choice(reply, "没解决")))
    assert TICKET.search(reply), reply
    intents = tracker_of(user).intents()
    assert intents[0] == "issuance_failure" and set(intents[1:]) == {"problem_persists"}


@pytest.mark.parametrize(
    "build, intent, response",
    [
        (lambda sim, u: sim.voice(u, ""), "voice_unrecognized", "utter_voice_unrecognized"),
        (lambda sim, u: sim.image(u), "unsupported_message", "utter_unsupported_message"),
        (lambda sim, u: sim.event(u, "subscribe"), "greet", "utter_greet"),
        (lambda sim, u: sim.event(u, "CLICK", "LOGIN_FAILURE"), "login_failure",
         "utter_troubleshooting_step"),
    ],
    ids=["empty-voice", "image", "subscribe", "menu-click"],
)
async def test_non_text_messages(oa, user, tracker_of, build, intent, response):
    async with oa:
        assert await oa.converse(build(oa, user))
    tracker = tracker_of(user)
    assert tracker.intents() == [intent] and response in tracker.responses()


async def test_unsubscribe_deletes_the_conversation_its_tickets_and_feedback(oa, user, tracker_of,
                                                                             channel_stack):
    sessions = make_app_session_factory(f"sqlite:///{channel_stack.var_dir / 'app.db'}")
    tickets, feedback = SqlTicketStore(sessions), SqlFeedbackStore(sessions)
    async with oa:
        await oa.converse(oa.text(user, "我要转人工"))
        await feedback.record_rating(user, 4)
        assert tracker_of(user).user_events() and await tickets.latest_for(user) is not None
        delivery = await oa.deliver(oa.event(user, "unsubscribe"))
    assert delivery.final.body == "success"
    # The channel answers "success" at once and erases afterwards, one store after the other
    # (tracker, tickets, feedback): wait until all three are gone, then check each.

    async def everything_left():
        return (tracker_of(user).user_events(), await tickets.latest_for(user),
                (await feedback.for_conversation(user)).ratings)

    deadline = time.monotonic() + 10
    while any(await everything_left()) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    events, ticket, ratings = await everything_left()
    assert events == [] and ticket is None and ratings == []


DTD_MESSAGE = (
    '<!DOCTYPE xml [<!ENTITY e "你好">]><xml><ToUserName>gh</ToUserName><FromUserName>{user}</FromUserName>'
    "<CreateTime>{now}</CreateTime><MsgType>text</MsgType><Content>&e;</Content><MsgId>1</MsgId></xml>"
)


@pytest.mark.parametrize(
    "tamper, status",
    [
        ("forged signature", 403),
        ("wrong AppID", 403),
        ("stale timestamp", 403),
        ("DTD and entity", 400),
        ("oversized body", 413),
    ],
)
async def test_bad_callbacks_are_refused_without_a_turn(oa, user, tracker_of, tamper, status):
    message = oa.text(user, "你好")
    kwargs = {
        "forged signature": {"forge_signature": True},
        "wrong AppID": {"receive_id": "wx0000000000000000"},
        "stale timestamp": {"timestamp": int(time.time()) - 3600},
        "DTD and entity": {"inner_xml": DTD_MESSAGE.format(user=user, now=int(time.time()))},
        "oversized body": {},
    }[tamper]
    if tamper == "oversized body":
        message = oa.text(user, "发" * 30000)  # ~90 KB once encrypted
    query, body = oa.signed_request(message, **kwargs)
    async with oa:
        got, _ = await oa.post(query, body)
    assert got == status
    assert tracker_of(user).user_events() == []


# WeCom ------------------------------------------------------------------------------------------

async def test_wecom_url_verification(wecom):
    async with wecom:
        status, body, expected = await wecom.verify_url()
        assert (status, body) == (200, expected)
        status, _, _ = await wecom.verify_url(forge=True)
        assert status == 403


async def test_wecom_round_trip_with_a_numbered_choice(wecom, tracker_of):
    user = "zhangsan-" + str(int(time.time() * 1000))
    async with wecom:
        greeting = await wecom.deliver(wecom.text(user, "你好"))
        assert greeting.reply_fields["FromUserName"] == wecom.account.receive_id
        step = await wecom.converse(wecom.text(user, choice(greeting.reply, "登录不上")))
    assert "第 1/" in step
    tracker = tracker_of(user)
    assert tracker.intents() == ["greet", "login_failure"]
    assert tracker.user_events()[0]["input_channel"] == "wecom"
