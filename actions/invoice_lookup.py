"""Ask for the invoice number, validate it, look the invoice up and explain its state.

Rules: data/rules/invoice_lookup.yml. Form: ``invoice_form`` (domain.yml). The number is
recognised in any form (spaces, dashes, full-width digits, inside a sentence: `bot.zhtext`),
asked for once, never again once given, and "等一下，我找找" pauses the form politely.

Who may see an invoice (issue 14, docs/privacy.md): `look_up_invoice` is the one place invoices
are looked up and disclosed. It tells an invoice's type, date, amount and state only to a
conversation that has shown the seller's or buyer's tax ID of that invoice (slot ``tax_id``,
checked against the record by `bot.app.invoices.access.relation_shown`); without one it asks
for it politely, and a wrong tax ID gets the same answer as an unknown number. The form asks
for the tax ID after the number (slot ``invoice_relation``). Look-ups are rate-limited per
conversation and per client address (`bot.app.invoices.access.LookupLimiter`); the client's
keyed address hash comes from the message metadata the channels set (`CURRENT_CLIENT`).
"""
from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any, Dict, List, Mapping, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import latest_entity_values, latest_intent
from actions.flow import FlowState
from bot.app import container
from bot.app.invoices.access import CLIENT_KEY_METADATA, LookupLimiter, relation_shown
from bot.app.invoices.base import InvoiceSystemUnavailable
from bot.app.protocols import InvoiceSystem
from bot.zhtext import validate_invoice_number, validate_tax_id

#: Failed answers after which the form stops asking and the steps begin.
MAX_ATTEMPTS = 2
#: Problems whose troubleshooting starts by looking the invoice up.
INVOICE_PROBLEMS = ("invoice_missing", "query_empty")
#: ``invoice_relation`` once the form's tax-ID question is answered.
RELATION_GIVEN, RELATION_DECLINED = "given", "declined"
#: The keyed hash of the client address of the message being handled (set per action call by
#: actions/__main__.py from the latest user event's metadata; None in tests and for channels
#: that have no client address).
CURRENT_CLIENT: "ContextVar[Optional[str]]" = ContextVar("fapiao_current_client", default=None)
_TAX_ID_LIKE = re.compile(r"[0-9A-Za-z]{15,20}")
_limiter: Optional[LookupLimiter] = None


def client_of(tracker: Mapping[str, Any]) -> Optional[str]:
    """The client key in the metadata of the latest user event of a tracker (as a dict)."""
    for event in reversed(tracker.get("events") or []):
        if isinstance(event, dict) and event.get("event") == "user":
            metadata = event.get("metadata")
            value = metadata.get(CLIENT_KEY_METADATA) if isinstance(metadata, dict) else None
            return value if isinstance(value, str) and 0 < len(value) <= 64 else None
    return None


def lookup_limiter() -> LookupLimiter:
    """This process's look-up limiter, built from the settings on first use."""
    global _limiter
    if _limiter is None:
        settings = container.current().settings()
        _limiter = LookupLimiter(settings.lookup_limit_conversation, settings.lookup_limit_client,
                                 settings.lookup_limit_window, settings.redis_url)
    return _limiter


def use_limiter(limiter: Optional[LookupLimiter]) -> None:
    """Replace this process's limiter (tests; None: rebuild from the settings on next use)."""
    global _limiter
    _limiter = limiter


def answers_since_requested(tracker: Tracker, slot: str) -> int:
    """How many user messages came after the form last asked for ``slot``."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == "requested_slot":
            if event.get("value") == slot:
                return count
            if count:
                return count
        if event.get("event") == "user":
            count += 1
    return count


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


def value_before_this_message(tracker: Tracker, slot: str) -> Any:
    """A slot's value before the latest user message (its mappings may have changed it since)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
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
        slots = [slot for slot in domain_slots if slot != "invoice_relation"]
        if tracker.get_slot("invoice_number") and not tracker.get_slot("tax_id"):
            # The number alone discloses nothing: ask for the seller's or buyer's tax ID.
            slots.append("invoice_relation")
        return slots

    def validate_invoice_relation(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        """The answer to "which tax ID": a valid one, "没有" (go on without), "等一下", or a
        mistyped one (explained once, then the form goes on without)."""
        extracted = latest_entity_values(tracker, "tax_id")
        if extracted:
            return {"invoice_relation": RELATION_GIVEN, "tax_id": extracted[0]}
        intent = latest_intent(tracker)
        if intent == "deny":
            dispatcher.utter_message(response="utter_invoice_relation_skipped")
            return {"invoice_relation": RELATION_DECLINED}
        if intent == "wait":
            dispatcher.utter_message(response="utter_take_your_time")
            return {"invoice_relation": None}
        text = str(slot_value or "")
        for candidate in _TAX_ID_LIKE.findall(text) or [text]:
            tax_id, _ = validate_tax_id(candidate)
            if tax_id:
                return {"invoice_relation": RELATION_GIVEN, "tax_id": tax_id}
        if answers_since_requested(tracker, "invoice_relation") >= MAX_ATTEMPTS:
            dispatcher.utter_message(response="utter_invoice_relation_skipped")
            return {"invoice_relation": RELATION_DECLINED}
        dispatcher.utter_message(response="utter_invalid_tax_id")
        return {"invoice_relation": None}

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
            # (a text mapping can still hold a stale value from an earlier form): the number
            # stays what it was before this message (one given earlier is kept, never re-asked).
            return {"invoice_number": value_before_this_message(tracker, "invoice_number")}
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


def shown_tax_ids(state: FlowState) -> List[str]:
    """The tax IDs this conversation has shown: this message's and the ``tax_id`` slot."""
    values = state.entity("tax_id") + [str(state.slots.get("tax_id") or "")]
    return [v for v in dict.fromkeys(values) if v]


async def look_up_invoice(
    dispatcher: CollectingDispatcher, state: FlowState, invoices: InvoiceSystem,
    number: str, code: Optional[str] = None, reused: bool = False,
) -> List[EventType]:
    """Look ``number`` up and explain the invoice's state, if this conversation may know it.

    Without a tax ID in the conversation nothing is looked up and the user is asked for the
    seller's or buyer's tax ID; beyond the look-up limits the user is asked to wait; a record
    whose seller and buyer tax IDs are both different is answered like a number that does not
    exist. A failing invoice system is reported and the conversation goes on with the manual
    steps. ``reused``: the number was given earlier in the conversation (said, so the user knows
    which invoice is meant)."""
    def done(status: str) -> List[EventType]:
        return state.apply([SlotSet("invoice_number", number), SlotSet("invoice_status", status)])

    tax_ids = shown_tax_ids(state)
    if not tax_ids:
        dispatcher.utter_message(response="utter_invoice_relation_needed", invoice_number=number)
        return done("relation_needed")
    if reused:
        dispatcher.utter_message(response="utter_invoice_number_kept", invoice_number=number)
    if not await lookup_limiter().allow(f"{state.channel}:{state.sender_id}", CURRENT_CLIENT.get()):
        dispatcher.utter_message(response="utter_invoice_lookup_rate_limited")
        return done("rate_limited")
    try:
        record = await invoices.lookup(number, code)
    except InvoiceSystemUnavailable:
        dispatcher.utter_message(response="utter_invoice_lookup_unavailable")
        return done("unavailable")
    if record is None or not relation_shown(record, tax_ids):
        dispatcher.utter_message(response="utter_invoice_not_found_for_relation", invoice_number=number)
        return done("not_found")
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
