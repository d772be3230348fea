"""The Rasa server's side of live hand-over (bot/rasa_plugins/handover.py): the console's
messages go into the tracker and out through the conversation's channel; a taken conversation's
messages are stored without an answer."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_plugins import handover


class Output(OutputChannel):
    def __init__(self) -> None:
        self.sent: List[tuple] = []

    @classmethod
    def name(cls) -> str:
        return "socketio"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        self.sent.append((recipient_id, message))


class Channel:
    def __init__(self, name: str, output: Any) -> None:
        self._name, self.output = name, output

    def name(self) -> str:
        return self._name

    def get_output_channel(self) -> Any:
        return self.output


class NoTemplates:
    async def generate(self, *args: Any, **kwargs: Any) -> None:
        return None  # a model trained before utter_handover_* existed


class Processor:
    def __init__(self) -> None:
        self.trackers: Dict[str, DialogueStateTracker] = {}
        self.nlg = NoTemplates()
        self.saved = 0

    async def get_tracker(self, sender_id: str) -> DialogueStateTracker:
        return self.trackers.setdefault(sender_id, DialogueStateTracker(sender_id, []))

    async def save_tracker(self, tracker: DialogueStateTracker) -> None:
        self.saved += 1

    async def log_message(self, message: UserMessage, should_save_tracker: bool = True) -> DialogueStateTracker:
        tracker = await self.get_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, {"name": "inform"}, input_channel=message.input_channel,
                                   message_id=message.message_id))
        return tracker


class Agent:
    def __init__(self) -> None:
        self.lock_store = InMemoryLockStore()
        self.processor = Processor()


def started(agent: Agent, sender: str, channel: str = "socketio") -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, [])
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                  UserUttered("转人工", {"name": "request_human"}, input_channel=channel)):
        tracker.update(event)
    agent.processor.trackers[sender] = tracker
    return tracker


async def test_an_agents_reply_is_stored_and_pushed():
    agent, output = Agent(), Output()
    tracker = started(agent, "s1")
    result = await handover.send(agent, [Channel("socketio", output)], handover._request_fields(
        {"sender_id": "s1", "text": "您好，我是王芳。", "agent_name": "王芳"}))
    assert result == {"status": "sent", "channel": "socketio"}
    assert output.sent == [("s1", {"text": "您好，我是王芳。"})]
    last = tracker.events[-1]
    assert isinstance(last, BotUttered) and last.metadata == {"fapiao_agent": "王芳"}
    assert agent.processor.saved == 1


async def test_a_notice_uses_the_domain_text_and_sets_slots():
    agent, output = Agent(), Output()
    tracker = started(agent, "s2", channel="wechat")
    fields = handover._request_fields({"sender_id": "s2", "notice": "closed", "slots": {"ticket_open": False}})
    result = await handover.send(agent, [Channel("wechat", output)], fields)
    assert result["status"] == "sent" and "标记为已解决" in output.sent[0][1]["text"]
    slot = tracker.events[-1]
    assert isinstance(slot, SlotSet) and (slot.key, slot.value) == ("ticket_open", False)
    assert tracker.events[-2].metadata["fapiao_notice"] == "closed"
    waiting = handover.response_text("utter_handover_waiting", {"minutes": 7})
    assert "7 分钟" in waiting


async def test_a_channel_that_cannot_push_keeps_the_message():
    agent = Agent()
    tracker = started(agent, "s3", channel="rest")
    result = await handover.send(agent, [Channel("rest", CollectingOutputChannel())],
                                 handover._request_fields({"sender_id": "s3", "text": "稍等"}))
    assert result == {"status": "stored", "channel": "rest"}
    assert tracker.events[-1].text == "稍等"


async def test_unknown_conversations_and_bad_bodies_are_refused():
    with pytest.raises(handover._Rejected) as unknown:
        await handover.send(Agent(), [], handover._request_fields({"sender_id": "nobody", "text": "hi"}))
    assert unknown.value.status == 404
    for body in ({}, {"sender_id": "x"}, {"sender_id": "x", "text": "a", "notice": "taken"},
                 {"sender_id": "x", "notice": "dance"}, {"sender_id": "x", "text": "a", "slots": {"problem": "y"}},
                 {"sender_id": "x", "text": "长" * 2001}):
        with pytest.raises(handover._Rejected):
            handover._request_fields(body)


def test_only_the_rasa_token_may_send():
    assert handover._authorised("Bearer secret-token", "secret-token")
    assert not handover._authorised("Bearer other", "secret-token")
    assert not handover._authorised("secret-token", "secret-token")
    assert not handover._authorised("Bearer ", "")


async def test_a_taken_conversations_message_is_stored_once_and_not_answered():
    processor = Processor()
    message = UserMessage("提示证书过期", CollectingOutputChannel(), "s4", input_channel="socketio",
                          metadata={"client_message_id": "m-1"})
    await handover.store_silently(processor, message)
    await handover.store_silently(processor, message)  # re-sent: already in the tracker
    events = processor.trackers["s4"].events
    assert [type(e).__name__ for e in events] == ["UserUttered", "ActionExecuted"]
    assert events[0].message_id == "m-1" and events[1].action_name == "action_listen"
