"""Ask for the invoice number, validate it, look the invoice up and explain its state.

Rules: data/rules/invoice_lookup.yml. Form: ``invoice_form`` (domain.yml).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import latest_entity_values, latest_intent
from bot.app import container
from bot.app.invoices.base import InvoiceSystemUnavailable
from bot.app.protocols import InvoiceSystem
from bot.zhtext import validate_invoice_number

#: Failed answers after which the form stops asking and the steps begin.
MAX_ATTEMPTS = 2


def answers_since_form_started(tracker: Tracker) -> int:
    """User messages since ``invoice_form`` was activated, the current one included.

    Counting events (not incrementing a slot) keeps validation idempotent: Rasa may run the
    validation action more than once for one user message.
    """
    answers = 0
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == "invoice_form":
            return answers
        if event.get("event") == "user":
            answers += 1
    return 0  # no activation in the history (tests, or a form started by hand)


class ValidateInvoiceForm(FormValidationAction):
    """Validates the invoice number; re-asks politely, gives up after two failed tries."""

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
        return [] if attempts >= MAX_ATTEMPTS else domain_slots

    def validate_invoice_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        if latest_intent(tracker) == "deny":
            # "没有" / "不知道号码": move on without it.
            dispatcher.utter_message(response="utter_invoice_number_skipped")
            return {"invoice_number": None, "invoice_number_attempts": float(MAX_ATTEMPTS)}

        extracted = latest_entity_values(tracker, "invoice_number")
        if extracted:
            return {"invoice_number": extracted[0]}
        number, reason = validate_invoice_number(str(slot_value or ""))
        if number:
            return {"invoice_number": number}

        attempts = answers_since_form_started(tracker) or (
            int(tracker.get_slot("invoice_number_attempts") or 0) + 1
        )
        if attempts >= MAX_ATTEMPTS:
            dispatcher.utter_message(response="utter_invoice_number_skipped")
        elif reason == "wrong_length":
            dispatcher.utter_message(response="utter_invoice_number_wrong_length")
        else:
            dispatcher.utter_message(response="utter_invoice_number_not_found_in_text")
        return {"invoice_number": None, "invoice_number_attempts": float(attempts)}


class ActionCheckInvoice(Action):
    """Look the user's invoice up in the invoice system and report its state.

    Runs after ``invoice_form`` (data/rules/invoice_lookup.yml) and when a user just sends an
    invoice number. Reads ``invoice_number``, ``invoice_code``; sets ``invoice_status``.
    A failing invoice system is reported and the conversation goes on with the manual steps.
    """

    def __init__(self, invoices: Optional[InvoiceSystem] = None) -> None:
        self._invoices = invoices  # rasa-sdk builds actions with no arguments; tests pass a fake

    def name(self) -> Text:
        return "action_check_invoice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        number = tracker.get_slot("invoice_number")
        if not number:
            return []
        invoices = self._invoices or container.current().invoice_system()
        try:
            record = await invoices.lookup(number, tracker.get_slot("invoice_code"))
        except InvoiceSystemUnavailable:
            dispatcher.utter_message(response="utter_invoice_lookup_unavailable")
            return [SlotSet("invoice_status", "unavailable")]

        if record is None:
            dispatcher.utter_message(
                response="utter_invoice_status_not_found", invoice_number=number
            )
            return [SlotSet("invoice_status", "not_found")]

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
        return [SlotSet("invoice_status", record.status.value)]
