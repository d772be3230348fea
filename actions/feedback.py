"""The end-of-conversation rating. Rules: data/rules/feedback.yml."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entity_values
from bot.app import container
from bot.app.protocols import FeedbackStore
from bot.zhtext.ratings import parse_rating


class ActionStoreRating(Action):
    """Store a 1-5 rating with the conversation (from the buttons or typed text)."""

    def __init__(self, feedback: Optional[FeedbackStore] = None) -> None:
        self._feedback = feedback

    def name(self) -> Text:
        return "action_store_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        given = latest_entity_values(tracker, "rating")
        text = (tracker.latest_message or {}).get("text") or ""
        rating = parse_rating(given[0] if given else text)
        if rating is None:
            dispatcher.utter_message(response="utter_rating_unclear")
            return []
        feedback = self._feedback or container.current().feedback()
        await feedback.record_rating(tracker.sender_id, rating)
        dispatcher.utter_message(response="utter_rating_thanks")
        return [SlotSet("rating", str(rating)), SlotSet("awaiting_rating", False)]
