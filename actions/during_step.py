"""While a step is on screen: everything the user says that is not a clear 已解决 / 没解决 / 转人工.

Rules: data/rules/troubleshooting.yml ("during a step ..."), which apply while the slot
``step_on_screen`` is true. Real users ask about the step ("额度在哪看？"), say it does not
apply ("我们没有UKey"), paste the error, send the invoice number, switch to another problem,
ask a general question, or just say "好的，我试试". None of that may close or advance the
problem by accident; each is answered in place and the same step is offered again.

In order:

1. a pasted error of the catalogue → its specific fix (switching problem if it belongs to
   another one);
2. an invoice number → looked up, the state explained, the step offered again;
3. another problem, said with confidence → that problem starts (the old one is left);
4. a question or remark the step's context answers (knowledge base) → the answer;
5. the same problem said again → it persists: the next step; so does another problem said
   without confidence when the ranking's first three hold this problem or "没解决"
   ("核对过了都没问题，还是开不了" during the issuing steps, read as an outage at 0.44);
6. a general invoice question → a FAQ that matches it well, else the line of the instructions on
   screen that it asks about (knowledge/passages.py), else a FAQ that matches it fairly, else
   "I cannot say; a person can";
7. "好的" / "等一下" / "谢谢" / other details → acknowledged;
8. anything else → "I did not understand" and the step again — never "solved".
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import PROBLEMS, UNSURE
from actions.flow import ERROR_FIX_INDEX, FlowState, reoffer_step, show_next_step, start_problem
from actions.handoff import hand_over
from actions.invoice_lookup import INVOICE_PROBLEMS, look_up_invoice
from bot.app import container
from bot.app.database import china_now
from bot.app.protocols import InvoiceSystem, KnowledgeReader, TicketStore
from knowledge.passages import Passage, line_about
from knowledge.search import GOOD_MATCH, STRONG_MATCH
from knowledge.types import StepHelp

logger = logging.getLogger(__name__)

#: Confidence above which another problem named during a step is taken as a switch.
SWITCH_CONFIDENCE = 0.7
#: How far down an unsure message's ranking this problem or "没解决" still counts.
STILL_THIS_PROBLEM_RANKS = 3
#: Intents that only acknowledge the step ("好的", "等一下我试试").
WAITING = ("affirm", "wait", "deny")


def new_known_error(state: FlowState) -> Optional[str]:
    """The key of a catalogued error pasted in this message whose fix has not been shown yet
    (the slot mapping has already copied the entity into ``known_error``)."""
    known = state.entity("known_error")
    if known and f"error:{known[0]}" not in state.steps_tried:
        return known[0]
    return None


def relation_now_shown(state: FlowState) -> bool:
    """A tax ID sent after the assistant asked for one to look the given number up."""
    return bool(state.entity("tax_id") and state.invoice_number
                and state.slots.get("invoice_status") == "relation_needed")


async def step_help(state: FlowState, kb: KnowledgeReader) -> Optional[StepHelp]:
    """What the step's context answers to this message, if anything."""
    if state.problem is None:
        return None
    # While a pasted error's fix is on screen no step is: the context of every step counts
    # ("税收分类编码在哪里改" during the fix of 税收分类编码不可用).
    index = None if state.shown == ERROR_FIX_INDEX else max(state.shown or 0, 0)
    return await kb.step_help(state.problem, index, state.text)


async def line_on_screen(state: FlowState, kb: KnowledgeReader) -> Optional[Passage]:
    """The line of the instructions on screen (a pasted error's fix, else the step) that the
    message asks about ("这个要去税务局吗" → "2. …到主管税务机关处理…"), if any."""
    if state.shown == ERROR_FIX_INDEX and state.known_error:
        error = await kb.known_error(state.known_error)
        return line_about(error.fix, state.text) if error else None
    problem = await kb.problem(state.problem) if state.problem else None
    if problem is None or state.shown is None or not 0 <= state.shown < len(problem.steps):
        return None
    return line_about(problem.steps[state.shown].instructions, state.text)


def still_this_problem(state: FlowState) -> bool:
    """This problem said again, or another one said without confidence while the ranking's first
    few readings hold this problem or ``problem_persists``: the step did not help."""
    if state.problem is None or state.intent not in PROBLEMS:
        return False
    if state.intent == state.problem:
        return True
    return (state.confidence < SWITCH_CONFIDENCE
            and bool({state.problem, "problem_persists"} & set(state.ranking[:STILL_THIS_PROBLEM_RANKS])))


async def answers_in_place(state: FlowState, kb: KnowledgeReader) -> bool:
    """Whether a typed "没解决" / "好了" really asks or tells something else that is answered in
    place: it carries an invoice number or a pasted error, or the step's context answers it
    ("没有管理员权限装不了浏览器" read as "not solved"). Button payloads never do."""
    if not state.step_on_screen or state.text.startswith("/"):
        return False
    if state.entity("invoice_number") or new_known_error(state) or relation_now_shown(state):
        return True
    return await step_help(state, kb) is not None


