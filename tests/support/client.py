"""Talking to a running Rasa server the way channels and operators do (REST + HTTP API)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import requests


@dataclass
class Conversation:
    """One user's conversation over the REST channel.

    Args:
        rasa_url: the Rasa server.
        sender: the conversation id (a fresh unguessable one by default).
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
            f"{self.rasa_url}/conversations/{self.sender}/tracker", timeout=30
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
