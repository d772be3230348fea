"""Talking to a running Rasa server the way channels and operators do (REST + HTTP API).

The HTTP API always needs its token (issue 14): the fixtures that start a stack register it
with `remember_token` (`api_token` reads it back), so every helper here sends it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import requests

#: The HTTP API token of each running Rasa server, by URL.
API_TOKENS: Dict[str, str] = {}


def remember_token(stack: Any) -> None:
    """Register the HTTP API token of a started `bot.launcher.stack.Stack`."""
    API_TOKENS[stack.rasa_url] = stack.environment()["RASA_AUTH_TOKEN"]


def api_token(rasa_url: str) -> str:
    """The HTTP API token of the Rasa server at ``rasa_url`` (registered by its fixture)."""
    return API_TOKENS.get(rasa_url.rstrip("/"), "")


def api_params(rasa_url: str, **params: Any) -> Dict[str, Any]:
    """Query parameters for the HTTP API: ``params`` plus the token."""
    token = api_token(rasa_url)
    return {**params, "token": token} if token else dict(params)


@dataclass
class Conversation:
    """One user's conversation over the REST channel.

    Args:
        rasa_url: the Rasa server.
        sender: the conversation id (a fresh unguessable one by default; the REST channel
            accepts 1-64 letters, digits, ``-`` and ``_``).
    """

    rasa_url: str
    sender: str = ""

    def __post_init__(self) -> None:
        self.sender = self.sender or f"test-{uuid.uuid4().hex}"

    def say(self, text: str, timeout: float = 30) -> List[Dict[str, Any]]:
        """Send one message and return the bot's messages of that turn."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            timeout=timeout,
        )
        response.raise_for_status()
        return response.json()

    def tracker(self) -> Dict[str, Any]:
        """The conversation's tracker from the HTTP API."""
        response = requests.get(
            f"{self.rasa_url}/conversations/{self.sender}/tracker",
            params=api_params(self.rasa_url), timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def slot(self, name: str) -> Any:
        """Current value of one slot."""
        return self.tracker()["slots"].get(name)

    def last_turn_responses(self) -> List[str]:
        """Response names (``utter_…``) the bot used since the last user message."""
        events = self.tracker()["events"]
        names: List[str] = []
        for event in reversed(events):
            if event["event"] == "user":
                break
            if event["event"] == "bot":
                names.append((event.get("metadata") or {}).get("utter_action") or "<text>")
        return list(reversed(names))

    def last_intent(self) -> Optional[str]:
        """Intent NLU gave the latest user message."""
        return (self.tracker().get("latest_message") or {}).get("intent", {}).get("name")


def button_payloads(messages: List[Dict[str, Any]]) -> List[str]:
    """Every button payload in a turn's messages."""
    return [b["payload"] for m in messages for b in m.get("buttons", []) or []]


def texts(messages: List[Dict[str, Any]]) -> str:
    """All the turn's text joined."""
    return "\n".join(m.get("text", "") for m in messages if m.get("text"))
