"""Replies that depend on where the conversation stands: short answers and bare details.

Rules: data/rules/conversation.yml.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entity_values
from actions.during_step import relation_now_shown
from actions.feedback import ActionStoreRating
from actions.flow import FlowState
from actions.invoice_lookup import ActionCheckInvoice
from bot.app.protocols import FeedbackStore, InvoiceSystem
from bot.zhtext import normalise, validate_tax_id

# Something shaped like a 统一社会信用代码: 18 characters of digits and capitals.
_TAX_ID_SHAPE = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])")
# A reply that is only a rating: "5", "４", "3分", "5 星".
_BARE_RATING = re.compile(r"[1-5]\s*(分|星|颗星)?")


def find_invalid_tax_ids(text: str) -> List[str]:
    """Tax-ID-shaped strings in ``text`` whose check character or charset is wrong."""
    candidates = _TAX_ID_SHAPE.findall(normalise(text or "").upper())
    return [c for c in candidates if not c.isdigit() and validate_tax_id(c)[0] is None]


class ActionHandleShortReply(Action):
    """"好的" / "不用了": wait for the step's result, or close politely."""

    def name(self) -> Text:
        return "action_handle_short_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if tracker.get_slot("awaiting_rating"):
            dispatcher.utter_message(response="utter_ask_rating")
        elif (tracker.latest_message or {}).get("intent", {}).get("name") == "deny":
            dispatcher.utter_message(response="utter_goodbye")
        else:
            dispatcher.utter_message(response="utter_which_problem")
        return []


class ActionHandleInform(Action):
    """The user sent details without a question pending (no step on screen, no open ticket:
    those have rules of their own).

    An invoice number is looked up straight away; an invalid tax ID is explained; a bare
    number right after the rating question is the rating (typed instead of clicked); anything
    else is acknowledged and the user is asked what the problem is.
    """

    def __init__(self, invoices: Optional[InvoiceSystem] = None,
                 feedback: Optional[FeedbackStore] = None) -> None:
        self._check_invoice = ActionCheckInvoice(invoices)
        self._store_rating = ActionStoreRating(feedback)

    def name(self) -> Text:
        return "action_handle_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        if find_invalid_tax_ids(text):
            dispatcher.utter_message(response="utter_invalid_tax_id")
            return []
        if latest_entity_values(tracker, "invoice_number") or relation_now_shown(FlowState.from_tracker(tracker)):
            # A number, or the tax ID the assistant asked for to look the given number up.
            return await self._check_invoice.run(dispatcher, tracker, domain)
        if tracker.get_slot("awaiting_rating") and _BARE_RATING.fullmatch(normalise(text).strip()):
            return await self._store_rating.run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_inform_received")
        return []
