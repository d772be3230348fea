"""Rasa's REST channel with the checks a public endpoint needs (issue 14; docs/privacy.md).

Same URL and answer as ``rest`` (``POST /webhooks/rest/webhook`` → the bot's messages as a JSON
list; ``GET /webhooks/rest/`` → health), with:

* **A named sender.** ``sender`` is required and must match ``^[A-Za-z0-9_-]{1,64}$``
  (integrations and tests name their conversations); a request without one is a 400, never the
  shared conversation ``default``.
* **One channel per conversation.** A sender whose conversation was started on another channel
  (a widget session, a WeChat OpenID) is refused (403): a REST caller cannot read or continue
  someone else's conversation, see its ticket or use the tax ID it showed. ``input_channel``
  is always ``rest`` (Rasa's channel let the client choose it).
* **Typed, bounded fields.** The body must be a JSON object; ``message`` a string of at most
  ``MAX_MESSAGE_CHARS`` characters; ``metadata`` an object of at most 4 KiB. Otherwise a 400
  with ``{"error", "message"}`` (body size: 413, `bot.rasa_plugins.hardening`).
* **The client's address** goes into the message metadata as a keyed hash
  (`bot.app.invoices.access.client_key`), for the invoice look-up limit per client.
* A turn that fails answers 500 ``{"error": "turn_failed"}`` instead of an empty 200.

credentials.yml::

    bot.rasa_plugins.channels.rest_guarded.GuardedRestInput:
"""
from __future__ import annotations

import json
import logging
import re
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.app.invoices.access import CLIENT_KEY_METADATA, client_key
from bot.app.jsonbody import BodyRejected, parse_json_body
from bot.app.settings import Settings

logger = logging.getLogger(__name__)

SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_METADATA_BYTES = 4096


class RequestRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def client_address(request: Request, trust_forwarded_for: bool) -> str:
    """The client's address: the peer, or the first ``X-Forwarded-For`` hop behind a proxy."""
    if trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return str(getattr(request, "ip", "") or "")


async def channels_of(request: Request, sender_id: str) -> set:
    """The input channels the conversation ``sender_id`` has received messages on."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        raise RequestRefused(503, "not_ready", "the assistant is starting; try again shortly")
    tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None:
        return set()
    return {getattr(e, "input_channel", None) for e in tracker.events
            if getattr(e, "type_name", None) == "user"} - {None}


class GuardedRestInput(RestInput):
    """``RestInput`` with named senders, one channel per conversation and typed fields."""

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self._settings = settings

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GuardedRestInput":
        return cls()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_env()
        return self._settings

    def read(self, request: Request) -> Dict[str, Any]:
        """The validated fields of the request (raises RequestRefused)."""
        try:
            body = parse_json_body(request.body or b"")
        except BodyRejected as error:
            raise RequestRefused(error.status, error.code, error.message) from None
        if not isinstance(body, dict):
            raise RequestRefused(400, "invalid_body", "the body must be a JSON object")
        sender = body.get("sender")
        if sender is None or sender == "":
            raise RequestRefused(400, "missing_sender",
                                 "sender is required: 1-64 letters, digits, '-' or '_'")
        if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
            raise RequestRefused(400, "invalid_sender",
                                 "sender must be 1-64 letters, digits, '-' or '_'")
        message = body.get("message")
        if not isinstance(message, str):
            raise RequestRefused(400, "invalid_message", "message must be a string")
        if len(message) > self.settings.max_message_chars:
            raise RequestRefused(400, "message_too_long",
                                 f"message is longer than {self.settings.max_message_chars} characters")
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise RequestRefused(400, "invalid_metadata", "metadata must be a JSON object")
        if metadata is not None and len(json.dumps(metadata, ensure_ascii=False).encode("utf-8")) > MAX_METADATA_BYTES:
            raise RequestRefused(400, "metadata_too_large", f"metadata is larger than {MAX_METADATA_BYTES} bytes")
        return {"sender": sender, "message": message}

    def metadata_of(self, request: Request) -> Dict[str, Any]:
        """The request's metadata (as Rasa's channel, and any plug-in, reads it) with the
        client's keyed address hash; a client-sent value under that key is replaced."""
        metadata = self.get_metadata(request)
        metadata = dict(metadata) if isinstance(metadata, dict) else {}
        secret = self.settings.widget_session_secret or self.settings.rasa_auth_token
        address = client_address(request, self.settings.trust_forwarded_for)
        metadata.pop(CLIENT_KEY_METADATA, None)
        if secret and address:
            metadata[CLIENT_KEY_METADATA] = client_key(secret, address)
        return metadata

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("guarded_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                fields = self.read(request)
                used = await channels_of(request, fields["sender"])
                if used - {self.name()}:
                    raise RequestRefused(403, "sender_belongs_to_another_channel",
                                         "this sender is a conversation of another channel")
            except RequestRefused as refused:
                return response.json({"error": refused.code, "message": refused.message},
                                     status=refused.status)
            collector = CollectingOutputChannel()
            message = UserMessage(fields["message"], collector, fields["sender"],
                                  input_channel=self.name(), metadata=self.metadata_of(request))
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("REST turn timed out")
                return response.json({"error": "timeout", "message": "the turn took too long"},
                                     status=504)
            except Exception as error:  # noqa: BLE001 - answer clearly, log without the message
                logger.error("REST turn failed: %s", type(error).__name__)
                return response.json({"error": "turn_failed", "message": "the turn failed; "
                                      "send the message again"}, status=500)
            return response.json(collector.messages)

        return webhook