class ActionHandleDuringStep(Action):
    """Answers what the user says while a step waits for its outcome, then offers it again."""

    def __init__(self, knowledge: Optional[KnowledgeReader] = None,
                 invoices: Optional[InvoiceSystem] = None,
                 tickets: Optional[TicketStore] = None,
                 clock: Optional[Callable[[], datetime]] = None) -> None:
        self._knowledge = knowledge
        self._invoices = invoices
        self._tickets = tickets
        self._clock = clock or china_now

    def name(self) -> Text:
        return "action_handle_during_step"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        kb = self._knowledge or container.current().knowledge()
        state = FlowState.from_tracker(tracker)
        if not state.step_on_screen:  # the slot and the position disagree: start afresh
            dispatcher.utter_message(response="utter_which_problem")
            return [SlotSet("step_on_screen", False)]
        return await self.handle(dispatcher, state, kb)

    async def handle(self, dispatcher: CollectingDispatcher, state: FlowState,
                     kb: KnowledgeReader) -> List[EventType]:
        """Answer this turn in place (see the module's docstring for the order)."""
        known = new_known_error(state)
        if known:
            return await self._known_error(dispatcher, state, kb, known)

        numbers = state.entity("invoice_number") or ([state.invoice_number] if relation_now_shown(state) else [])
        if numbers:
            # A number (or, after "which tax ID?", the tax ID for the number given before).
            invoices = self._invoices or container.current().invoice_system()
            events = await look_up_invoice(dispatcher, state, invoices, str(numbers[0]),
                                           (state.entity("invoice_code") or [None])[0])
            await reoffer_step(dispatcher, state, kb)
            return events

        help_ = await step_help(state, kb)
        if help_ is not None:
            dispatcher.utter_message(response="utter_step_help", answer=help_.answer)
            events = state.with_conditions(help_.implies)
            if await self._step_now_skipped(state, kb):
                # "我们没有UKey" during the UKey step: that step does not apply, so the next one.
                shown = await show_next_step(dispatcher, state, kb, say_lead_in=False)
                if shown is None:
                    return events + await hand_over(dispatcher, state, self._tickets, kb, self._clock())
                return events + shown
            await reoffer_step(dispatcher, state, kb)
            return events

        other_problem = state.intent in PROBLEMS and state.intent != state.problem
        if other_problem and state.confidence >= SWITCH_CONFIDENCE:
            return await self._switch(dispatcher, state, kb, str(state.intent))

        if still_this_problem(state):
            dispatcher.utter_message(response="utter_same_problem_continues")
            events = await show_next_step(dispatcher, state, kb, say_lead_in=False)
            if events is None:
                return await hand_over(dispatcher, state, self._tickets, kb, self._clock())
            return events

        if state.intent in ("ask_invoice_question", "out_of_scope", UNSURE, "ask_prevention"):
            await self._answer_question(dispatcher, state, kb)
            await reoffer_step(dispatcher, state, kb)
            return []

        if state.intent == "thank":
            dispatcher.utter_message(response="utter_you_are_welcome_during_step")
        elif state.intent in WAITING:
            dispatcher.utter_message(response="utter_waiting_for_step_result")
            return []
        elif state.intent == "inform" or state.entities:
            dispatcher.utter_message(response="utter_detail_noted_during_step")
            return []
        else:
            dispatcher.utter_message(response="utter_step_not_understood")
        await reoffer_step(dispatcher, state, kb)
        return []

    @staticmethod
    async def _step_now_skipped(state: FlowState, kb: KnowledgeReader) -> bool:
        problem = await kb.problem(state.problem) if state.problem else None
        if problem is None or state.shown is None or not 0 <= state.shown < len(problem.steps):
            return False
        return bool(set(problem.steps[state.shown].skip_when) & state.skip)

    async def _known_error(self, dispatcher: CollectingDispatcher, state: FlowState,
                           kb: KnowledgeReader, key: str) -> List[EventType]:
        error = await kb.known_error(key)
        if error is None:  # the catalogue changed under the model: answer as a remark
            dispatcher.utter_message(response="utter_detail_noted_during_step")
            return []
        events: List[EventType] = []
        if error.problem != state.problem:
            events += await start_problem(dispatcher, state, error.problem, kb, self._clock(),
                                          known_error=key)
        else:
            events += state.apply([SlotSet("known_error", key), SlotSet("step_index", None)])
        shown = await show_next_step(dispatcher, state, kb)
        return events + (shown or [])

    async def _switch(self, dispatcher: CollectingDispatcher, state: FlowState, kb: KnowledgeReader,
                      problem: str) -> List[EventType]:
        """Another problem: start it; a missing invoice or an empty query asks for the number
        (the form), unless the conversation already has one."""
        events = await start_problem(dispatcher, state, problem, kb, self._clock())
        if problem in INVOICE_PROBLEMS and not state.invoice_number:
            return events + [ActiveLoop("invoice_form")]
        if problem in INVOICE_PROBLEMS and state.invoice_number:
            invoices = self._invoices or container.current().invoice_system()
            events += await look_up_invoice(dispatcher, state, invoices, state.invoice_number,
                                            state.slots.get("invoice_code"), reused=True)
        shown = await show_next_step(dispatcher, state, kb)
        if shown is None:
            return events + await hand_over(dispatcher, state, self._tickets, kb, self._clock())
        return events + shown

    async def _answer_question(self, dispatcher: CollectingDispatcher, state: FlowState,
                               kb: KnowledgeReader) -> None:
        """A FAQ that answers it well, else the line on screen it asks about, else a FAQ that
        answers it fairly, else "I cannot say" (the instructions in front of the user beat a FAQ
        that shares a word or two with the question: "设备要换吗" is not about 数电发票)."""
        hits = await kb.search(state.text, limit=3)
        best = hits[0] if hits and hits[0].kind == "faq" else None
        passage = None if best is not None and best.score >= STRONG_MATCH else await line_on_screen(state, kb)
        if passage is not None:
            dispatcher.utter_message(response="utter_step_passage", number=passage.number, line=passage.text,
                                     where="刚才的处理方法" if state.shown == ERROR_FIX_INDEX else "这一步")
        elif best is not None and best.score >= GOOD_MATCH:
            dispatcher.utter_message(response="utter_knowledge_answer", answer=best.answer)
        else:
            dispatcher.utter_message(response="utter_step_question_unknown")
