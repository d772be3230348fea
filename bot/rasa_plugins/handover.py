"""Live hand-over inside the Rasa server (issue 12; docs/operator.md "Live hand-over").

Two parts, both in this process because only the Rasa server holds the conversations' sockets
and the channels' output:

* **The assistant stays silent in a conversation a person has taken.** `install` wraps
  ``MessageProcessor.handle_message``: when the app database has a hand-over row for the
  sender (`bot.app.handover`, set by the operator console), the message is parsed and stored in
  the tracker as usual (``UserUttered``, then ``action_listen``) and nothing is predicted or
  sent. The check runs under the conversation's lock (Rasa's ``Agent.handle_message``), one
  small indexed read per message. A message the tracker already holds (same message id, a
  re-send) is not stored twice. If the database cannot be read the assistant answers (a silent
  assistant nobody watches is worse).

* **Agents' replies and hand-over notices reach the user in the same chat.**
  `HandoverInput` (credentials.yml) adds ``POST /webhooks/handover/send``, for the console only:
  ``Authorization: Bearer <RASA_AUTH_TOKEN>``. Body ``{"sender_id", "text", "agent_name"}`` (an
  agent's reply) or ``{"sender_id", "notice": "taken"|"returned"|"closed"|"waiting",
  "agent_name"?, "minutes"?}`` (the domain responses ``utter_handover_*``), optionally
  ``"slots": {name: value}``. Under the conversation's lock the message is appended to the
  tracker as a ``BotUttered`` (metadata ``fapiao_agent`` or ``fapiao_notice``: the console's
  transcript and the widget's history show it after a reload) and then sent through the output
  channel of the conversation's latest input channel: socket.io emits ``bot_uttered`` to the
  session's room, WeChat / WeCom use the customer-service / application-message API. Answer:
  ``{"status": "sent" | "stored", "channel"}`` (``stored``: kept in the conversation, but the
  channel could not push it now, e.g. the user's socket is gone; the widget shows it from the
  history when it is opened again).

Several Rasa replicas: socket.io's ``emit`` reaches only sockets of the replica that runs it
(the deployment needs sticky sessions and, for pushes from another replica, a socket.io message
queue); docs/operator.md says so.
"""
from __future__ import annotations

import hmac
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel

from bot.app.settings import Settings

logger = logging.getLogger(__name__)

AGENT_KEY = "fapiao_agent"
NOTICE_KEY = "fapiao_notice"
NOTICES = {
    "taken": "utter_handover_taken",
    "returned": "utter_handover_returned",
    "closed": "utter_handover_closed",
    "waiting": "utter_handover_waiting",
}
MAX_REPLY_CHARS = 2000
_SLOTS_ALLOWED = ("ticket_open", "step_on_screen")


def _handovers() -> Any:
    from bot.app import container

    return container.current().handovers()


def install() -> None:
    """Wrap ``MessageProcessor.handle_message`` with the hand-over check (idempotent)."""
    from rasa.core.processor import MessageProcessor

    if getattr(MessageProcessor.handle_message, "fapiao_handover", False):
        return
    previous = MessageProcessor.handle_message

    async def handle_message(self: Any, message: Any) -> Optional[List[Dict[str, Any]]]:
        try:
            taken = await _handovers().active(message.sender_id)
        except Exception as error:  # noqa: BLE001 - the assistant answers rather than nobody
            logger.error("Hand-over state unreadable (%s): the assistant answers", type(error).__name__)
            taken = None
        if taken is None:
            return await previous(self, message)
        await store_silently(self, message)
        from rasa.core.channels.channel import CollectingOutputChannel

        if isinstance(message.output_channel, CollectingOutputChannel):
            return message.output_channel.messages
        return None

    handle_message.fapiao_handover = True  # type: ignore[attr-defined]
    MessageProcessor.handle_message = handle_message


