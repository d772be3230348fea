"""Live hand-over on WeChat (issue 12): while a person has the conversation the assistant does
not answer the user's messages (they are stored), and the agent's replies and the hand-over
notices reach the user through the customer-service message API — what the operator console
does through the Rasa server's hand-over endpoint (bot/rasa_plugins/handover.py)."""

import asyncio
import re

import pytest
import requests

from bot.app.database import make_app_session_factory
from bot.app.handover import SqlHandoverState
from bot.app.settings import Settings

pytestmark = pytest.mark.servers

TICKET = re.compile(r"GD\d{8}-\d{6}")


def send(stack, body):
    """What the console's RasaClient.send_to_user does."""
    token = stack.environment()["RASA_AUTH_TOKEN"]
    response = requests.post(f"{stack.rasa_url}/webhooks/handover/send", json=body, timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


async def test_agent_replies_reach_wechat_and_the_assistant_stays_silent(oa, user, tracker_of, wechat_api,
                                                                         channel_stack):
    async with oa:
        reply = await oa.converse(oa.text(user, "转人工"))
    number = TICKET.search(reply).group(0)
    state = SqlHandoverState(make_app_session_factory(
        Settings.from_env(channel_stack.environment()).app_database_url))
    await state.take(user, number, "wechat", "wangfang", "王芳")
    try:
        before = len(wechat_api.sent_to(user))
        assert send(channel_stack, {"sender_id": user, "notice": "taken", "agent_name": "王芳"})["status"] == "sent"
        assert "人工客服王芳已接入" in (await wechat_api.wait_for_messages(user, before + 1))[-1]

        async with oa:
            delivery = await oa.deliver(oa.text(user, "开票软件提示证书过期"))
        assert delivery.reply is None  # WeChat is answered "success": nothing from the assistant
        await asyncio.sleep(1.0)
        assert len(wechat_api.sent_to(user)) == before + 1
        assert tracker_of(user).user_events()[-1]["text"] == "开票软件提示证书过期"

        assert send(channel_stack, {"sender_id": user, "text": "请把证书更新一下再试。", "agent_name": "王芳"})[
            "status"] == "sent"
        assert (await wechat_api.wait_for_messages(user, before + 2))[-1] == "请把证书更新一下再试。"
    finally:
        await state.release(user)
    send(channel_stack, {"sender_id": user, "notice": "returned"})
    async with oa:
        answer = await oa.converse(oa.text(user, "我的工单怎么样了"))
    assert number in answer  # the assistant answers again
