"""Ask for the invoice number, validate it, look the invoice up and explain its state.

Rules: data/rules/invoice_lookup.yml. Form: ``invoice_form`` (domain.yml). The number is
recognised in any form (spaces, dashes, full-width digits, inside a sentence: `bot.zhtext`),
asked for once, never again once given, and "等一下，我找找" pauses the form politely.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import latest_entity_values, latest_intent
from actions.flow import FlowState
from bot.app import container
from bot.app.invoices.base import InvoiceSystemUnavailable
from bot.app.protocols import InvoiceSystem
from bot.zhtext import validate_invoice_number

#: Failed answers after which the form stops asking and the steps begin.
MAX_ATTEMPTS = 2
#: Problems whose troubleshooting starts by looking the invoice up.
INVOICE_PROBLEMS = ("invoice_missing", "query_empty")


def answers_since_form_started(tracker: Tracker) -> Optional[List[str]]:
    """Intents of the user messages since ``invoice_form`` was activated, the current one
    included; ``[]`` when the current message is the one that started the form (not asked yet),
    None when the history holds no activation.

    Counting events (not incrementing a slot) keeps validation idempotent: Rasa may run the
    validation action more than once for one user message.
    """
    intents: List[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == "invoice_form":
            return intents
        if event.get("event") == "user":
            intents.append(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "")
    return None


class ValidateInvoiceForm(FormValidationAction):
    """Validates the invoice number; explains what is wrong, pauses on "等一下", gives up after
    two failed tries. A pasted error of the catalogue needs no number: the form ends at once."""

    def name(self) -> Text:
        return "validate_invoice_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        attempts = tracker.get_slot("invoice_number_attempts") or 0
        if attempts >= MAX_ATTEMPTS or tracker.get_slot("known_error"):
            return []
        return domain_slots

    def validate_invoice_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        extracted = latest_entity_values(tracker, "invoice_number")
        if extracted:
            return {"invoice_number": extracted[0]}
        answers = answers_since_form_started(tracker)
        if answers == []:
            # The message that started the form is not an answer to a question not yet asked
            # (a text mapping can still hold a stale value from an earlier form).
            return {"invoice_number": None}
        intent = latest_intent(tracker)
        if intent == "deny":
            # "没有" / "不知道号码": move on without it.
            dispatcher.utter_message(response="utter_invoice_number_skipped")
            return {"invoice_number": None, "invoice_number_attempts": float(MAX_ATTEMPTS)}
        if intent == "wait":
            dispatcher.utter_message(response="utter_take_your_time")
            return {"invoice_number": None}

        number, reason = validate_invoice_number(str(slot_value or ""))
        if number:
            return {"invoice_number": number}
        if answers is None:  # no activation in the history (a form started by hand)
            attempts = int(tracker.get_slot("invoice_number_attempts") or 0) + 1
        else:  # every answer since the question counts, except asking to wait
            attempts = sum(1 for name in answers if name not in ("wait",))
        if attempts >= MAX_ATTEMPTS:
            dispatcher.utter_message(response="utter_invoice_number_skipped")
        elif reason == "wrong_length":
            dispatcher.utter_message(response="utter_invoice_number_wrong_length")
        else:
            dispatcher.utter_message(response="utter_invoice_number_not_found_in_text")
        return {"invoice_number": None, "invoice_number_attempts": float(attempts)}


class ActionAskInvoiceNumber(Action):
    """The form's question for the number: asked in full once; after an explanation of what
    was wrong, or "等一下", nothing is repeated word for word."""

    def name(self) -> Text:
        return "action_ask_invoice_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if not answers_since_form_started(tracker):
            dispatcher.utter_message(response="utter_ask_invoice_number")
        return []


async def look_up_invoice(
    dispatcher: CollectingDispatcher, state: FlowState, invoices: InvoiceSystem,
    number: str, code: Optional[str] = None, reused: bool = False,
) -> List[EventType]:
    """Look ``number`` up and explain the invoice's state; a failing invoice system is reported
    and the conversation goes on with the manual steps. ``reused``: the number was given earlier
    in the conversation (said, so the user knows which invoice is meant)."""
    if reused:
        dispatcher.utter_message(response="utter_invoice_number_kept", invoice_number=number)
    try:
        record = await invoices.lookup(number, code)
    except InvoiceSystemUnavailable:
        dispatcher.utter_message(response="utter_invoice_lookup_unavailable")
        return state.apply([SlotSet("invoice_number", number), SlotSet("invoice_status", "unavailable")])
    if record is None:
        dispatcher.utter_message(response="utter_invoice_status_not_found", invoice_number=number)
        return state.apply([SlotSet("invoice_number", number), SlotSet("invoice_status", "not_found")])
    dispatcher.utter_message(
        response="utter_invoice_found",
        invoice_number=record.number,
        invoice_type=record.invoice_type,
        issue_date=record.issue_date.isoformat(),
        amount=f"{record.amount:,.2f}",
    )
    dispatcher.utter_message(
        response=f"utter_invoice_status_{record.status.value}",
        invoice_number=record.number,
        detail=record.detail or "原因未知",
        updated_at=f"{record.updated_at:%Y-%m-%d %H:%M}",
    )
    return state.apply([SlotSet("invoice_number", record.number),
                        SlotSet("invoice_status", record.status.value)])


class ActionCheckInvoice(Action):
    """Look the user's invoice up in the invoice system and report its state.

    Runs after ``invoice_form`` (data/rules/invoice_lookup.yml) and when a user just sends an
    invoice number. Reads ``invoice_number``, ``invoice_code``; sets ``invoice_status``.
    """

    def __init__(self, invoices: Optional[InvoiceSystem] = None) -> None:
        self._invoices = invoices  # rasa-sdk builds actions with no arguments; tests pass a fake

    def name(self) -> Text:
        return "action_check_invoice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        state = FlowState.from_tracker(tracker)
        number = (state.entity("invoice_number") or [state.invoice_number])[0]
        if not number:
            return []
        invoices = self._invoices or container.current().invoice_system()
        given_now = bool(state.entity("invoice_number")) or latest_intent(tracker) == "inform"
        return await look_up_invoice(dispatcher, state, invoices, number,
                                     tracker.get_slot("invoice_code"), reused=not given_now)
