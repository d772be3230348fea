"""The callback handling algorithm shared by the Official Account and WeCom channels.

It follows docs/channels.md §4.3 ("normative handling algorithm for the WeChat POST"):

1. body cap, replay window, signature(s), decryption, safe XML parsing (`protocol`);
2. de-duplication of re-deliveries *before* Rasa is called (`dedupe`): the first delivery
   claims the message; a turn that fails releases the claim and answers 503, so WeChat's
   re-delivery runs it again (nothing is recorded as answered before the turn succeeded);
3. mapping to a Rasa input (`inputs`), numbered-button replies mapped back to payloads;
4. the turn runs as a task; `asyncio.wait` (never `wait_for`, which would cancel the turn)
   for what is left of the reply budget (default 4 s from arrival, WeChat gives up at 5 s):
   done in time → one passive reply (overflow past ~2,000 bytes goes through the API);
   not done → `success` now and the whole reply through the customer-service API later.

Replay (issue 14): in plaintext (and compatible mode's plaintext) callbacks the signature covers
only token, timestamp and nonce, not the body, so a signed URL seen once could be replayed with
any body inside the timestamp window. Each such URL is remembered for twice the window with a
hash of its body: the same body again is a re-delivery (handled by de-duplication), another
body is refused (403).

The handler is independent of Sanic so that it can be tested with a fake `on_new_message`.
"""

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Set
from urllib.parse import unquote

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.rasa_plugins.channels.wechat import dedupe, xmlcodec
from bot.rasa_plugins.channels.wechat.api import MessageApi
from bot.rasa_plugins.channels.wechat.inputs import message_metadata, turn_input
from bot.rasa_plugins.channels.wechat.kv import KeyValueStore
from bot.rasa_plugins.channels.wechat.protocol import CallbackProtocol, CallbackRejected, Inbound, Query
from bot.rasa_plugins.channels.wechat.render import DEFAULT_BUTTON_HINT, ButtonMemory, render_turn, split_utf8

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
EraseConversation = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class HandlerSettings:
    """Tunables shared by both channels (environment: see `config.py`)."""

    reply_budget: float = 4.0
    replay_window: float = 300.0
    max_body: int = 64 * 1024
    passive_max_bytes: int = 2000
    api_max_bytes: int = 2000
    dedupe_ttl: float = 300.0
    button_ttl: float = 86400.0
    async_reply_limit: float = 300.0
    button_hint: str = DEFAULT_BUTTON_HINT


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


SUCCESS = HttpReply(200, "success")
XML_CONTENT_TYPE = "application/xml; charset=utf-8"


