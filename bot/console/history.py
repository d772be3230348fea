"""Turning a Rasa tracker into the conversation the widget shows (pure functions)."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, TypedDict

#: Session ids the console accepts: 32 lower-case hex characters (uuid4().hex, as minted by
#: the widget and by Rasa). Anything else is refused, so guessable ids never reach a tracker.
SESSION_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")

MAX_BUTTON_TITLE_LENGTH = 60


class HistoryButton(TypedDict):
    title: str
    payload: str


class HistoryMessage(TypedDict, total=False):
    role: str  # "user" | "bot"
    text: str
    buttons: List[HistoryButton]
    id: str  # bot messages only: "bot-<n>", n counting text messages from 1
    timestamp: float


def is_valid_session_id(value: str) -> bool:
    """True for an id the console serves (see ``SESSION_ID_PATTERN``)."""
    return bool(SESSION_ID_PATTERN.match(value or ""))


def _buttons(data: Mapping[str, Any]) -> List[HistoryButton]:
    raw = data.get("buttons") or data.get("quick_replies") or []
    buttons: List[HistoryButton] = []
    for button in raw if isinstance(raw, list) else []:
        if isinstance(button, dict) and isinstance(button.get("title"), str) \
                and isinstance(button.get("payload"), str):
            buttons.append({"title": button["title"], "payload": button["payload"]})
    return buttons


def _shown_user_text(event: Mapping[str, Any], last_buttons: List[HistoryButton]) -> str:
    """What the user saw themselves send: the button title for a payload, else the text."""
    text = event.get("text") or ""
    if text.startswith("/"):
        for button in last_buttons:
            if button["payload"] == text:
                return button["title"]
        metadata = event.get("metadata") or {}
        title = metadata.get("button_title") if isinstance(metadata, dict) else None
        if isinstance(title, str) and title.strip():
            return title.strip()[:MAX_BUTTON_TITLE_LENGTH]
    return text


def conversation_messages(events: List[Mapping[str, Any]]) -> List[HistoryMessage]:
    """User and bot messages of a tracker, in order, shaped as the socket.io channel sent them.

    Bot text is split on blank lines with the buttons on the last part, exactly as Rasa's
    ``SocketIOOutput`` does, so the ids (``bot-1``, ``bot-2``, …) match the ones the widget
    counted while the conversation was live. Everything else (actions, slots, session
    starts, metadata) is left out.
    """
    messages: List[HistoryMessage] = []
    bot_count = 0
    last_buttons: List[HistoryButton] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = _shown_user_text(event, last_buttons)
            if text:
                messages.append({"role": "user", "text": text, "timestamp": event.get("timestamp")})
        elif kind == "bot":
            text = event.get("text")
            if not isinstance(text, str):
                continue  # images, custom payloads: the widget does not show them
            data = event.get("data") or {}
            buttons = _buttons(data if isinstance(data, dict) else {})
            parts = text.strip().split("\n\n")
            for index, part in enumerate(parts):
                bot_count += 1
                is_last = index == len(parts) - 1
                if not part.strip() and not (is_last and buttons):
                    continue
                message: HistoryMessage = {"role": "bot", "text": part, "id": f"bot-{bot_count}",
                                           "timestamp": event.get("timestamp")}
                message["buttons"] = buttons if is_last else []
                messages.append(message)
            last_buttons = buttons
    return messages


def has_conversation(events: Optional[List[Mapping[str, Any]]]) -> bool:
    """True if the tracker holds at least one user or bot message."""
    return any(e.get("event") in ("user", "bot") for e in events or [])


def tracker_events(tracker: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The event list of a tracker response (empty when missing or malformed)."""
    events = tracker.get("events") if isinstance(tracker, Mapping) else None
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []
