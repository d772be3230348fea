"""Answer questions outside the six flows from the knowledge base, or offer a way on.

Rules: data/rules/knowledge_search.yml (out_of_scope, nlu_fallback).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot import services


class ActionSearchKnowledge(Action):
    """Search the knowledge base with the user's text.

    A good match is answered directly; otherwise the closest problems are offered as buttons,
    together with a person.
    """

    def __init__(self, knowledge=None) -> None:
        self._knowledge = knowledge

    def name(self) -> Text:
        return "action_search_knowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        kb = self._knowledge or services.knowledge_base()
        text = (tracker.latest_message or {}).get("text") or ""
        hits = kb.search(text, limit=3)
        if hits and hits[0].is_good_match:
            dispatcher.utter_message(response="utter_knowledge_answer", answer=hits[0].answer)
            dispatcher.utter_message(response="utter_anything_else")
            return []

        buttons = [
            {"title": problem.title, "payload": f"/{problem.key}"}
            for problem in kb.closest_problems(text, limit=3)
        ]
        buttons.append({"title": "转人工", "payload": "/request_human"})
        dispatcher.utter_message(response="utter_out_of_scope", buttons=buttons)
        return []
