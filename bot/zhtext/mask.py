"""Masking of personal data for logs: tax IDs, ID-card numbers (18 and old 15 digits), bank
card numbers, mobile and landline numbers, e-mail addresses, in ASCII or full-width characters.

Masking errs on the side of hiding: any 18-character ID-like token is masked, whether or not
its check character is right, because a mistyped tax ID is still personal data; any run of 15
to 19 digits (spaces and dashes between groups allowed) is masked as an ID card or a bank card.
Invoice numbers (8 or 20 digits) and codes (10 or 12) are not personal data and stay.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from .tax_id import mask_tax_id

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)
# 18 characters of the tax-ID alphabet (also covers ID cards: 17 digits + digit or X).
_EIGHTEEN = re.compile(r"(?<![0-9A-Za-z])[0-9A-HJ-NP-RT-UW-Ya-hj-np-rt-uw-y]{18}(?![0-9A-Za-z])")
_ID_CARD = re.compile(r"\d{17}[\dXx]")
_MOBILE = re.compile(r"(?<!\d)(\+?86[-\s]?)?(1[3-9]\d)[-\s]?(\d{4})[-\s]?(\d{4})(?!\d)")
# 15-19 digits, optionally grouped by single spaces or dashes: old ID cards (15) and bank cards
# (16-19). Not inside a longer run, so 20-digit invoice numbers (grouped or not) stay.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])(?<![0-9][ -])[0-9](?:[ -]?[0-9]){14,18}(?![ -]?[0-9])(?![A-Za-z])")
# Landlines: area code 0xx/0xxx with a separator or in brackets (a bare 0… run may be an invoice
# code), or after a telephone cue.
_LANDLINE = re.compile(r"(?<![0-9])(?<![0-9][ -])(\(0[0-9]{2,3}\)\s?|0[0-9]{2,3}[-\s])([0-9]{3,4})[-\s]?"
                       r"([0-9]{4})(?![ -]?[0-9])")
_CUED_LANDLINE = re.compile(r"(电话|座机|固话|[Tt][Ee][Ll])([:：\s]*)(0[0-9]{2,3})([0-9]{3,4})([0-9]{4})(?![0-9])")
# Full-width ASCII (！…～) and the ideographic space, as people type them on Chinese keyboards.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20


def _mask_eighteen(match: "re.Match[str]") -> str:
    token = match.group()
    if _ID_CARD.fullmatch(token):
        return token[:6] + "*" * 8 + token[-4:]  # region kept, birth date and serial hidden
    return mask_tax_id(token)


def _mask_digit_run(match: "re.Match[str]") -> str:
    digits = re.sub(r"[^0-9]", "", match.group())
    if len(digits) == 15:
        return digits[:6] + "*" * 6 + digits[-3:]  # an old ID card: region kept
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]  # a card number: first and last 4


def mask_personal_data(text: str) -> str:
    """Masks personal data in ``text``.

    * e-mail ``zhang.san@example.com`` → ``z***@example.com``
    * 统一社会信用代码 ``91110108MA01234567`` → ``9111************67``
    * ID-card number ``110101199001011234`` → ``110101********1234``
    * mobile number ``13812345678`` → ``138****5678``
    * old ID card ``110101900101123`` → ``110101******123``
    * bank card ``6222 0212 3456 7890 123`` → ``6222***********0123``
    * landline ``010-12345678`` → ``010-****5678``
    * full-width characters are read as ASCII first (``１３８…`` is a mobile number too)

    Invoice numbers (8/20 digits) and codes (10/12 digits) are not personal data and stay.

    Args:
        text: any text.

    Returns:
        The masked text.
    """
    if not text:
        return text
    if any(0xFF01 <= ord(c) < 0xFF5F or c == "\u3000" for c in text):
        text = text.translate(_FULL_WIDTH)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _EIGHTEEN.sub(_mask_eighteen, text)
    text = _DIGIT_RUN.sub(_mask_digit_run, text)
    text = _CUED_LANDLINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}****{m.group(5)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(4)}", text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        masked = mask_personal_data(str(value))
        return value if masked == str(value) else masked
    return value


class PersonalDataFilter(logging.Filter):
    """A logging filter that masks personal data in log records.

    The message is formatted first (``record.getMessage()``), masked, and stored back with
    no arguments, so personal data hidden inside dicts, lists or objects passed as
    arguments is masked too. Install it on handlers (``handler.addFilter(...)``) so records
    from every logger, Rasa's included, pass through it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Masks ``record`` in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not lose the record
            record.msg = _mask_value(record.msg)
            if isinstance(record.args, tuple):
                record.args = tuple(_mask_value(arg) for arg in record.args)
            return True
        record.msg = mask_personal_data(message)
        record.args = None
        return True
