"""Rasa's socket.io channel, fixed for current python-socketio and hardened for the web widget.

Changes over ``rasa.core.channels.socketio.SocketIOInput`` (Rasa 3.6.21), all within Rasa's
socket.io protocol (``session_request`` / ``session_confirm`` / ``user_uttered`` /
``bot_uttered``), so standard Rasa chat widgets keep working:

* **Server-minted sessions** (issue 14, `bot.app.widget_sessions`). ``session_confirm`` carries
  a session *token* ``<id>.<signature>`` where Rasa sent the bare id. A client that asks for a
  session with a valid token joins that conversation; any other request (no id, a bare or
  guessed id, a forged token) gets a fresh server-minted session. A socket may send messages
  only to the session it was confirmed for: the ``session_id`` inside ``user_uttered`` is
  ignored. Widgets store the token as their "session id" and present it again, unchanged.
* **One allow-list of Origins** (``ALLOWED_ORIGINS``): Rasa disables python-engineio's Origin
  check (``cors_allowed_origins=[]``); here a browser page of another site is refused.
* ``session_request`` awaits ``enter_room``. python-socketio >= 5.10 made ``enter_room`` a
  coroutine and Rasa calls it without ``await``, so with ``session_persistence: true`` the socket
  never joins its session room and every ``bot_uttered`` is dropped (RasaHQ/rasa#13027;
  ``docs/channels.md`` §4.2.4).
* **Typed, bounded messages.** ``message`` must be a string of at most ``MAX_MESSAGE_CHARS``
  characters, metadata an object (or JSON text of one) of at most 4 KiB; polling bodies are capped
  at ``MAX_WEBHOOK_BODY``. Otherwise the acknowledgement is ``{"status": "invalid"}``.
* ``user_uttered`` is idempotent per client message id, **recorded after the turn succeeded**.
  The widget keeps unacknowledged messages in an outbox and re-sends them after a reconnect; a
  message whose id was already processed for the same session is acknowledged as
  ``duplicate`` and not processed twice; a re-send while the first is still running waits for
  it; a turn that failed is acknowledged ``{"status": "error"}`` and not recorded, so the
  widget's retry is processed. The id travels in the message metadata as
  ``client_message_id``. The memory of seen ids is per process, which matches socket.io's own
  requirement of sticky sessions across replicas.
* The client's address goes into the metadata as a keyed hash, for the look-up limit per client.

Handlers acknowledge with a small dict when the client asked for an acknowledgement (python-
socketio sends the handler's return value as the ack), after the turn has been processed.

credentials.yml::

    bot.rasa_plugins.channels.socketio_fixed.SocketIOInputFixed:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import threading
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.app import widget_sessions
from bot.app.invoices.access import CLIENT_KEY_METADATA, client_key
from bot.app.settings import Settings

logger = logging.getLogger(__name__)

CLIENT_MESSAGE_ID_KEY = "client_message_id"
MAX_CLIENT_MESSAGE_ID_LENGTH = 64
MAX_METADATA_BYTES = 4096
#: Seconds a re-sent message waits for the first copy still being processed.
IN_FLIGHT_WAIT = 120.0


class SeenMessages:
    """A bounded, thread-safe set of recently seen keys (oldest forgotten first)."""

    def __init__(self, capacity: int = 20000) -> None:
        self._capacity = capacity
        self._keys: "OrderedDict[tuple, None]" = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: tuple) -> bool:
        """Remember ``key``; True if it is new, False if it was already seen."""
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return False
            self._keys[key] = None
            if len(self._keys) > self._capacity:
                self._keys.popitem(last=False)
            return True

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)


def _metadata_dict(data: Dict[Text, Any], metadata_key: Text) -> Optional[Dict[Text, Any]]:
    """The message's metadata as a dict ({} when absent), None when it is not an object."""
    metadata = data.get(metadata_key)
    if metadata is None:
        return {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return None
    return metadata if isinstance(metadata, dict) else None


def client_message_id(data: Dict[Text, Any], metadata_key: Text) -> Optional[Text]:
    """The widget's id of a user message, from its metadata (a dict or a JSON string)."""
    metadata = _metadata_dict(data, metadata_key)
    if not metadata:
        return None
    value = metadata.get(CLIENT_MESSAGE_ID_KEY)
    if not isinstance(value, str) or not value or len(value) > MAX_CLIENT_MESSAGE_ID_LENGTH:
        return None
    return value


class SocketIOInputFixed(SocketIOInput):
    """``SocketIOInput`` with server-minted sessions, the Origin allow-list, the session-room
    fix and idempotent user messages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen_messages = SeenMessages()
        self.settings: Optional[Settings] = None
        self._sessions: Dict[Text, Text] = {}  # socket id -> the session it was confirmed for
        self._in_flight: Dict[tuple, "asyncio.Future[bool]"] = {}

    @classmethod
    def name(cls) -> Text:
        # Keep "socketio": same URL prefix (/webhooks/socketio/) and response-variation channel.
        return "socketio"

    def _secret(self) -> str:
        assert self.settings is not None
        if not self.settings.widget_session_secret:
            # Without a shared secret the console cannot check tokens; sessions still work.
            import secrets

            self.settings = self.settings.replace(widget_session_secret=secrets.token_urlsafe(32))
            logger.warning("WIDGET_SESSION_SECRET is not set: widget sessions are signed with a "
                           "key of this process only (the console cannot show their history)")
        return self.settings.widget_session_secret

    def session_of(self, sid: Text) -> Optional[Text]:
        """The session a socket was confirmed for."""
        return self._sessions.get(sid)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint with the session and message handlers replaced."""
        self.settings = self.settings or Settings.from_env()
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        settings = self.settings
        sio.eio.cors_allowed_origins = list(settings.allowed_origins)
        sio.eio.max_http_buffer_size = settings.max_webhook_body

        async def session_request(sid: Text, data: Any) -> None:
            presented = data.get("session_id") if isinstance(data, dict) else None
            secret = self._secret()
            session_id = widget_sessions.verify(secret, presented)
            if session_id is None:
                session_id, token = widget_sessions.mint(secret)
            else:
                token = widget_sessions.token_for(secret, session_id)
            previous = self._sessions.get(sid)
            if previous and previous != session_id:
                left = sio.leave_room(sid, previous, namespace=self.namespace)
                if inspect.isawaitable(left):
                    await left
            self._sessions[sid] = session_id
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):  # python-socketio >= 5.10 returns a coroutine
                    await joined
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)

        async def disconnect(sid: Text, *_: Any) -> None:
            self._sessions.pop(sid, None)

        def address_key(sid: Text) -> Optional[str]:
            try:
                environ = sio.get_environ(sid, namespace=self.namespace) or {}
            except Exception:  # noqa: BLE001 - a socket that just went away
                return None
            request = environ.get("sanic.request")
            address = ""
            if settings.trust_forwarded_for:
                address = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
            if not address and request is not None:
                address = str(getattr(request, "ip", "") or "")
            return client_key(self._secret(), address) if address else None

        async def handle_message(sid: Text, data: Any) -> Dict[Text, Text]:
            if not isinstance(data, dict):
                return {"status": "invalid", "reason": "not an object"}
            session_id = self._sessions.get(sid)
            if session_id is None:
                return {"status": "no_session", "reason": "send session_request first"}
            text = data.get("message", "")
            if not isinstance(text, str) or len(text) > settings.max_message_chars:
                return {"status": "invalid", "reason": "message must be a string of at most "
                        f"{settings.max_message_chars} characters"}
            metadata = _metadata_dict(data, self.metadata_key)
            if metadata is None or len(json.dumps(metadata, ensure_ascii=False).encode("utf-8")) > MAX_METADATA_BYTES:
                return {"status": "invalid", "reason": "metadata must be an object of at most 4 KiB"}
            metadata = dict(metadata)
            metadata.pop(CLIENT_KEY_METADATA, None)
            key_of_address = address_key(sid)
            if key_of_address:
                metadata[CLIENT_KEY_METADATA] = key_of_address
            message_id = client_message_id({"metadata": metadata}, "metadata")
            conversation = session_id if self.session_persistence else sid
            key = (conversation, message_id)
            if message_id:
                while key in self._in_flight:  # the same message is being processed right now
                    try:
                        await asyncio.wait_for(asyncio.shield(self._in_flight[key]), IN_FLIGHT_WAIT)
                    except Exception:  # noqa: BLE001 - the first copy's outcome decides below
                        break
                if key in self.seen_messages:
                    logger.debug("Ignoring a re-sent socket.io message (already processed).")
                    return {"status": "duplicate", "id": message_id}
                self._in_flight[key] = asyncio.get_running_loop().create_future()
            output = SocketIOOutput(sio, self.bot_message_evt)
            message = UserMessage(text, output, conversation, input_channel=self.name(),
                                  metadata=metadata)
            succeeded = False
            try:
                await on_new_message(message)
                succeeded = True
            except Exception as error:  # noqa: BLE001 - the client retries; nothing is recorded
                logger.error("socket.io turn failed: %s", type(error).__name__)
            finally:
                if message_id:
                    if succeeded:
                        self.seen_messages.add(key)
                    future = self._in_flight.pop(key, None)
                    if future is not None and not future.done():
                        future.set_result(succeeded)
            if not succeeded:
                return {"status": "error", "id": message_id or ""}
            return {"status": "ok", "id": message_id or ""}

        # AsyncServer.on() replaces the handler Rasa registered for the same event.
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return blueprint
