"""The troubleshooting flow as plain functions over a conversation's state.

The actions (troubleshooting.py, during_step.py, handoff.py) share these steps: start a
problem, show the next step (or a pasted error's specific fix first), re-offer the step on
screen. Each function utters through the dispatcher and returns the slot events; it also applies
them to the `FlowState` it was given, so that one action can chain several (switch problem, then
show the first step) and each sees what the previous one set.

Slots (domain.yml): ``problem``, ``step_index`` (0-based index of the step on screen, ``-1``
for a known error's fix, empty before the first step), ``steps_tried``, ``known_error`` (the
catalogue key of a pasted error), ``step_on_screen`` (the rules branch on it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, FrozenSet, Iterable, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import PROBLEMS, UNSURE
from bot.app.protocols import KnowledgeReader
from knowledge.engine import NOT_SOLVED
from knowledge.errors import UnknownProblem
from knowledge.types import SKIP_CONDITIONS, KnownError, StepSkip

#: ``step_index`` while a known error's specific fix is on screen (before the general steps).
ERROR_FIX_INDEX = -1

#: Buttons that follow every step: the three ways on.
STEP_OUTCOMES = ("utter_troubleshooting_step", "utter_known_error", "utter_reoffer_step")


@dataclass
class FlowState:
    """What the flow functions read and update; built from the tracker at the start of a turn."""

    sender_id: str
    channel: str
    problem: Optional[str]
    shown: Optional[int]
    steps_tried: List[str]
    known_error: Optional[str]
    invoice_number: Optional[str]
    ticket_number: Optional[str]
    intent: Optional[str]
    confidence: float
    text: str
    entities: List[Dict[str, Any]] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)
    #: The intents of the message's ranking, most likely first (without ``nlu_fallback``).
    ranking: List[str] = field(default_factory=list)

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> "FlowState":
        """The state at the start of this turn."""
        latest = tracker.latest_message or {}
        intent = latest.get("intent") or {}
        problem = tracker.get_slot("problem")
        shown = tracker.get_slot("step_index")
        # The text as the user typed it (the parse data holds the normalised text NLU read).
        typed = next((e.get("text") for e in reversed(tracker.events) if e.get("event") == "user"), None)
        return cls(
            sender_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "",
            problem=problem if problem in PROBLEMS else None,
            shown=None if shown is None else int(shown),
            steps_tried=list(tracker.get_slot("steps_tried") or []),
            known_error=tracker.get_slot("known_error"),
            invoice_number=tracker.get_slot("invoice_number"),
            ticket_number=tracker.get_slot("ticket_number"),
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
            text=typed if typed is not None else latest.get("text") or "",
            entities=list(latest.get("entities") or []),
            slots=dict(tracker.current_slot_values()),
            ranking=[str(r.get("name")) for r in latest.get("intent_ranking") or []
                     if isinstance(r, dict) and r.get("name") != UNSURE],
        )

    def entity(self, name: str) -> List[str]:
        """Values of one entity in this turn's message."""
        return [str(e["value"]) for e in self.entities
                if e.get("entity") == name and e.get("value") is not None]

    def apply(self, events: List[EventType]) -> List[EventType]:
        """Update the state with slot events (returned unchanged, for chaining)."""
        for event in events:
            if event.get("event") != "slot":
                continue
            name, value = event["name"], event["value"]
            self.slots[name] = value
            if name == "problem":
                self.problem = value
            elif name == "step_index":
                self.shown = None if value is None else int(value)
            elif name == "steps_tried":
                self.steps_tried = list(value or [])
            elif name == "known_error":
                self.known_error = value
            elif name == "invoice_number":
                self.invoice_number = value
            elif name == "ticket_number":
                self.ticket_number = value
        return events

    @property
    def step_on_screen(self) -> bool:
        """Whether a step (or a known error's fix) of the current problem waits for its outcome."""
        return self.problem is not None and self.shown is not None

    @property
    def skip(self) -> FrozenSet[str]:
        """Conditions in effect that make some steps unnecessary (`knowledge.types.StepSkip`):
        those established in the conversation (``skip_conditions``), and a pasted error."""
        conditions = set(self.slots.get("skip_conditions") or ())
        if self.known_error:
            conditions.add(StepSkip.ERROR_KNOWN)
        return frozenset(conditions & set(SKIP_CONDITIONS))

    def with_conditions(self, conditions: Iterable[str]) -> List[EventType]:
        """Events that add skip ``conditions`` to those in effect."""
        current = list(self.slots.get("skip_conditions") or ())
        added = [c for c in conditions if c not in current]
        return self.apply([SlotSet("skip_conditions", current + added)]) if added else []


def end_of_problem_events() -> List[EventType]:
    """Slot resets when a problem is closed or handed over."""
    return [
        SlotSet("problem", None),
        SlotSet("step_index", None),
        SlotSet("steps_tried", []),
        SlotSet("known_error", None),
        SlotSet("step_on_screen", False),
    ]


