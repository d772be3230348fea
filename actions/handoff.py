"""Hand-over to a person: tickets created on request or when the steps run out.

Rules: data/rules/handoff.yml.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import collected_details, current_problem, end_of_problem_events
from bot.app import container
from bot.app.protocols import KnowledgeReader, TicketStore

logger = logging.getLogger(__name__)

TICKET_NUMBER = re.compile(r"GD\d{8}-\d{6}", re.IGNORECASE)


async def follow_up_for(kb: KnowledgeReader, problem: Optional[str]) -> str:
    """How and when a person follows up, as the knowledge base words it."""
    escalation = await kb.escalation(problem) if problem else None
    if escalation is not None and escalation.follow_up:
        return escalation.follow_up
    levels = {level.priority: level.text for level in await kb.follow_up_levels()}
    return levels.get("normal") or next(iter(levels.values()), "")


async def hand_over(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    tickets: Optional[TicketStore] = None,
    knowledge: Optional[KnowledgeReader] = None,
) -> List[EventType]:
    """Create a ticket with everything collected so far and tell the user what happens next.

    Returns the events that end the current problem and remember the ticket number.
    """
    tickets = tickets or container.current().tickets()
    problem = current_problem(tracker)
    try:
        ticket = await tickets.create(
            sender_id=tracker.sender_id,
            problem=problem,
            details=collected_details(tracker),
            steps_tried=list(tracker.get_slot("steps_tried") or []),
            channel=tracker.get_latest_input_channel() or "",
        )
    except Exception:  # the user must get an answer whatever the storage does
        logger.exception("ticket creation failed")
        dispatcher.utter_message(response="utter_ticket_creation_failed")
        return []
    kb = knowledge or container.current().knowledge()
    dispatcher.utter_message(
        response="utter_ticket_created",
        ticket_number=ticket.number,
        follow_up=await follow_up_for(kb, problem),
    )
    return end_of_problem_events() + [SlotSet("ticket_number", ticket.number)]


class ActionCreateTicket(Action):
    """The user asked for a person: create a ticket and say how they will be contacted."""

    def __init__(self, tickets: Optional[TicketStore] = None,
                 knowledge: Optional[KnowledgeReader] = None) -> None:
        self._tickets = tickets
        self._knowledge = knowledge

    def name(self) -> Text:
        return "action_create_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events = await hand_over(dispatcher, tracker, self._tickets, self._knowledge)
        if tracker.active_loop_name:
            events = [ActiveLoop(None), SlotSet("requested_slot", None)] + events
        return events


class ActionReportTicket(Action):
    """Report the state of the ticket the user names, or of their latest one."""

    def __init__(self, tickets: Optional[TicketStore] = None) -> None:
        self._tickets = tickets

    def name(self) -> Text:
        return "action_report_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        tickets = self._tickets or container.current().tickets()
        named = TICKET_NUMBER.search((tracker.latest_message or {}).get("text") or "")
        ticket = None
        if named:
            found = await tickets.by_number(named.group(0))
            # A ticket number only reveals a ticket to the conversation that owns it.
            if found is not None and found.sender_id == tracker.sender_id:
                ticket = found
        if ticket is None:
            ticket = await tickets.latest_for(tracker.sender_id)
        if ticket is None:
            dispatcher.utter_message(response="utter_no_ticket")
            return []
        dispatcher.utter_message(
            response=f"utter_ticket_status_{ticket.status.value}",
            ticket_number=ticket.number,
            created_at=f"{ticket.created_at:%Y-%m-%d %H:%M}",
        )
        return [SlotSet("ticket_number", ticket.number)]
