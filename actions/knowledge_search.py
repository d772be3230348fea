"""Answer questions outside the six flows from the knowledge base, or offer a way on: the
likeliest problems when the model was unsure, the other problems when the user says the one
being worked on is not theirs.

Rules: data/rules/knowledge_search.yml (out_of_scope, nlu_fallback, wrong_problem).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    PROBLEMS,
    UNSURE,
    current_problem,
    latest_intent,
    message_that_named,
    ranked_problems,
)
from actions.flow import end_of_problem_events
from bot.app import container
from bot.app.protocols import KnowledgeReader
from knowledge.search import GOOD_MATCH, STRONG_MATCH

#: How many problems are offered as buttons.
CHOICES = 3


class ActionSearchKnowledge(Action):
    """Search the knowledge base with the user's text.

    A good match is answered directly; otherwise the closest problems are offered as buttons,
    together with a person. When the message is one the classifier was unsure of
    (``nlu_fallback``), a FAQ needs a strong match (``STRONG_MATCH``) to be answered, the problems
    the classifier ranked highest come first and the reply asks which one it is (the message may
    well be about a problem, in words the model does not know); for an off-topic or general
    question, the problems closest to its words are offered.
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
        unsure = latest_intent(tracker) == UNSURE
        if best is not None and best.kind == "faq" and best.score >= (STRONG_MATCH if unsure else GOOD_MATCH):
            dispatcher.utter_message(response="utter_knowledge_answer", answer=best.answer)
            dispatcher.utter_message(response="utter_anything_else")
            return []

        searched = {hit.key: hit.title for hit in hits if hit.kind == "problem"}
        # An unsure classifier's first three problems hold the right one for about four in five
        # real messages (cross-validation by source, docs/understanding.md, "Round 9").
        guesses = ranked_problems(tracker.latest_message, CHOICES) if unsure else []
        keys = list(dict.fromkeys(guesses + list(searched)))
        if not keys:
            dispatcher.utter_message(response="utter_which_problem")
            return []
        response = "utter_which_of_these" if guesses else "utter_out_of_scope"
        dispatcher.utter_message(response=response, buttons=await problem_buttons(kb, keys, CHOICES, searched))
        return []


class ActionOfferOtherProblems(Action):
    """"不是这个问题": the problem being worked on is not the user's.

    Offers the other problems the classifier ranked highest for the message that named this one
    (its second reading is the likeliest right one), filled up with the rest, and a person, and
    closes the rejected problem: what the user says next is read afresh, not as an answer to its
    step. A chosen problem starts over (a lookup problem asks for the invoice number first).
    """

    def __init__(self, knowledge: Optional[KnowledgeReader] = None) -> None:
        self._knowledge = knowledge

    def name(self) -> Text:
        return "action_offer_other_problems"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        kb = self._knowledge or container.current().knowledge()
        current = current_problem(tracker)
        if current is None:  # nothing was being worked on: every problem is a choice
            choices, limit = list(PROBLEMS), len(PROBLEMS)
        else:
            ranked = ranked_problems(message_that_named(tracker, current), len(PROBLEMS))
            choices, limit = [key for key in dict.fromkeys(ranked + list(PROBLEMS)) if key != current], CHOICES
        buttons = await problem_buttons(kb, choices, limit)
        dispatcher.utter_message(response="utter_which_problem_instead", buttons=buttons)
        return [] if current is None else end_of_problem_events()


async def problem_buttons(kb: KnowledgeReader, keys: List[str], limit: int,
                          titles: Optional[Dict[str, str]] = None) -> List[Dict[str, str]]:
    """A button for each of the first ``limit`` problems the knowledge base has (its title from
    ``titles`` or the knowledge base), then 转人工."""
    buttons: List[Dict[str, str]] = []
    for key in keys:
        if len(buttons) == limit:
            break
        title = (titles or {}).get(key)
        if title is None:
            problem = await kb.problem(key)
            if problem is None:
                continue
            title = problem.title
        buttons.append({"title": title, "payload": f"/{key}"})
    buttons.append({"title": "转人工", "payload": "/request_human"})
    return buttons