class CallbackHandler:
    """Handles the GET verification and POST callbacks of one account."""

    def __init__(
        self,
        channel_name: str,
        protocol: CallbackProtocol,
        api: MessageApi,
        store: KeyValueStore,
        namespace: str,
        settings: HandlerSettings,
        collector_factory: Callable[[], CollectingOutputChannel] = CollectingOutputChannel,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.channel_name = channel_name
        self.protocol = protocol
        self.api = api
        self.store = store
        self.settings = settings
        self.ledger = dedupe.DeliveryLedger(store, namespace, settings.dedupe_ttl)
        self._namespace = namespace
        self.buttons = ButtonMemory(store, namespace, settings.button_ttl)
        self._collector_factory = collector_factory
        self._clock = clock
        self._background: Set[asyncio.Task] = set()

    # GET --------------------------------------------------------------------------------------
    async def handle_get(self, query: Query) -> HttpReply:
        try:
            self._check_timestamp(query)
            return HttpReply(200, self.protocol.verify_url(query))
        except CallbackRejected as error:
            logger.warning("%s: URL verification refused: %s", self.channel_name, error.reason)
            return HttpReply(error.status, "forbidden" if error.status == 403 else "bad request")

    # POST -------------------------------------------------------------------------------------
    async def handle_post(
        self,
        query: Query,
        body: bytes,
        on_new_message: OnNewMessage,
        erase_conversation: EraseConversation,
        arrived: Optional[float] = None,
    ) -> HttpReply:
        """Answer one callback. `arrived` is the `time.monotonic()` of the request's arrival."""
        deadline = (arrived if arrived is not None else time.monotonic()) + self.settings.reply_budget
        if len(body) > self.settings.max_body:
            return HttpReply(413, "payload too large")
        try:
            self._check_timestamp(query)
            inbound = self.protocol.open(query, body)
        except CallbackRejected as error:
            logger.warning("%s: callback refused: %s", self.channel_name, error.reason)
            return HttpReply(error.status, "forbidden" if error.status == 403 else "bad request")

        if not inbound.encrypted and not await self._first_use_of_signed_url(query, body):
            logger.warning("%s: callback refused: signed URL replayed with another body", self.channel_name)
            return HttpReply(403, "forbidden")

        fields = inbound.fields
        user = fields.get("FromUserName", "").strip()
        if not user:
            logger.warning("%s: callback without FromUserName refused", self.channel_name)
            return HttpReply(400, "bad request")
        key = dedupe.delivery_key(fields)
        if not await self.ledger.claim(key):
            logger.info("%s: re-delivery of %s", self.channel_name, key)
            return await self._answer_redelivery(key, inbound, deadline)

        action = turn_input(fields)
        if action.forget_user:
            self._spawn(self._forget(user, erase_conversation))
        if action.text is None:
            await self.ledger.record(key, dedupe.NONE)
            return SUCCESS

        text = action.text
        if action.typed:
            text = await self.buttons.resolve(user, text) or text
        collector = self._collector_factory()
        message = UserMessage(
            text,
            collector,
            user,
            input_channel=self.channel_name,
            message_id=fields.get("MsgId") or None,
            metadata={self.channel_name: message_metadata(fields)},
        )
        turn = asyncio.create_task(self._run_turn(on_new_message, message))
        # Rasa runs NLU and policies synchronously, so the timeout can only fire when the turn
        # yields (action server, tracker I/O). A turn that finished late while blocking the
        # loop is still answered passively: sooner than through the API, and if WeChat has
        # already given up, its re-delivery gets the same reply (`_answer_redelivery`).
        done, _ = await asyncio.wait({turn}, timeout=max(deadline - time.monotonic(), 0.0))
        if turn in done:
            if not turn.result():
                # Nothing is recorded for a failed turn: WeChat's re-delivery runs it again.
                await self.ledger.release(key)
                return HttpReply(503, "try again")
            return await self._reply_passively(key, inbound, collector)
        await self.ledger.record(key, dedupe.ASYNC)
        logger.info("%s: %s answered later through the API", self.channel_name, key)
        self._spawn(self._reply_later(turn, user, collector))
        return SUCCESS

    # Steps ------------------------------------------------------------------------------------
    def _check_timestamp(self, query: Query) -> None:
        """Replay protection (ours, not WeChat's): refuse timestamps outside the window."""
        raw = query.get("timestamp", "")
        if not raw.isdigit():
            raise CallbackRejected(400, "missing or malformed timestamp")
        if abs(self._clock() - int(raw)) > self.settings.replay_window:
            raise CallbackRejected(403, "timestamp outside the replay window")

    async def _first_use_of_signed_url(self, query: Query, body: bytes) -> bool:
        """Remember a plaintext callback's signed URL with its body's hash; False when the URL
        was seen before with another body."""
        url = "|".join(query.get(name, "") for name in ("signature", "timestamp", "nonce"))
        key = f"{self._namespace}:nonce:{hashlib.sha256(url.encode('utf-8')).hexdigest()}"
        digest = hashlib.sha256(body).hexdigest()
        ttl = 2 * self.settings.replay_window
        if await self.store.add(key, digest, ttl):
            return True
        return await self.store.get(key) == digest

    async def _run_turn(self, on_new_message: OnNewMessage, message: UserMessage) -> bool:
        try:
            await on_new_message(message)
            return True
        except Exception as error:  # noqa: BLE001 - reported to WeChat as 503 (passive path)
            logger.error("%s: the Rasa turn failed: %s", self.channel_name, type(error).__name__)
            return False

    async def _reply_passively(
        self, key: str, inbound: Inbound, collector: CollectingOutputChannel
    ) -> HttpReply:
        user = inbound.fields["FromUserName"].strip()
        turn = render_turn(collector.messages, self.settings.button_hint)
        await self.buttons.remember(user, turn)
        chunks = split_utf8(turn.text, self.settings.passive_max_bytes)
        if not chunks:
            await self.ledger.record(key, dedupe.NONE)
            return SUCCESS
        passive, overflow = chunks[0], chunks[1:]
        await self.ledger.record(key, dedupe.PASSIVE, passive)
        if overflow:
            overflow = split_utf8("\n\n".join(overflow), self.settings.api_max_bytes)
            self._spawn(self.api.send_texts(user, overflow))
        logger.info(
            "%s: %s answered passively (%d overflow messages)",
            self.channel_name, key, len(overflow),
        )
        return self._passive_reply(inbound, passive)

    def _passive_reply(self, inbound: Inbound, text: str) -> HttpReply:
        reply = xmlcodec.render_text_reply(
            to_user=inbound.fields["FromUserName"].strip(),
            from_user=inbound.fields.get("ToUserName", "").strip(),
            content=text,
            create_time=int(self._clock()),
        )
        return HttpReply(200, self.protocol.seal(reply, inbound), XML_CONTENT_TYPE)

    async def _answer_redelivery(self, key: str, inbound: Inbound, deadline: float) -> HttpReply:
        """Never run the turn again. WeChat re-delivers only when our answer did not reach it,
        so a passive reply is served again; otherwise `success`."""
        while True:
            delivery = await self.ledger.get(key)
            if delivery is None:  # the first delivery's turn failed and released it
                return HttpReply(503, "try again")
            if delivery.state in (dedupe.ASYNC, dedupe.NONE):
                return SUCCESS
            if delivery.state == dedupe.PASSIVE:
                return self._passive_reply(inbound, delivery.reply)
            if time.monotonic() >= deadline:
                return SUCCESS
            await asyncio.sleep(0.1)

    async def _reply_later(
        self, turn: asyncio.Task, user: str, collector: CollectingOutputChannel
    ) -> None:
        done, _ = await asyncio.wait({turn}, timeout=self.settings.async_reply_limit)
        if turn not in done:
            logger.error("%s: turn still running after %ss; reply dropped",
                         self.channel_name, self.settings.async_reply_limit)
            return
        rendered = render_turn(collector.messages, self.settings.button_hint)
        await self.buttons.remember(user, rendered)
        chunks = split_utf8(rendered.text, self.settings.api_max_bytes)
        sent = await self.api.send_texts(user, chunks)
        logger.info("%s: sent %d/%d messages through the API", self.channel_name, sent, len(chunks))

    async def _forget(self, user: str, erase_conversation: EraseConversation) -> None:
        """Unsubscribe: WeChat requires deleting the user's data (docs/channels.md §1.3)."""
        await self.buttons.forget(user)
        try:
            await erase_conversation(user)
        except Exception:
            logger.exception("%s: deleting the conversation failed", self.channel_name)
        logger.info("%s: user data deleted after unsubscribe", self.channel_name)

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)  # keep a reference until done (asyncio holds weak ones)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s: background task failed", self.channel_name,
                         exc_info=task.exception())

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait a little for background deliveries (server shutdown, tests)."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=timeout)

    async def close(self) -> None:
        await self.drain()
        await self.api.close()
        await self.store.close()


def query_from_string(query_string: str) -> Mapping[str, str]:
    """Percent-decode the query without turning "+" into a space: a raw "+" in a base64
    echostr must survive (docs/channels.md §2). The first value of a repeated name wins."""
    query: Dict[str, str] = {}
    for pair in query_string.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        query.setdefault(unquote(name), unquote(value))
    return query
