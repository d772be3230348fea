"""Field validators for actions and forms: ``(value, None)`` or ``(None, reason_code)``.

Reason codes are stable ASCII strings; the Chinese explanation shown to the user lives in
``domain.yml`` responses, never here. These functions use regular expressions only (no spaCy),
so the action server can call them cheaply.
"""
from __future__ import annotations

import re
from typing import Optional, Tuple

from .entity import INVOICE_CODE, INVOICE_NUMBER
from .invoice_numbers import CODE_LENGTHS, NUMBER_LENGTHS, find_invoice_numbers
from .tax_id import validate_tax_id
from .text import fold_for_matching, normalise

EMPTY = "empty"
NOT_DIGITS = "not_digits"
WRONG_LENGTH = "wrong_length"
AMBIGUOUS = "ambiguous"

Result = Tuple[Optional[str], Optional[str]]

# Separators people type inside long numbers: "2444 2000 0000 1234 5678", "1234-5678".
_SEPARATORS = re.compile(r"[\s\-_]+")
_TOKEN = re.compile(r"[0-9A-Za-z]+")

__all__ = [
    "AMBIGUOUS",
    "EMPTY",
    "NOT_DIGITS",
    "WRONG_LENGTH",
    "validate_invoice_code",
    "validate_invoice_number",
    "validate_tax_id",
]


def _validate_digits(text: Optional[str], entity: str, lengths: Tuple[int, ...]) -> Result:
    value = normalise(text or "").strip()
    if not value:
        return None, EMPTY
    compact = _SEPARATORS.sub("", value)
    if compact.isdigit() and compact.isascii():
        return (compact, None) if len(compact) in lengths else (None, WRONG_LENGTH)
    if _TOKEN.fullmatch(compact) or not re.search(r"\d", compact):
        return None, NOT_DIGITS  # "1234567a", "O1234567", "不知道"
    # A sentence such as "号码是12345678": accept it when it holds exactly one such number.
    found = [c for c in find_invoice_numbers(fold_for_matching(value)) if c.entity == entity]
    if len(found) == 1:
        return found[0].value, None
    return None, AMBIGUOUS if found else WRONG_LENGTH


def validate_invoice_number(text: Optional[str]) -> Result:
    """Validates an invoice number (8 digits, or 20 for 数电 invoices).

    Args:
        text: what the user typed: the digits alone (spaces, hyphens and full-width digits
            are tolerated) or a short sentence containing exactly one invoice number.

    Returns:
        ``(digits, None)`` or ``(None, reason)`` with reason ``empty``, ``not_digits``,
        ``wrong_length`` or ``ambiguous`` (a sentence with two invoice numbers).
    """
    return _validate_digits(text, INVOICE_NUMBER, NUMBER_LENGTHS)


def validate_invoice_code(text: Optional[str]) -> Result:
    """Validates an invoice code (10 or 12 digits); same contract as the invoice number."""
    return _validate_digits(text, INVOICE_CODE, CODE_LENGTHS)
