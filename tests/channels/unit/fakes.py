"""Fakes for the channel handler tests: a stand-in for Rasa's `on_new_message` and for the
customer-service API client."""

import asyncio
import time
from typing import Callable, List, Tuple

from rasa.core.channels.channel import UserMessage

from bot.rasa_plugins.channels.wechat import crypto
from bot.rasa_plugins.channels.wechat.common import CallbackHandler, HandlerSettings
from bot.rasa_plugins.channels.wechat.kv import MemoryStore
from bot.rasa_plugins.channels.wechat.oa import PLAINTEXT, SAFE, OfficialAccountProtocol

Responder = Callable[[str], List[dict]]


def say(*texts: str) -> Responder:
    return lambda _: [{"text": text} for text in texts]


HELLO = say("你好")


class FakeRasa:
    """Records every `UserMessage` and answers through its output channel like Rasa does."""

    def __init__(self, responder: Responder = HELLO, delay: float = 0.0) -> None:
        self.responder = responder
        self.delay = delay
        self.messages: List[UserMessage] = []
        self.finished = asyncio.Event()

    @property
    def texts(self) -> List[str]:
        return [m.text for m in self.messages]

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        for response in self.responder(message.text):
            await message.output_channel.send_response(message.sender_id, dict(response))
        self.finished.set()


class RecordingApi:
    """Records what would go out through the customer-service API."""

    def __init__(self, accept: bool = True) -> None:
        self.sent: List[Tuple[str, str]] = []
        self.accept = accept

    async def send_texts(self, user: str, texts) -> int:
        texts = list(texts)
        if self.accept:
            self.sent.extend((user, text) for text in texts)
            return len(texts)
        return 0

    async def close(self) -> None:
        pass


class RecordingEraser:
    def __init__(self) -> None:
        self.erased: List[str] = []

    async def __call__(self, sender_id: str) -> None:
        self.erased.append(sender_id)


def parse_query(query: str) -> dict:
    from bot.rasa_plugins.channels.wechat.common import query_from_string

    return dict(query_from_string(query))


TOKEN = "tok3n"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx2c2769f8efd9abc2"


def oa_handler(mode=SAFE, budget=4.0, clock=time.time, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID,
               max_body=64 * 1024, api=None):
    cipher = crypto.WeChatCipher(aes_key, app_id) if mode != PLAINTEXT else None
    return CallbackHandler(
        channel_name="wechat",
        protocol=OfficialAccountProtocol(token, cipher, mode),
        api=api or RecordingApi(),
        store=MemoryStore(),
        namespace="wechat:test",
        settings=HandlerSettings(reply_budget=budget, max_body=max_body),
        clock=clock,
    )
