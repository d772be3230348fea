"""A conversation as the support team reads it: every user message, the assistant's replies and
the agents' replies, from the Rasa tracker (pure functions)."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, TypedDict

#: Metadata key of a bot event an agent sent (bot.rasa_plugins.handover).
AGENT_KEY = "fapiao_agent"
#: Metadata key of a hand-over notice (taken, handed back, closed, waiting).
NOTICE_KEY = "fapiao_notice"


class Line(TypedDict, total=False):
    seq: int  # position among the tracker's events (for "what is new since")
    role: str  # user | bot | agent | notice
    text: str
    timestamp: float
    agent: str
    buttons: List[str]


def transcript(events: List[Mapping[str, Any]], after: Optional[int] = None) -> List[Line]:
    """The messages of ``events`` in order; with ``after``, only those at a later position."""
    lines: List[Line] = []
    for seq, event in enumerate(events):
        if after is not None and seq <= after:
            continue
        kind = event.get("event")
        text = event.get("text")
        if kind == "user" and isinstance(text, str) and text:
            lines.append({"seq": seq, "role": "user", "text": text, "timestamp": event.get("timestamp") or 0.0})
        elif kind == "bot" and isinstance(text, str):
            metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
            data = event.get("data") if isinstance(event.get("data"), dict) else {}
            line: Line = {"seq": seq, "role": "bot", "text": text, "timestamp": event.get("timestamp") or 0.0}
            if metadata.get(AGENT_KEY):
                line["role"], line["agent"] = "agent", str(metadata[AGENT_KEY])
            elif metadata.get(NOTICE_KEY):
                line["role"] = "notice"
            buttons = [b.get("title") for b in data.get("buttons") or [] if isinstance(b, dict)]
            if buttons:
                line["buttons"] = [str(b) for b in buttons if b]
            lines.append(line)
    return lines


def last_seq(events: List[Mapping[str, Any]]) -> int:
    """The position of the last event (-1 for none)."""
    return len(events) - 1


def slots_at_end(events: List[Mapping[str, Any]]) -> Dict[str, Any]:
    """Slot values after the last event (for the ticket page's "what the assistant knows")."""
    slots: Dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot" and isinstance(event.get("name"), str):
            slots[event["name"]] = event.get("value")
        elif event.get("event") == "restart":
            slots = {}
    return slots


def step_of_message(events: List[Mapping[str, Any]], message_id: str) -> Optional[str]:
    """The step on screen when bot message ``message_id`` (``bot-<n>``, numbered like the
    widget's history: `bot.console.history.conversation_messages`) was sent:
    ``<problem>:<step number>``, ``<problem>:fix`` for a pasted error's fix, ``<problem>:0``
    before the first step; None outside a problem or for an unknown id."""
    try:
        wanted = int(message_id.split("-", 1)[1]) if message_id.startswith("bot-") else -1
    except ValueError:
        return None
    problem: Optional[str] = None
    step: Optional[float] = None
    count = 0
    found = False
    for event in events:
        kind = event.get("event")
        if found and kind in ("action", "user"):
            break  # the slots the same action set after its messages belong to them
        if kind == "slot" and event.get("name") == "problem":
            problem = event.get("value") if isinstance(event.get("value"), str) else None
        elif kind == "slot" and event.get("name") == "step_index":
            value = event.get("value")
            step = float(value) if isinstance(value, (int, float)) else None
        elif kind == "bot" and isinstance(event.get("text"), str) and not found:
            count += len(event["text"].strip().split("\n\n"))
            found = count >= wanted > 0
    if not found or problem is None:
        return None
    if step is None:
        return f"{problem}:0"
    return f"{problem}:fix" if step < 0 else f"{problem}:{int(step) + 1}"
