"""统一社会信用代码 (unified social credit code) validation per GB 32100-2015.

The code has 18 characters from ``0-9 A-H J-N P-R T-U W-Y`` (no I, O, S, V, Z). The last
character is a check character: with the 31-character alphabet giving each character a value
0..30, ``check = 31 - (sum(value_i * weight_i) mod 31)``, where 31 maps to 0.
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from .entity import TAX_ID, Candidate
from .text import normalise

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
# 18 letters/digits not glued to other letters or digits; checked before being reported.
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")
# The same typed in groups ("9111 0108 MA01 ABCD 1X", "91110108-MA01ABCD1X"): groups of 2+
# joined by single spaces or dashes, 18 characters in all; the checksum decides.
_GROUPED = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{2,}(?:[ \-][0-9A-Za-z]{2,}){1,8}(?![0-9A-Za-z])")

# Reason codes returned by validate_tax_id; user-facing wording lives in domain.yml.
EMPTY = "empty"
WRONG_LENGTH = "wrong_length"
BAD_CHARSET = "bad_charset"
BAD_CHECKSUM = "bad_checksum"


def check_character(first17: str) -> str:
    """Computes the check character for the first 17 characters of a code.

    Args:
        first17: 17 upper-case characters from :data:`ALPHABET`.

    Returns:
        The 18th character.

    Raises:
        ValueError: if ``first17`` is not 17 characters of the alphabet.
    """
    if len(first17) != LENGTH - 1 or any(ch not in _VALUES for ch in first17):
        raise ValueError("expected 17 characters of the GB 32100 alphabet")
    total = sum(_VALUES[ch] * w for ch, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def _clean(value: str) -> str:
    return "".join(normalise(value).split()).upper()


def validate_tax_id(value: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """Validates a 统一社会信用代码 typed by a user.

    Full-width characters, spaces and lower case are tolerated.

    Args:
        value: the text to check.

    Returns:
        ``(code, None)`` with the upper-case code when valid, else ``(None, reason)`` where
        reason is ``empty``, ``wrong_length``, ``bad_charset`` or ``bad_checksum``.
    """
    code = _clean(value or "")
    if not code:
        return None, EMPTY
    if len(code) != LENGTH:
        return None, WRONG_LENGTH
    if any(ch not in _VALUES for ch in code):
        return None, BAD_CHARSET
    if check_character(code[:-1]) != code[-1]:
        return None, BAD_CHECKSUM
    return code, None


def is_valid_tax_id(value: Optional[str]) -> bool:
    """True when ``value`` is a 统一社会信用代码 with a correct check character."""
    return validate_tax_id(value)[0] is not None


def mask_tax_id(value: str) -> str:
    """Masks a tax ID for logs and replies, keeping the first 4 and the last 2 characters.

    Args:
        value: an 18-character code (other lengths are masked the same way, and strings of
            6 characters or fewer are fully masked).

    Returns:
        For example ``9111************1X``.
    """
    if len(value) <= 6:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def find_tax_ids(text: str) -> List[Candidate]:
    """Finds checksum-valid 统一社会信用代码 in a normalised text.

    Codes with a wrong check character are not reported (an action can still explain the
    problem with :func:`validate_tax_id`).

    Args:
        text: normalised text (case does not matter).

    Returns:
        ``tax_id`` candidates with upper-case values.
    """
    found: List[Candidate] = []
    for match in _CANDIDATE.finditer(text):
        code, _ = validate_tax_id(match.group())
        if code is not None:
            found.append(Candidate(TAX_ID, code, match.start(), match.end()))
    for match in _GROUPED.finditer(text):
        compact = re.sub(r"[ \-]", "", match.group())
        if len(compact) != LENGTH or compact.isdigit():
            continue
        code, _ = validate_tax_id(compact)
        candidate = Candidate(TAX_ID, code or "", match.start(), match.end())
        if code is not None and not any(candidate.overlaps(other) for other in found):
            found.append(candidate)
    return sorted(found, key=lambda c: c.start)
