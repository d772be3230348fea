"""Inbound WeChat / WeCom messages → what Rasa receives (docs/channels.md §1.3, §4.3 step 3).

User-facing wording lives in the domain, so every non-text case becomes an intent payload the
domain answers (docs/wechat.md lists them):

| inbound | Rasa input |
|---|---|
| text | `Content` (a leading "/" is dropped, so typed text cannot inject intents or slots) |
| voice with `Recognition` | the recognised text |
| voice without it | `/voice_unrecognized` |
| image, video, location, link, file, … | `/unsupported_message` |
| event subscribe | `/greet` |
| event CLICK with a problem key (e.g. `LOGIN_FAILURE`) | `/<problem intent>` |
| event CLICK with another key | `/greet` |
| event unsubscribe | no turn: the user's data is deleted |
| other events (VIEW, LOCATION, SCAN, enter_agent, …) | no turn |
"""

from dataclasses import dataclass
from typing import Dict, Optional

from knowledge.types import PROBLEM_KEYS

GREET = "/greet"
VOICE_UNRECOGNIZED = "/voice_unrecognized"
UNSUPPORTED_MESSAGE = "/unsupported_message"


@dataclass(frozen=True)
class TurnInput:
    """What to do with one inbound message."""

    text: Optional[str] = None  # None: no Rasa turn
    typed: bool = False  # typed by the user: may be a numbered button choice
    forget_user: bool = False


def menu_payload(event_key: str) -> str:
    """Menu keys are the problem intents in any case (`LOGIN_FAILURE` → `/login_failure`)."""
    key = event_key.strip().lower()
    return f"/{key}" if key in PROBLEM_KEYS else GREET


def neutralise_payload(text: str) -> str:
    """Rasa treats text starting with "/" as an intent with entities; users only get that
    power through the buttons the bot offered (mapped by number)."""
    return text.lstrip().lstrip("/").strip()


def turn_input(fields: Dict[str, str]) -> TurnInput:
    msg_type = fields.get("MsgType", "").strip().lower()
    if msg_type == "text":
        # Empty text goes to Rasa as it is: the domain answers it like on every other channel.
        return TurnInput(text=neutralise_payload(fields.get("Content", "")), typed=True)
    if msg_type == "voice":
        recognised = neutralise_payload(fields.get("Recognition", ""))
        return TurnInput(text=recognised or VOICE_UNRECOGNIZED)
    if msg_type == "event":
        return _event_input(fields.get("Event", "").strip().lower(), fields.get("EventKey", ""))
    return TurnInput(text=UNSUPPORTED_MESSAGE)


def _event_input(event: str, event_key: str) -> TurnInput:
    if event == "subscribe":
        return TurnInput(text=GREET)
    if event == "unsubscribe":
        return TurnInput(forget_user=True)
    if event == "click":
        return TurnInput(text=menu_payload(event_key))
    return TurnInput()


def message_metadata(fields: Dict[str, str]) -> Dict[str, str]:
    """The protocol fields worth keeping on the Rasa `UserMessage` (no message content)."""
    names = {
        "MsgType": "msg_type",
        "MsgId": "msg_id",
        "Event": "event",
        "EventKey": "event_key",
        "ToUserName": "to_user",
        "AgentID": "agent_id",
    }
    return {key: fields[name] for name, key in names.items() if fields.get(name)}
