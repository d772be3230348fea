"""Two changes that keep conversations whole when processes die (installed by
`bot.rasa_plugins.server`, docs/deployment.md "Failures"):

* **The action server is away** (restarting after a crash, all replicas down, or answering
  with a server error): Rasa 3.6 logs the exception, drops the action's events and carries on,
  so the user gets an empty reply. Here a call that failed on the way (connection refused or
  broken, timeout, 502/503/504 from the proxy) is tried once more after half a second (behind
  the proxy it reaches another action server); then the failed custom action answers with the domain
  response ``utter_service_unavailable`` (temporarily unavailable, what to do meanwhile) and
  ends the turn (``FollowupAction(action_listen)``). The action produced no events, so slots
  and steps are as they were: when the user sends the message again once the action server is
  back, the conversation continues where it was. A rejection (HTTP 400, e.g. a form's
  validation) is not an outage and stays Rasa's.

* **A message is processed exactly once**, even when it arrives twice: a client whose request
  failed (the replica that had it was killed) sends it again, or the proxy retries it on
  another replica. A message carrying an id in its metadata (``message_id`` on REST,
  ``client_message_id`` from the widget over socket.io; the proxy adds ``X-Request-ID`` to a
  REST request without one, which its own retries repeat) is stored with that id as the
  ``UserUttered`` event's ``message_id``. Before a message is parsed, the conversation's tracker
  is searched for that id, inside the conversation's lock (the lock store serialises the
  messages of one conversation across replicas): if it is there, the message was processed
  and saved already, and the replies it got then are sent again instead of processing it a
  second time. The tracker store is the record, so this holds however a replica died: a
  turn's events are committed in one transaction, or not at all.

  Rasa's REST channel drops the request's ``metadata``; here it is passed on (as the socket.io
  channel does).
"""
from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional

from bot.app.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

UNAVAILABLE_RESPONSE = "utter_service_unavailable"
MESSAGE_ID_KEYS = ("message_id", "client_message_id")
MAX_MESSAGE_ID_LENGTH = 128
REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_ID_ATTRIBUTE = "_fapiao_client_message_id"


# --- message ids ---------------------------------------------------------------------------

def client_message_id(metadata: Any) -> Optional[str]:
    """The sender's id of a message, from its metadata (``message_id`` or ``client_message_id``)."""
    if not isinstance(metadata, dict):
        return None
    for key in MESSAGE_ID_KEYS:
        value = metadata.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            text = str(value).strip()
            if text and len(text) <= MAX_MESSAGE_ID_LENGTH:
                return text
    return None


def replies_to(events: List[Any], message_id: str) -> Optional[List[Dict[str, Any]]]:
    """The bot messages that answered the user message ``message_id`` (None: not in ``events``).

    ``events`` are Rasa events (objects with ``type_name``), oldest first; the replies are the
    ``bot`` events between that user message and the next one.
    """
    replies: Optional[List[Dict[str, Any]]] = None
    for event in events:
        kind = getattr(event, "type_name", None)
        if kind == "user":
            if replies is not None:
                break
            if getattr(event, "message_id", None) == message_id:
                replies = []
        elif kind == "bot" and replies is not None:
            replies.append(event.message())
    return replies


class AlreadyProcessed(Exception):
    """The message is in the tracker already; ``replies`` are the answers it got."""

    def __init__(self, replies: List[Dict[str, Any]]) -> None:
        super().__init__("message already processed")
        self.replies = replies


def install_idempotent_messages() -> None:
    """Patch Rasa's message processor (and REST channel metadata) for exactly-once messages."""
    from rasa.core.channels.rest import RestInput
    from rasa.core.processor import MessageProcessor

    if getattr(MessageProcessor.handle_message, "fapiao_idempotent", False):
        return
    rasa_handle = MessageProcessor.handle_message
    rasa_log_user_message = MessageProcessor._handle_message_with_tracker

    async def handle_message(self: Any, message: Any) -> Optional[List[Dict[str, Any]]]:
        message_id = client_message_id(message.metadata)
        if message_id is None:
            return await rasa_handle(self, message)
        message.message_id = message_id
        setattr(message, _CLIENT_ID_ATTRIBUTE, message_id)
        try:
            return await rasa_handle(self, message)
        except AlreadyProcessed as done:
            logger.info("Message %s of a conversation was processed already: sending its %d "
                        "replies again instead of processing it twice.", message_id, len(done.replies))
            return await _send_again(message, done.replies)

    async def handle_message_with_tracker(self: Any, message: Any, tracker: Any) -> None:
        message_id = getattr(message, _CLIENT_ID_ATTRIBUTE, None)
        if message_id is not None:
            replies = replies_to(list(tracker.events), message_id)
            if replies is not None:
                raise AlreadyProcessed(replies)
        await rasa_log_user_message(self, message, tracker)

    handle_message.fapiao_idempotent = True  # type: ignore[attr-defined]
    MessageProcessor.handle_message = handle_message
    MessageProcessor._handle_message_with_tracker = handle_message_with_tracker
    RestInput.get_metadata = rest_metadata


