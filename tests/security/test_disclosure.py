"""Who may see an invoice (issue 14, against the real servers): nothing without a relation to
the invoice, wrong relations look like unknown numbers, payloads cannot bypass validation, and
look-ups are rate-limited per conversation and per client address."""
from __future__ import annotations

import uuid

from tests.security.conftest import BUYER_TAX_ID, OTHER_TAX_ID, SELLER_TAX_ID, all_text, say, tracker

AMOUNT_OF_12345678 = "12,500.00"


def sender() -> str:
    return f"sec-{uuid.uuid4().hex[:16]}"


def responses(rasa_url: str, who: str) -> list:
    names = []
    for event in reversed(tracker(rasa_url, who)["events"]):
        if event["event"] == "user":
            break
        if event["event"] == "bot":
            names.append((event.get("metadata") or {}).get("utter_action"))
    return list(reversed(names))


def test_a_fresh_sender_with_a_number_learns_nothing_about_the_invoice(rasa_stack):
    who = sender()
    messages = say(rasa_stack.rasa_url, who, "12345678").json()
    assert AMOUNT_OF_12345678 not in all_text(messages) and "增值税专用发票" not in all_text(messages)
    assert "纳税人识别号" in all_text(messages)  # a polite refusal that says what is needed
    assert responses(rasa_stack.rasa_url, who) == ["utter_invoice_relation_needed"]


def test_a_number_injected_as_a_payload_discloses_nothing(rasa_stack):
    who = sender()
    messages = say(rasa_stack.rasa_url, who, '/inform{"invoice_number":"12345678"}').json()
    assert AMOUNT_OF_12345678 not in all_text(messages)


def test_a_wrong_tax_id_is_answered_like_an_unknown_number(rasa_stack):
    wrong, unknown = sender(), sender()
    wrong_text = all_text(say(rasa_stack.rasa_url, wrong, f"12345678 税号{OTHER_TAX_ID}").json())
    unknown_text = all_text(say(rasa_stack.rasa_url, unknown, f"87654321 税号{OTHER_TAX_ID}").json())
    assert AMOUNT_OF_12345678 not in wrong_text
    assert responses(rasa_stack.rasa_url, wrong) == responses(rasa_stack.rasa_url, unknown) \
        == ["utter_invoice_not_found_for_relation"]
    assert wrong_text.replace("12345678", "N") == unknown_text.replace("87654321", "N")


def test_the_seller_or_the_buyer_sees_the_invoice(rasa_stack):
    for tax_id in (SELLER_TAX_ID, BUYER_TAX_ID):
        text = all_text(say(rasa_stack.rasa_url, sender(), f"发票12345678，我们的税号{tax_id}").json())
        assert AMOUNT_OF_12345678 in text


def test_the_invoice_form_asks_for_the_relation_after_the_number(rasa_stack):
    who = sender()
    say(rasa_stack.rasa_url, who, "客户说发票开给我们了，可我们系统里没有")
    asked = say(rasa_stack.rasa_url, who, "12345678").json()
    assert AMOUNT_OF_12345678 not in all_text(asked)
    assert responses(rasa_stack.rasa_url, who)[-1] == "utter_ask_invoice_relation"
    shown = say(rasa_stack.rasa_url, who, f"购买方税号是 {BUYER_TAX_ID}").json()
    assert AMOUNT_OF_12345678 in all_text(shown)


def test_lookups_are_limited_per_conversation(strict_stack):
    who = sender()
    answers = [responses(strict_stack.rasa_url, who) if say(strict_stack.rasa_url, who, f"{n} 税号{SELLER_TAX_ID}")
               else None for n in ("12345678", "23456789", "34567890")]
    assert "utter_invoice_lookup_rate_limited" not in answers[0] + answers[1]
    assert answers[2] == ["utter_invoice_lookup_rate_limited"]


def test_lookups_are_limited_per_client_address(strict_stack):
    # The per-conversation limit is 2, the per-client limit 3: fresh senders from one address
    # (127.0.0.1) are refused once the address has made its look-ups.
    seen = []
    for _ in range(4):
        who = sender()
        say(strict_stack.rasa_url, who, f"45678901 税号{SELLER_TAX_ID}")
        seen.append(responses(strict_stack.rasa_url, who))
    assert seen[-1] == ["utter_invoice_lookup_rate_limited"]
