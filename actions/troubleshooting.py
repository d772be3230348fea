"""Actions that walk the user through a problem's resolution steps, one at a time.

Rules: data/rules/troubleshooting.yml and data/rules/invoice_lookup.yml. The flow itself (start,
next step, a pasted error's fix first) is in actions/flow.py; questions and remarks while a
step is on screen are handled by actions/during_step.py.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import PROBLEMS, current_problem
from actions.during_step import ActionHandleDuringStep, answers_in_place
from actions.flow import FlowState, end_of_problem_events, show_next_step, start_problem
from actions.handoff import hand_over
from bot.app import container
from bot.app.database import china_now
from bot.app.protocols import KnowledgeReader

#: Below this intent confidence a typed "solved" is confirmed before the problem is closed.
SOLVED_CONFIDENCE = 0.85


async def prevention_tips(kb: KnowledgeReader, problem: Optional[str], limit: int) -> List[str]:
    """Up to ``limit`` distinct tips: the problem's own, else general ones."""
    entry = await kb.problem(problem) if problem else None
    if entry is not None and entry.tips:
        return list(entry.tips[:limit])
    tips: List[str] = []
    for seed in range(limit * 4):
        tip = await kb.prevention_tip(None, seed=seed)
        if tip and tip not in tips:
            tips.append(tip)
        if len(tips) == limit:
            break
    return tips


class ActionStartTroubleshooting(Action):
    """Acknowledge a reported problem and say whether an announcement explains it.

    Sets ``problem`` to the reported intent and resets the step position; a pasted error of the
    catalogue (the ``known_error`` entity) is kept, so that its specific fix comes first. An
    invoice number given earlier in the conversation is kept (never asked for twice).
    """

    def __init__(self, knowledge: Optional[KnowledgeReader] = None,
                 clock: Optional[Callable[[], datetime]] = None) -> None:
        self._knowledge = knowledge
        self._clock = clock or china_now

    def name(self) -> Text:
        return "action_start_troubleshooting"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        kb = self._knowledge or container.current().knowledge()
        state = FlowState.from_tracker(tracker)
        problem = state.intent if state.intent in PROBLEMS else state.problem
        if problem is None:
            dispatcher.utter_message(response="utter_which_problem")
            return []
        known = state.entity("known_error")
        return await start_problem(dispatcher, state, problem, kb, self._clock(),
                                   known_error=known[0] if known else None)


class ActionNextStep(Action):
    """Show the next resolution step with 已解决 / 没解决 / 转人工 buttons.

    A pasted error's specific fix comes before the general steps. After a step that did not
    help, first says what that step's content advises next. When the steps run out (or the
    error needs a person), hands the case over with a ticket.
    """

    def __init__(self, knowledge: Optional[KnowledgeReader] = None) -> None:
        self._knowledge = knowledge

    def name(self) -> Text:
        return "action_next_step"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        kb = self._knowledge or container.current().knowledge()
        state = FlowState.from_tracker(tracker)
        if state.intent == "problem_persists" and await answers_in_place(state, kb):
            # "没有管理员权限装不了浏览器" is not "the step did not help": answered in place.
            return await ActionHandleDuringStep(kb).handle(dispatcher, state, kb)
        events = await show_next_step(dispatcher, state, kb,
                                      say_lead_in=state.intent == "problem_persists")
        if events is None:
            return await hand_over(dispatcher, state, knowledge=kb)
        return events


class ActionCloseProblem(Action):
    """The step worked: one prevention tip, then ask for a 1-5 rating.

    A typed "solved" the model is not sure of ("那什么时候能好" read as solved) is confirmed
    first ("是已经解决了吗？"); the buttons send a sure answer either way.
    """

    def __init__(self, knowledge: Optional[KnowledgeReader] = None) -> None:
        self._knowledge = knowledge

    def name(self) -> Text:
        return "action_close_problem"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        problem = current_problem(tracker)
        if problem is None:
            dispatcher.utter_message(response="utter_nothing_to_solve")
            return []
        state = FlowState.from_tracker(tracker)
        kb = self._knowledge or container.current().knowledge()
        if state.entities and await answers_in_place(state, kb):
            # "发票号码是34567890" read as "solved": the number is looked up, nothing closes.
            return await ActionHandleDuringStep(kb).handle(dispatcher, state, kb)
        if state.confidence < SOLVED_CONFIDENCE:
            dispatcher.utter_message(response="utter_confirm_solved")
            return []
        dispatcher.utter_message(response="utter_problem_solved", tip=await kb.prevention_tip(problem))
        dispatcher.utter_message(response="utter_ask_rating")
        return end_of_problem_events() + [SlotSet("awaiting_rating", True)]


class ActionGivePrevention(Action):
    """Prevention tips for the current problem, or general ones."""

    def __init__(self, knowledge: Optional[KnowledgeReader] = None) -> None:
        self._knowledge = knowledge

    def name(self) -> Text:
        return "action_give_prevention"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        kb = self._knowledge or container.current().knowledge()
        tips = await prevention_tips(kb, current_problem(tracker), limit=3)
        dispatcher.utter_message(
            response="utter_prevention",
            tips="\n".join(f"{number}. {tip}" for number, tip in enumerate(tips, start=1)),
        )
        return []