async def store_silently(processor: Any, message: Any) -> None:
    """Parse and store the user's message (then ``action_listen``), predict nothing."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted

    from bot.rasa_plugins.resilience import client_message_id, replies_to

    message_id = client_message_id(message.metadata)
    if message_id is not None:
        message.message_id = message_id
        tracker = await processor.get_tracker(message.sender_id)
        if replies_to(list(tracker.events), message_id) is not None:
            logger.info("Hand-over: message %s is stored already", message_id)
            return
    tracker = await processor.log_message(message, should_save_tracker=False)
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    await processor.save_tracker(tracker)
    logger.debug("Hand-over: a message stored for the agent, the assistant stays silent")


# --- the console's endpoint -------------------------------------------------------------------

def response_text(name: str, values: Dict[str, Any]) -> str:
    """The first text of domain response ``name`` (from the project's domain.yml) with
    ``values`` filled in: for models trained before the response was added."""
    from bot.rasa_plugins.resilience import project_response_text

    text = project_response_text(name)
    try:
        return text.format(**values) if text else ""
    except (KeyError, IndexError, ValueError):
        return text


async def notice_message(agent: Any, tracker: Any, channel: str, notice: str,
                         values: Dict[str, Any]) -> Dict[str, Any]:
    """The notice ``notice`` as the domain phrases it (the model's NLG, else domain.yml)."""
    name = NOTICES[notice]
    message: Optional[Dict[str, Any]] = None
    try:
        message = await agent.processor.nlg.generate(name, tracker, channel, **values)
    except Exception as error:  # noqa: BLE001 - a template the model does not know
        logger.debug("NLG for %s failed: %s", name, error)
    if not message or not message.get("text"):
        message = {"text": response_text(name, values)}
    return message


def output_channel_for(input_channels: List[Any], name: Optional[str]) -> Optional[Any]:
    """The output channel of the input channel called ``name`` (None: it cannot push)."""
    for channel in input_channels:
        if name and channel.name() == name:
            try:
                return channel.get_output_channel()
            except Exception:  # noqa: BLE001 - a channel without an output channel
                return None
    return None


def _authorised(header: str, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


class _Rejected(Exception):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status, self.code = status, code


def _request_fields(body: Any) -> Dict[str, Any]:
    if not isinstance(body, dict):
        raise _Rejected(400, "body must be a JSON object")
    sender_id = body.get("sender_id")
    if not isinstance(sender_id, str) or not 0 < len(sender_id) <= 255:
        raise _Rejected(400, "sender_id is required")
    text, notice = body.get("text"), body.get("notice")
    if (text is None) == (notice is None):
        raise _Rejected(400, "give either text or notice")
    if text is not None and (not isinstance(text, str) or not text.strip() or len(text) > MAX_REPLY_CHARS):
        raise _Rejected(400, f"text must be 1-{MAX_REPLY_CHARS} characters")
    if notice is not None and notice not in NOTICES:
        raise _Rejected(400, "unknown notice")
    slots = body.get("slots") or {}
    if not isinstance(slots, dict) or any(k not in _SLOTS_ALLOWED for k in slots):
        raise _Rejected(400, f"slots may only set {', '.join(_SLOTS_ALLOWED)}")
    agent_name = body.get("agent_name") or ""
    minutes = body.get("minutes") or 0
    if not isinstance(agent_name, str) or len(agent_name) > 64 or not isinstance(minutes, int):
        raise _Rejected(400, "agent_name must be text, minutes a number")
    return {"sender_id": sender_id, "text": text.strip() if text else None, "notice": notice,
            "slots": slots, "agent_name": agent_name, "minutes": minutes}


async def send(agent: Any, input_channels: List[Any], fields: Dict[str, Any]) -> Dict[str, Any]:
    """Store the message in the conversation and push it to the user."""
    from rasa.shared.core.events import BotUttered, SlotSet

    sender_id = fields["sender_id"]
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.processor.get_tracker(sender_id)
        if not any(getattr(e, "type_name", "") == "user" for e in tracker.events):
            raise _Rejected(404, "no such conversation")
        channel_name = tracker.get_latest_input_channel()
        if fields["notice"]:
            values = {"agent_name": fields["agent_name"] or "客服", "minutes": fields["minutes"]}
            message = await notice_message(agent, tracker, channel_name or "", fields["notice"], values)
            metadata = {NOTICE_KEY: fields["notice"], "utter_action": NOTICES[fields["notice"]]}
        else:
            message = {"text": fields["text"]}
            metadata = {AGENT_KEY: fields["agent_name"] or "客服"}
        data = {k: v for k, v in message.items() if k in ("buttons", "quick_replies") and v}
        tracker.update(BotUttered(message.get("text"), data=data, metadata=metadata))
        for name, value in fields["slots"].items():
            tracker.update(SlotSet(name, value))
        await agent.processor.save_tracker(tracker)
    output = output_channel_for(input_channels, channel_name)
    from rasa.core.channels.channel import CollectingOutputChannel

    if output is None or isinstance(output, CollectingOutputChannel):
        return {"status": "stored", "channel": channel_name or ""}
    try:
        await output.send_response(sender_id, dict(message))
    except Exception as error:  # noqa: BLE001 - kept in the conversation; the console says so
        logger.warning("Hand-over message kept but not pushed on %s: %s", channel_name, type(error).__name__)
        return {"status": "stored", "channel": channel_name or ""}
    return {"status": "sent", "channel": channel_name or ""}


class HandoverInput(InputChannel):
    """``/webhooks/handover/send``: the console's way to reach a user (see the module doc)."""

    @classmethod
    def name(cls) -> Text:
        return "handover"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "HandoverInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[Any], Awaitable[Any]]) -> Any:
        from sanic import Blueprint, response

        blueprint = Blueprint("handover_webhook", __name__)
        settings = Settings.from_env()

        @blueprint.route("/", methods=["GET"])
        async def health(_: Any) -> Any:
            return response.json({"status": "ok"})

        @blueprint.route("/send", methods=["POST"])
        async def send_route(request: Any) -> Any:
            if not _authorised(request.headers.get("authorization", ""), settings.rasa_auth_token):
                return response.json({"error": "unauthorized", "message": "token required"}, status=401)
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"error": "not_ready", "message": "no model loaded"}, status=503)
            try:
                fields = _request_fields(json.loads(request.body or b"null"))
                result = await send(agent, getattr(request.app.ctx, "input_channels", None) or [], fields)
            except ValueError:
                return response.json({"error": "invalid_body", "message": "body must be JSON"}, status=400)
            except _Rejected as rejected:
                return response.json({"error": "rejected", "message": rejected.code}, status=rejected.status)
            return response.json(result)

        return blueprint

