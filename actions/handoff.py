"""Hand-over to a person: tickets created on request or when the steps run out, and what the user
says about them afterwards.

Rules: data/rules/handoff.yml. One open ticket per conversation: asking again returns it. The
reply says exactly what the ticket holds; details and follow-ups given afterwards go on the
ticket and are answered from it, with the one service-level promise of the knowledge base.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import DETAIL_SLOTS
from actions.flow import FlowState, end_of_problem_events
from bot.app import container
from bot.app.database import china_now
from bot.app.protocols import KnowledgeReader, TicketStore
from bot.app.tickets import Ticket, TicketStatus

logger = logging.getLogger(__name__)

TICKET_NUMBER = re.compile(r"GD\d{8}-\d{6}", re.IGNORECASE)
#: Intents that only acknowledge ("好的", "谢谢"): nothing to add to the ticket.
ACKNOWLEDGING = ("affirm", "deny", "thank", "wait", "goodbye")
#: Text that is a button payload (/intent{...}), never a detail for the ticket.
_PAYLOAD = re.compile(r"^/\w+")


def details_of(state: FlowState) -> Dict[str, Any]:
    """Every detail slot that has a value."""
    return {name: state.slots.get(name) for name in DETAIL_SLOTS if state.slots.get(name) not in (None, "")}


async def follow_up_for(kb: KnowledgeReader, problem: Optional[str], now: datetime,
                        since: Optional[datetime] = None) -> str:
    """When a person will be in touch: the knowledge base's one service-level promise for the
    problem's priority, counted in working hours from ``since`` (the ticket's creation; default
    ``now``) and phrased relative to ``now``."""
    escalation = await kb.escalation(problem) if problem else None
    priority = escalation.priority if escalation is not None else "normal"
    promise = await kb.service_promise(priority, now, since=since)
    return promise.text


def created_response(problem: Optional[str], steps: List[str], details: Dict[str, Any]) -> str:
    """The reply that says what the new ticket holds (never more than it holds)."""
    if problem and steps:
        return "utter_ticket_created_steps_details" if details else "utter_ticket_created_steps"
    if problem:
        return "utter_ticket_created_problem_details" if details else "utter_ticket_created_problem"
    return "utter_ticket_created_details" if details else "utter_ticket_created_bare"


async def hand_over(
    dispatcher: CollectingDispatcher,
    state: FlowState,
    tickets: Optional[TicketStore] = None,
    knowledge: Optional[KnowledgeReader] = None,
    now: Optional[datetime] = None,
) -> List[EventType]:
    """Create a ticket with everything collected so far (or return the open one) and say what
    happens next. Returns the events that end the current problem and remember the ticket."""
    tickets = tickets or container.current().tickets()
    kb = knowledge or container.current().knowledge()
    now = now or china_now()
    details = details_of(state)
    steps = [s for s in state.steps_tried if not s.startswith("error:")]
    try:
        open_ticket = await _open_ticket(tickets, state)
        if open_ticket is not None:
            if state.problem or details:
                await tickets.add_note(open_ticket.number, _summary_note(state, details))
            ticket, response = open_ticket, "utter_ticket_exists"
        else:
            ticket = await tickets.create(sender_id=state.sender_id, problem=state.problem, details=details,
                                          steps_tried=state.steps_tried, channel=state.channel)
            response = created_response(state.problem, steps, details)
    except Exception:  # the user must get an answer whatever the storage does
        logger.exception("ticket creation failed")
        dispatcher.utter_message(response="utter_ticket_creation_failed")
        return []
    problem = await kb.problem(state.problem) if state.problem else None
    dispatcher.utter_message(
        response=response,
        ticket_number=ticket.number,
        created_at=f"{ticket.created_at:%m月%d日 %H:%M}",
        problem_title=problem.title if problem else "",
        steps_count=len(steps),
        follow_up=await follow_up_for(kb, ticket.problem, now, since=ticket.created_at),
    )
    return state.apply(end_of_problem_events() + [SlotSet("ticket_number", ticket.number),
                                                  SlotSet("ticket_open", True)])


async def _open_ticket(tickets: TicketStore, state: FlowState) -> Optional[Ticket]:
    latest = await tickets.latest_for(state.sender_id)
    return latest if latest is not None and latest.status is not TicketStatus.RESOLVED else None


def _summary_note(state: FlowState, details: Dict[str, Any]) -> str:
    """What a repeated request for a person adds to the open ticket (data, not prose)."""
    parts = [f"problem={state.problem}"] if state.problem else []
    parts += [f"{name}={value}" for name, value in details.items()]
    return "; ".join(parts)


class TicketServices:
    """What the ticket actions use: the ticket store, the knowledge base (for the promise) and a
    clock, passed in by tests, built from the container in the action server. A mixin, not an
    `Action` (rasa-sdk registers every Action subclass)."""

    def __init__(self, tickets: Optional[TicketStore] = None,
                 knowledge: Optional[KnowledgeReader] = None,
                 clock: Optional[Callable[[], datetime]] = None) -> None:
        self._tickets = tickets
        self._knowledge = knowledge
        self._clock = clock or china_now

    def stores(self) -> "tuple[TicketStore, KnowledgeReader]":
        """The ticket store and the knowledge base of this call."""
        services = container.current()
        return self._tickets or services.tickets(), self._knowledge or services.knowledge()


class ActionCreateTicket(TicketServices, Action):
    """The user asked for a person: create a ticket (or return the open one) and say how they
    will be contacted."""

    def name(self) -> Text:
        return "action_create_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        state = FlowState.from_tracker(tracker)
        events = await hand_over(dispatcher, state, self._tickets, self._knowledge, self._clock())
        if tracker.active_loop_name:
            events = [ActiveLoop(None), SlotSet("requested_slot", None)] + events
        return events


class ActionReportTicket(TicketServices, Action):
    """Report the state of the ticket the user names, or of their latest one."""

    def name(self) -> Text:
        return "action_report_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        tickets, kb = self.stores()
        ticket = await find_ticket(tickets, FlowState.from_tracker(tracker))
        if ticket is None:
            dispatcher.utter_message(response="utter_no_ticket")
            return [SlotSet("ticket_open", False)]
        await report_status(dispatcher, ticket, kb, self._clock())
        return [SlotSet("ticket_number", ticket.number),
                SlotSet("ticket_open", ticket.status is not TicketStatus.RESOLVED)]


async def find_ticket(tickets: TicketStore, state: FlowState) -> Optional[Ticket]:
    """The ticket the message names (only if it belongs to this conversation), else the
    conversation's latest one."""
    named = TICKET_NUMBER.search(state.text)
    if named:
        found = await tickets.by_number(named.group(0))
        # A ticket number only reveals a ticket to the conversation that owns it.
        if found is not None and found.sender_id == state.sender_id:
            return found
    return await tickets.latest_for(state.sender_id)