async def start_problem(
    dispatcher: CollectingDispatcher, state: FlowState, problem: str, kb: KnowledgeReader,
    now: datetime, known_error: Optional[str] = None,
) -> List[EventType]:
    """Acknowledge ``problem`` and say whether an announcement explains it.

    Resets the position; keeps an invoice number the user gave earlier in the conversation
    (never asked for again once given).
    """
    entry = await kb.problem(problem)
    if entry is not None and entry.acknowledgement:
        dispatcher.utter_message(text=entry.acknowledgement)
    announcements = await kb.active_announcements(now, problem)
    if announcements:
        notice = announcements[0]
        dispatcher.utter_message(
            response="utter_announcement",
            announcement_title=notice.title,
            announcement_message=notice.message,
            expected_recovery=(f"{notice.expected_recovery:%m月%d日 %H:%M}"
                               if notice.expected_recovery else "暂未确定"),
        )
        dispatcher.utter_message(response="utter_announcement_continue")
    elif problem == "system_outage":
        dispatcher.utter_message(response="utter_no_announcement")
    kept = [c for c in state.slots.get("skip_conditions") or () if c == StepSkip.NO_TAX_DEVICE]
    if announcements:  # no need to ask the user to find out whether the system is down
        kept.append(StepSkip.OUTAGE_ANNOUNCED)
    return state.apply([
        SlotSet("skip_conditions", kept),
        SlotSet("problem", problem),
        SlotSet("step_index", None),
        SlotSet("steps_tried", []),
        SlotSet("known_error", known_error),
        SlotSet("invoice_status", None),
        SlotSet("invoice_number_attempts", 0.0),
        SlotSet("awaiting_rating", False),
        SlotSet("step_on_screen", False),
    ])


async def show_known_error(dispatcher: CollectingDispatcher, state: FlowState,
                           error: KnownError) -> List[EventType]:
    """"我看到您遇到的提示是「…」，这通常是因为…" and the error's specific fix, with the step buttons."""
    dispatcher.utter_message(response="utter_known_error", error_text=error.quoted,
                             error_cause=error.cause, error_fix=error.fix)
    if error.escalate:
        dispatcher.utter_message(response="utter_known_error_needs_person")
    return state.apply([
        SlotSet("step_index", float(ERROR_FIX_INDEX)),
        SlotSet("steps_tried", state.steps_tried + [f"error:{error.key}"]),
        SlotSet("step_on_screen", True),
    ])


async def show_next_step(
    dispatcher: CollectingDispatcher, state: FlowState, kb: KnowledgeReader,
    say_lead_in: bool = True,
) -> Optional[List[EventType]]:
    """Show what comes next for the current problem: a pasted error's fix first, then the steps
    one at a time (skipping those that ask for what is already known).

    Returns the slot events, or None when nothing is left to show: the reason has been said
    (the steps ran out, or the error needs a person) and the caller hands over.
    """
    if state.problem is None:
        dispatcher.utter_message(response="utter_which_problem")
        return []
    if state.known_error and state.shown in (None, ERROR_FIX_INDEX):
        error = await kb.known_error(state.known_error)
        if error is not None and state.shown is None:
            return await show_known_error(dispatcher, state, error)
        if error is not None and error.escalate:
            dispatcher.utter_message(response="utter_known_error_hand_over")
            return None
    try:
        if state.shown is None or state.shown == ERROR_FIX_INDEX:
            step = await kb.first_step(state.problem, skip=state.skip)
            lead_in = None
        else:
            move = await kb.next_move(state.problem, state.shown, NOT_SOLVED, skip=state.skip)
            step = move.step
            lead_in = step.lead_in if step else move.lead_in
    except UnknownProblem:
        dispatcher.utter_message(response="utter_which_problem")
        return state.apply(end_of_problem_events())
    except ValueError:  # the content changed under a running conversation
        step, lead_in = None, None
    if state.shown == ERROR_FIX_INDEX and say_lead_in:
        dispatcher.utter_message(response="utter_error_fix_did_not_help")
    elif lead_in and say_lead_in:
        dispatcher.utter_message(response="utter_step_did_not_help", if_not_helped=lead_in)
    if step is None:
        dispatcher.utter_message(response="utter_steps_exhausted")
        return None
    dispatcher.utter_message(
        response="utter_troubleshooting_step",
        step_number=step.number,
        step_total=step.total,
        step_title=step.title,
        step_instructions=step.instructions,
    )
    return state.apply([
        SlotSet("step_index", float(step.index)),
        SlotSet("steps_tried", state.steps_tried + [step.step_id]),
        SlotSet("step_on_screen", True),
    ])


async def reoffer_step(dispatcher: CollectingDispatcher, state: FlowState, kb: KnowledgeReader) -> None:
    """Point back to the step on screen, with its buttons (after an answer given in between)."""
    if state.problem is None or state.shown is None:
        return
    if state.shown == ERROR_FIX_INDEX:
        dispatcher.utter_message(response="utter_reoffer_error_fix")
        return
    problem = await kb.problem(state.problem)
    if problem is None or not 0 <= state.shown < len(problem.steps):
        dispatcher.utter_message(response="utter_waiting_for_step_result")
        return
    dispatcher.utter_message(response="utter_reoffer_step", step_number=state.shown + 1,
                             step_total=len(problem.steps), step_title=problem.steps[state.shown].title)