async def _send_again(message: Any, replies: List[Dict[str, Any]]) -> Optional[List[Dict[str, Any]]]:
    from rasa.core.channels.channel import CollectingOutputChannel

    channel = message.output_channel
    for reply in replies:
        await channel.send_response(message.sender_id, dict(reply))
    if isinstance(channel, CollectingOutputChannel):
        return channel.messages
    return None


def rest_metadata(self: Any, request: Any) -> Optional[Dict[str, Any]]:
    """The REST request's ``metadata`` object, with the proxy's request id as ``message_id``
    when the client sent none."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Rasa's own handler reports a bad body
        body = None
    metadata = body.get("metadata") if isinstance(body, dict) else None
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    request_id = request.headers.get(REQUEST_ID_HEADER)
    if client_message_id(metadata) is None and request_id:
        metadata["message_id"] = f"proxy-{request_id}"[:MAX_MESSAGE_ID_LENGTH]
    return metadata or None


# --- the action server is away -------------------------------------------------------------

#: Seconds before a failed action call is tried once more (through the proxy: another server).
RETRY_DELAY = 0.5
#: Proxy answers that mean "no server could take it": worth one more try.
RETRIED_STATUSES = (502, 503, 504)


def worth_retrying(error: BaseException) -> bool:
    """Whether an action call failed before any action server ran it to the end: the connection
    failed or broke, it timed out, or the proxy found no server (a 500 is an action's own
    error: not tried again)."""
    import aiohttp

    seen = 0
    current: Optional[BaseException] = error
    while current is not None and seen < 5:
        if isinstance(current, (aiohttp.ClientConnectionError, asyncio.TimeoutError)):
            return True
        if getattr(current, "status", None) in RETRIED_STATUSES:
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def describe(error: BaseException) -> str:
    """The failure and its cause in one line (Rasa's own message drops the HTTP status)."""
    cause = error.__cause__ or error.__context__
    return f"{error}" + (f" ({type(cause).__name__}: {cause})" if cause is not None else "")


def install_action_server_fallback() -> None:
    """Patch ``RemoteAction.run``: a call that failed on the way is tried once more, then a
    failed call answers politely and ends the turn."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

    if getattr(RemoteAction.run, "fapiao_fallback", False):
        return
    rasa_run = RemoteAction.run

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        for attempt in (1, 2):
            try:
                return await rasa_run(self, output_channel, nlg, tracker, domain)
            except ActionExecutionRejection:
                raise
            except Exception as error:  # noqa: BLE001 - any failure of the call (connection, 5xx, timeout)
                if attempt == 1 and worth_retrying(error):
                    logger.warning("Custom action %s failed on the way (%s); trying once more.",
                                   self.name(), describe(error))
                    await asyncio.sleep(RETRY_DELAY)
                    continue
                logger.error("Custom action %s failed (%s): answering with %s and waiting for the user.",
                             self.name(), describe(error), UNAVAILABLE_RESPONSE)
        return await unavailable_events(nlg, tracker, output_channel)

    run.fapiao_fallback = True  # type: ignore[attr-defined]
    RemoteAction.run = run


async def unavailable_events(nlg: Any, tracker: Any, output_channel: Any) -> List[Any]:
    """The polite reply and the end of the turn."""
    from rasa.core.actions.action import create_bot_utterance
    from rasa.shared.core.events import FollowupAction

    message = await nlg.generate(UNAVAILABLE_RESPONSE, tracker, output_channel.name())
    if message is None:  # a model trained before the response was added to domain.yml
        message = {"text": project_response_text(UNAVAILABLE_RESPONSE)}
    message["utter_action"] = UNAVAILABLE_RESPONSE
    return [create_bot_utterance(message), FollowupAction("action_listen")]


@lru_cache(maxsize=4)
def project_response_text(name: str) -> str:
    """The first text of response ``name`` in the project's domain.yml."""
    from rasa.shared.utils.io import read_yaml_file

    responses = read_yaml_file(PROJECT_ROOT / "domain.yml").get("responses", {})
    variants = responses.get(name) or [{}]
    return str(variants[0].get("text", ""))


def install() -> None:
    """Install both changes."""
    install_action_server_fallback()
    install_idempotent_messages()