async def report_status(dispatcher: CollectingDispatcher, ticket: Ticket, kb: KnowledgeReader,
                        now: datetime) -> None:
    """The ticket's state as the operators set it, with the service-level promise (counted from
    when the ticket was created) while open."""
    dispatcher.utter_message(
        response=f"utter_ticket_status_{ticket.status.value}",
        ticket_number=ticket.number,
        created_at=f"{ticket.created_at:%m月%d日 %H:%M}",
        follow_up=await follow_up_for(kb, ticket.problem, now, since=ticket.created_at),
    )


class ActionFollowUpTicket(TicketServices, Action):
    """After a hand-over: a detail (a phone number, "下午都在") goes on the open ticket; a
    follow-up ("还没人联系我", "什么时候打电话") is answered from the ticket."""

    def name(self) -> Text:
        return "action_follow_up_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        tickets, kb = self.stores()
        state = FlowState.from_tracker(tracker)
        ticket = await find_ticket(tickets, state)
        if ticket is None:
            dispatcher.utter_message(response="utter_inform_received")
            return [SlotSet("ticket_open", False)]
        if ticket.status is TicketStatus.RESOLVED:
            await report_status(dispatcher, ticket, kb, self._clock())
            return [SlotSet("ticket_open", False)]
        text = state.text.strip()
        if state.intent in ACKNOWLEDGING and not state.entities:
            dispatcher.utter_message(response="utter_ticket_acknowledged", ticket_number=ticket.number)
            return []
        if text and not _PAYLOAD.match(text):
            await tickets.add_note(ticket.number, text)
            if state.entities or state.intent == "inform":
                dispatcher.utter_message(response="utter_detail_added_to_ticket", ticket_number=ticket.number)
                return []
        await report_status(dispatcher, ticket, kb, self._clock())
        return []
