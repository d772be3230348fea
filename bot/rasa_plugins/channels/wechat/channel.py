"""The Rasa input-channel glue shared by `oa.WeChatOfficialAccountInput` and
`wecom.WeComInput`: Sanic routes, body cap, configuration from the environment, disabled mode.

Routes under `/webhooks/<name>/`: `GET /` (health), `GET /webhook` (URL verification),
`POST /webhook` (callbacks). A channel whose settings are missing or invalid logs one line at
start-up and answers 503 on its webhook; the rest of the server runs normally.
"""

import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.app import container
from bot.app.privacy import forget_user
from bot.app.settings import read_environment
from bot.rasa_plugins.channels.wechat.common import CallbackHandler, HttpReply, query_from_string
from bot.rasa_plugins.channels.wechat.config import ConfigError
from bot.rasa_plugins.channels.wechat.erase import erase_conversation
from bot.rasa_plugins.channels.wechat.render import render_turn, split_utf8

logger = logging.getLogger(__name__)


def collector_named(channel_name: str) -> type:
    """A `CollectingOutputChannel` reporting the channel's name, so that domain responses can
    have `channel: wechat` / `channel: wecom` variations."""

    class ChannelCollector(CollectingOutputChannel):
        @classmethod
        def name(cls) -> Text:
            return channel_name

    ChannelCollector.__name__ = f"{channel_name.capitalize()}Collector"
    return ChannelCollector


class WeChatInputBase(InputChannel):
    """Base for both WeChat products; subclasses implement `name` and `build_handler`."""

    def __init__(self, handler: Optional[CallbackHandler] = None, disabled_reason: str = "") -> None:
        self.handler = handler
        self.disabled_reason = disabled_reason

    @classmethod
    def build_handler(cls, env: Mapping[str, str]) -> CallbackHandler:
        """Read the environment and build the handler, or raise `ConfigError`."""
        raise NotImplementedError

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Configuration comes from the environment; credentials.yml only names the class."""
        try:
            handler = cls.build_handler(read_environment())
        except ConfigError as error:
            logger.error(
                "%s channel disabled (%s): its webhook answers 503; see docs/wechat.md",
                cls.name(), error,
            )
            return cls(None, str(error))
        logger.info("%s channel enabled at /webhooks/%s/webhook", cls.name(), cls.name())
        return cls(handler)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint(f"{self.name()}_webhook", __name__)
        handler = self.handler

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if handler else "disabled"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if handler is None:
                return _unavailable()
            return _to_sanic(await handler.handle_get(query_from_string(request.query_string)))

        @bp.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            arrived = time.monotonic()
            if handler is None:
                return _unavailable()
            body = await _read_capped(request, handler.settings.max_body)
            if body is None:
                logger.warning("%s: oversized callback body refused", self.name())
                return response.text("payload too large", status=413)

            async def erase(sender_id: str) -> None:
                # Unsubscribing deletes the conversation and what the app database holds about
                # the user (tickets, feedback): docs/wechat.md, docs/privacy.md.
                agent = getattr(request.app.ctx, "agent", None)
                try:
                    if agent is not None:
                        await erase_conversation(agent, sender_id)
                finally:
                    services = container.current()
                    await forget_user(sender_id, services.tickets(), services.feedback(),
                                      services.analytics())

            reply = await handler.handle_post(
                query_from_string(request.query_string), body, on_new_message, erase, arrived
            )
            return _to_sanic(reply)

        @bp.listener("after_server_stop")
        async def close(*_: Any) -> None:
            if handler is not None:
                await handler.close()

        return bp

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Lets `/conversations/<id>/trigger_intent?output_channel=<name>` reach the user
        through the customer-service / application-message API."""
        if self.handler is None:
            return None
        return ApiOutputChannel(self.handler, self.name())


class ApiOutputChannel(OutputChannel):
    """Sends each bot message through the API at once (proactive messages only: replies to
    callbacks go through `CallbackHandler`, which merges a turn into as few messages as
    possible because of the 5-messages-per-48-hours quota)."""

    def __init__(self, handler: CallbackHandler, channel_name: str) -> None:
        self._handler = handler
        self._channel_name = channel_name

    def name(self) -> Text:
        return self._channel_name

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        turn = render_turn([message], self._handler.settings.button_hint)
        if turn.choices:
            await self._handler.buttons.remember(recipient_id, turn)
        chunks: List[str] = split_utf8(turn.text, self._handler.settings.api_max_bytes)
        await self._handler.api.send_texts(recipient_id, chunks)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


async def _read_capped(request: Request, cap: int) -> Optional[bytes]:
    """Read the streamed body, giving up (None) as soon as it exceeds `cap` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        return None
    stream = request.stream
    if stream is None:  # not a streaming route: Sanic has read the body already
        return request.body if len(request.body) <= cap else None
    chunks, size = [], 0
    while True:
        chunk = await stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _to_sanic(reply: HttpReply) -> HTTPResponse:
    return response.text(reply.body, status=reply.status, content_type=reply.content_type)


def _unavailable() -> HTTPResponse:
    return response.text("channel not configured", status=503)
