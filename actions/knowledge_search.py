"""Answer questions outside the six flows from the knowledge base, or offer a way on.

Rules: data/rules/knowledge_search.yml (out_of_scope, nlu_fallback).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.app import container
from bot.app.protocols import KnowledgeReader
from knowledge.search import GOOD_MATCH


class ActionSearchKnowledge(Action):
    """Search the knowledge base with the user's text.

    A good match is answered directly; otherwise the closest problems are offered as buttons,
    together with a person.
    """

    def __init__(self, knowledge: Optional[KnowledgeReader] = None) -> None:
        self._knowledge = knowledge

    def name(self) -> Text:
        return "action_search_knowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        kb = self._knowledge or container.current().knowledge()
        text = (tracker.latest_message or {}).get("text") or ""
        hits = await kb.search(text, limit=8)
        best = hits[0] if hits else None
        if best is not None and best.kind == "faq" and best.score >= GOOD_MATCH:
            dispatcher.utter_message(response="utter_knowledge_answer", answer=best.answer)
            dispatcher.utter_message(response="utter_anything_else")
            return []

        problems = {hit.key: hit.title for hit in hits if hit.kind == "problem"}
        if not problems:
            dispatcher.utter_message(response="utter_which_problem")
            return []
        buttons = [{"title": title, "payload": f"/{key}"} for key, title in list(problems.items())[:3]]
        buttons.append({"title": "转人工", "payload": "/request_human"})
        dispatcher.utter_message(response="utter_out_of_scope", buttons=buttons)
        return []
