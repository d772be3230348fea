"""Rasa's socket.io channel, fixed for current python-socketio and hardened for the web widget.

Two changes over ``rasa.core.channels.socketio.SocketIOInput`` (Rasa 3.6.21):

* ``session_request`` awaits ``enter_room``. python-socketio >= 5.10 made ``enter_room`` a
  coroutine and Rasa calls it without ``await``, so with ``session_persistence: true`` the socket
  never joins its session room and every ``bot_uttered`` is dropped (RasaHQ/rasa#13027;
  ``docs/channels.md`` §4.2.4).
* ``user_uttered`` is idempotent per client message id. The widget keeps unacknowledged messages
  in an outbox and re-sends them after a reconnect; a message whose id was already received for
  the same session is acknowledged again but not processed twice. The id travels in the
  message metadata as ``client_message_id``. The memory of seen ids is per process, which
  matches socket.io's own requirement of sticky sessions across replicas.

Handlers acknowledge with a small dict when the client asked for an acknowledgement (python-
socketio sends the handler's return value as the ack), after the turn has been processed.

credentials.yml::

    bot.rasa_plugins.channels.socketio_fixed.SocketIOInputFixed:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
"""
from __future__ import annotations

import inspect
import json
import logging
import threading
import uuid
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

logger = logging.getLogger(__name__)

CLIENT_MESSAGE_ID_KEY = "client_message_id"
MAX_CLIENT_MESSAGE_ID_LENGTH = 64


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

    def __len__(self) -> int:
        return len(self._keys)


def client_message_id(data: Dict[Text, Any], metadata_key: Text) -> Optional[Text]:
    """The widget's id of a user message, from its metadata (a dict or a JSON string)."""
    metadata = data.get(metadata_key)
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return None
    if not isinstance(metadata, dict):
        return None
    value = metadata.get(CLIENT_MESSAGE_ID_KEY)
    if not isinstance(value, str) or not value or len(value) > MAX_CLIENT_MESSAGE_ID_LENGTH:
        return None
    return value


class SocketIOInputFixed(SocketIOInput):
    """``SocketIOInput`` with the session-room fix and idempotent user messages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen_messages = SeenMessages()

    @classmethod
    def name(cls) -> Text:
        # Keep "socketio": same URL prefix (/webhooks/socketio/) and response-variation channel.
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint with the ``session_request`` and user-message handlers replaced."""
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        namespace = self.namespace or "/"
        rasa_handle_message = sio.handlers[namespace][self.user_message_evt]

        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not session_id:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):  # python-socketio >= 5.10 returns a coroutine
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def handle_message(sid: Text, data: Any) -> Dict[Text, Text]:
            if not isinstance(data, dict):
                return {"status": "invalid"}
            message_id = client_message_id(data, self.metadata_key)
            if message_id:
                conversation = data.get("session_id") if self.session_persistence else sid
                if not self.seen_messages.add((conversation, message_id)):
                    logger.debug("Ignoring a re-sent socket.io message (already received).")
                    return {"status": "duplicate", "id": message_id}
            await rasa_handle_message(sid, data)
            return {"status": "ok", "id": message_id or ""}

        # AsyncServer.on() replaces the handler Rasa registered for the same event.
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return blueprint
