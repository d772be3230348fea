"""Phone numbers in free text: mobile numbers and landlines, typed with spaces or dashes.

* mobile: 11 digits starting 13–19, optionally after +86 (``138 0013 8000``, ``138-0013-8000``);
* landline: area code 0xx/0xxx and 7–8 digits, either with a dash (``010-12345678``,
  ``0755-8888 6666``) or, without one, only after a phone cue (``座机 0755 8888 6666``): a
  bare or space-grouped 12-digit run starting with 0 is usually an invoice code.

Nothing right after an invoice cue (发票代码, 号码, 票号) is a phone number.

Values are the digits only (``13800138000``, ``01012345678``); extension numbers are dropped.
"""
from __future__ import annotations

import re
from typing import List

from .entity import PHONE_NUMBER, Candidate

_MOBILE = re.compile(r"(?<![0-9a-z])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?![0-9a-z])")
_LANDLINE = re.compile(
    r"(?<![0-9a-z])(0[1-9]\d{1,2})\s*[-\u2010-\u2015]\s*(\d{3,4})[\s-]?(\d{4})(?![0-9a-z])")
_BARE_LANDLINE = re.compile(r"(?<![0-9a-z])(0[1-9]\d{1,2})\s?(\d{3,4})\s?(\d{4})(?![0-9a-z])")
_PHONE_CUE = re.compile(r"(?:手机|电话|座机|联系|打|call|tel)[^0-9]{0,6}$")
_INVOICE_CUE = re.compile(r"(?:发票代码|代码|号码|票号|发票号)[^0-9]{0,4}$")


def find_phone_numbers(folded: str) -> List[Candidate]:
    """Finds phone numbers in a normalised, folded text (values: digits only)."""
    found: List[Candidate] = []

    def add(match: "re.Match[str]", needs_cue: bool) -> None:
        before = folded[max(0, match.start() - 10):match.start()]
        if _INVOICE_CUE.search(before) or (needs_cue and not _PHONE_CUE.search(before)):
            return
        digits = "".join(match.groups())
        candidate = Candidate(PHONE_NUMBER, digits, match.start(), match.end())
        if 10 <= len(digits) <= 12 and not any(c.overlaps(candidate) for c in found):
            found.append(candidate)

    for match in _MOBILE.finditer(folded):
        add(match, needs_cue=False)
    for match in _LANDLINE.finditer(folded):
        add(match, needs_cue=False)
    for match in _BARE_LANDLINE.finditer(folded):
        add(match, needs_cue=True)
    return sorted(found, key=lambda c: c.start)

