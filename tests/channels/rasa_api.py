"""Reading a conversation back from the Rasa server's HTTP API, to count turns."""

from typing import Any, Dict, List

import requests

from tests.support.client import api_params


class Tracker:
    """A conversation's tracker read through Rasa's HTTP API."""

    def __init__(self, rasa_url: str, sender: str) -> None:
        self.rasa_url, self.sender = rasa_url, sender

    def events(self) -> List[Dict[str, Any]]:
        response = requests.get(f"{self.rasa_url}/conversations/{self.sender}/tracker",
                                params=api_params(self.rasa_url), timeout=30)
        response.raise_for_status()
        return response.json()["events"]

    def user_events(self) -> List[Dict[str, Any]]:
        return [e for e in self.events() if e["event"] == "user"]

    def intents(self) -> List[str]:
        return [e["parse_data"]["intent"]["name"] for e in self.user_events()]

    def responses(self) -> List[str]:
        return [(e.get("metadata") or {}).get("utter_action", "")
                for e in self.events() if e["event"] == "bot"]
