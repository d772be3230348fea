"""Masking of personal data for logs: tax IDs, ID-card numbers, mobile numbers, e-mail.

Masking errs on the side of hiding: any 18-character ID-like token is masked, whether or not
its check character is right, because a mistyped tax ID is still personal data.
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


def _mask_eighteen(match: "re.Match[str]") -> str:
    token = match.group()
    if _ID_CARD.fullmatch(token):
        return token[:6] + "*" * 8 + token[-4:]  # region kept, birth date and serial hidden
    return mask_tax_id(token)


def mask_personal_data(text: str) -> str:
    """Masks personal data in ``text``.

    * e-mail ``zhang.san@example.com`` → ``z***@example.com``
    * 统一社会信用代码 ``91110108MA01234567`` → ``9111************67``
    * ID-card number ``110101199001011234`` → ``110101********1234``
    * mobile number ``13812345678`` → ``138****5678``

    Invoice numbers (8/20 digits) and codes (10/12 digits) are not personal data and stay.

    Args:
        text: any text.

    Returns:
        The masked text.
    """
    if not text:
        return text
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _EIGHTEEN.sub(_mask_eighteen, text)
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
