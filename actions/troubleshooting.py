"""Actions that walk the user through a problem's resolution steps, one at a time.

Rules: data/rules/troubleshooting.yml and data/rules/invoice_lookup.yml.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    PROBLEMS,
    current_problem,
    end_of_problem_events,
    latest_entity_values,
    latest_intent,
    problem_with_step_on_screen,
    shown_step_index,
)
from actions.handoff import hand_over
from bot.app import container
from bot.app.database import CHINA_TZ
from bot.app.protocols import KnowledgeReader
from knowledge.engine import NOT_SOLVED
from knowledge.errors import UnknownProblem


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

    Sets ``problem`` to the reported intent and resets the step position. Details given in
    the same message (an invoice number, say) are kept; older ones are cleared.

    The same problem reported again while one of its steps is on screen ("还是登录不上",
    "提示额度不足") means it persists: the position is kept, so the next step follows instead
    of the whole introduction and step 1 again.
    """

    def __init__(self, knowledge: Optional[KnowledgeReader] = None,
                 clock: Optional[Callable[[], datetime]] = None) -> None:
        self._knowledge = knowledge
        self._clock = clock or (lambda: datetime.now(CHINA_TZ))

    def name(self) -> Text:
        return "action_start_troubleshooting"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        kb = self._knowledge or container.current().knowledge()
        problem = latest_intent(tracker)
        if problem not in PROBLEMS:
            problem = current_problem(tracker)
        if problem is None:
            dispatcher.utter_message(response="utter_which_problem")
            return []
        if problem == problem_with_step_on_screen(tracker):
            dispatcher.utter_message(response="utter_same_problem_continues")
            return []

        entry = await kb.problem(problem)
        if entry is not None and entry.acknowledgement:
            dispatcher.utter_message(text=entry.acknowledgement)

        announcements = await kb.active_announcements(self._clock(), problem)
        if announcements:
            notice = announcements[0]
            dispatcher.utter_message(
                response="utter_announcement",
                announcement_title=notice.title,
                announcement_message=notice.message,
                expected_recovery=(
                    f"{notice.expected_recovery:%m月%d日 %H:%M}"
                    if notice.expected_recovery
                    else "暂未确定"
                ),
            )
            dispatcher.utter_message(response="utter_announcement_continue")
        elif problem == "system_outage":
            dispatcher.utter_message(response="utter_no_announcement")

        events: List[EventType] = [
            SlotSet("problem", problem),
            SlotSet("step_index", None),
            SlotSet("steps_tried", []),
            SlotSet("invoice_status", None),
            SlotSet("invoice_number_attempts", 0.0),
            SlotSet("awaiting_rating", False),
        ]
        if not latest_entity_values(tracker, "invoice_number"):
            events.append(SlotSet("invoice_number", None))
        return events


class ActionNextStep(Action):
    """Show the next resolution step with 已解决 / 没解决 / 转人工 buttons.

    After a step that did not help, first says what that step's content advises next. When
    the steps run out, hands the case over with a ticket.
    """

    def __init__(self, knowledge: Optional[KnowledgeReader] = None) -> None:
        self._knowledge = knowledge

    def name(self) -> Text:
        return "action_next_step"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        kb = self._knowledge or container.current().knowledge()
        problem = current_problem(tracker)
        if problem is None:
            dispatcher.utter_message(response="utter_which_problem")
            return []

        shown = shown_step_index(tracker)
        try:
            if shown is None:
                step = await kb.first_step(problem)
                lead_in = None
            else:
                move = await kb.next_move(problem, shown, NOT_SOLVED)
                step = move.step
                lead_in = step.lead_in if step else move.lead_in
        except UnknownProblem:
            dispatcher.utter_message(response="utter_which_problem")
            return end_of_problem_events()
        except ValueError:  # the content changed under a running conversation
            step, lead_in = None, None

        if lead_in and latest_intent(tracker) == "problem_persists":
            dispatcher.utter_message(response="utter_step_did_not_help", if_not_helped=lead_in)
        if step is None:
            dispatcher.utter_message(response="utter_steps_exhausted")
            return await hand_over(dispatcher, tracker)

        dispatcher.utter_message(
            response="utter_troubleshooting_step",
            step_number=step.number,
            step_total=step.total,
            step_title=step.title,
            step_instructions=step.instructions,
        )
        tried = list(tracker.get_slot("steps_tried") or [])
        return [
            SlotSet("step_index", float(step.index)),
            SlotSet("steps_tried", tried + [step.step_id]),
        ]


class ActionCloseProblem(Action):
    """The step worked: one prevention tip, then ask for a 1-5 rating."""

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
        kb = self._knowledge or container.current().knowledge()
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
