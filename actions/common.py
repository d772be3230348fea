"""Helpers shared by the actions: slot names, the current problem, collected details."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from knowledge.types import PROBLEM_KEYS

#: The six problem intents (a contract shared with the knowledge base).
PROBLEMS = PROBLEM_KEYS
#: The intent NLU gives a message its classifier was unsure of (Rasa's FallbackClassifier).
UNSURE = "nlu_fallback"

#: Slots whose values describe the user's case; they go into a ticket.
DETAIL_SLOTS = (
    "invoice_number",
    "invoice_code",
    "invoice_type",
    "invoice_date",
    "amount",
    "tax_id",
    "error_message",
    "platform",
    "phone_number",
    "known_error",
    "invoice_status",
)


def latest_intent(tracker: Tracker) -> Optional[str]:
    """Name of the intent of the latest user message."""
    return (tracker.latest_message or {}).get("intent", {}).get("name")


def ranked_problems(parse_data: Optional[Dict[str, Any]], limit: int = 3) -> List[str]:
    """The problem intents of a message's intent ranking (its ``parse_data``), most likely first."""
    ranking = (parse_data or {}).get("intent_ranking") or []
    names = (entry.get("name") for entry in ranking if isinstance(entry, dict))
    return list(dict.fromkeys(name for name in names if name in PROBLEMS))[:limit]


def message_that_named(tracker: Tracker, problem: str) -> Optional[Dict[str, Any]]:
    """The NLU result of the latest typed message, before the latest one, that was read as
    ``problem`` or was too unclear to read (``nlu_fallback``, then a button named the problem);
    None when there is none. Button clicks carry no ranking of their own."""
    users = [e for e in tracker.events or [] if isinstance(e, dict) and e.get("event") == "user"]
    for event in reversed(users[:-1]):
        text = event.get("text") or ""
        parse_data = event.get("parse_data") or {}
        if not isinstance(parse_data, dict) or not isinstance(text, str) or text.startswith("/"):
            continue
        if (parse_data.get("intent") or {}).get("name") in (problem, UNSURE):
            return parse_data
    return None


def latest_entity_values(tracker: Tracker, entity: str) -> List[str]:
    """Values of one entity in the latest user message."""
    return [
        str(found["value"])
        for found in (tracker.latest_message or {}).get("entities", [])
        if found.get("entity") == entity and found.get("value") is not None
    ]


def current_problem(tracker: Tracker) -> Optional[str]:
    """The problem being worked on, if any."""
    problem = tracker.get_slot("problem")
    return problem if problem in PROBLEMS else None


def shown_step_index(tracker: Tracker) -> Optional[int]:
    """Zero-based index of the step shown last, or None before the first step."""
    value = tracker.get_slot("step_index")
    return None if value is None else int(value)


def problem_with_step_on_screen(tracker: Tracker) -> Optional[str]:
    """The problem being worked on when one of its steps has been shown, else None."""
    problem = current_problem(tracker)
    return problem if problem and shown_step_index(tracker) is not None else None


def collected_details(tracker: Tracker) -> Dict[str, Any]:
    """Every detail slot that has a value."""
    return {
        name: tracker.get_slot(name)
        for name in DETAIL_SLOTS
        if tracker.get_slot(name) not in (None, "")
    }
