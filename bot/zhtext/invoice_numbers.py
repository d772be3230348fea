"""Invoice numbers (发票号码) and invoice codes (发票代码) in free text.

* ``invoice_number``: 8 digits (classic paper and electronic invoices) or 20 digits (数电 /
  全电 invoices).
* ``invoice_code``: 10 or 12 digits (classic invoices only).

Digit runs are found with lookarounds, never ``\\b``: between a Chinese character and a digit
there is no word boundary, so ``\\b\\d{8}\\b`` finds nothing in ``发票号码12345678没收到``.
Runs glued to ASCII letters (``0x80070005``, the digits inside a tax ID) are ignored. The type
follows from the length; cue words only decide doubtful cases:

* after 手机/电话 (phone numbers, including 8-digit landlines) or 税号/识别号/信用代码 (old
  15/20-digit taxpayer numbers) a run is not an invoice number;
* after 发票代码/代码, a 20-digit run is a 12-digit code and an 8-digit number typed together;
* a cue that contradicts the length (``号码`` before 12 digits) lowers the confidence.

8-digit dates after 日期 (``开票日期20241029``) and amounts with a currency cue are claimed by
the date and amount extractors first (see :mod:`bot.zhtext.extract`).
"""
from __future__ import annotations

import re
from typing import List, Tuple

from .entity import INVOICE_CODE, INVOICE_NUMBER, Candidate

NUMBER_LENGTHS = (8, 20)
CODE_LENGTHS = (10, 12)

DIGIT_RUN = re.compile(r"(?<![0-9a-z])(?<!\d\.)\d+(?![0-9a-z])(?!\.\d)")
# Numbers typed in groups: "2444 2000 0000 1234 5678", "1234-5678", "1234 - 5678". Groups of 3
# to 6 digits joined by spaces or dashes; read as one number only when the joined length is one
# of the invoice lengths. Longer runs side by side ("044002001111 12345678": a code and a
# number) are read one by one, as before.
GROUPED_DIGITS = re.compile(
    r"(?<![0-9a-z.])\d{3,}(?:\s{0,2}[-\u2010-\u2015_]?\s{0,2}\d{3,})+(?![0-9a-z])(?!\.\d)")
_MAX_GROUP = 6
_DATE_SHAPE = re.compile(r"(19|20)\d{2}[-_]\d{1,2}[-_]\d{1,2}")
_FILLER = r"\s*(?:是|为|:|=|#|no\.?|分别是|分别为|号)?\s*$"
_PHONE_CUE = re.compile(rf"(?:(?:手机|电话|座机|联系电话)(?:号码|号)?|联系方式|tel|qq|微信){_FILLER}")
_TAX_CUE = re.compile(rf"(?:税号|识别号|信用代码|身份证|证件号){_FILLER}")
_CODE_CUE = re.compile(rf"(?:发票代码|代码){_FILLER}")
_NUMBER_CUE = re.compile(rf"(?:发票号码|号码|票号|发票号){_FILLER}")
_CUE_WINDOW = 10
_CONFLICT_CONFIDENCE = 0.7
_SPLIT_CONFIDENCE = 0.8
_SPLIT_AT = 12  # 12-digit code + 8-digit number typed without a space


def _classify(length: int) -> str:
    if length in NUMBER_LENGTHS:
        return INVOICE_NUMBER
    if length in CODE_LENGTHS:
        return INVOICE_CODE
    return ""


def _grouped_runs(folded: str) -> List[Tuple[str, int, int]]:
    """Digit groups that together make an invoice number or code: (digits, start, end)."""
    runs = []
    for match in GROUPED_DIGITS.finditer(folded):
        groups = re.findall(r"\d+", match.group())
        digits = "".join(groups)
        if max(map(len, groups)) > _MAX_GROUP:
            continue
        if _classify(len(digits)) and not _DATE_SHAPE.fullmatch(re.sub(r"\s", "", match.group())):
            runs.append((digits, match.start(), match.end()))
    return runs


def find_invoice_numbers(folded: str) -> List[Candidate]:
    """Finds invoice numbers and invoice codes in a normalised, folded text.

    Args:
        folded: the output of :func:`bot.zhtext.text.fold_for_matching`.

    Returns:
        ``invoice_number`` and ``invoice_code`` candidates; values are the digits.
    """
    found: List[Candidate] = []
    grouped = _grouped_runs(folded)
    runs = [(m.group(), m.start(), m.end()) for m in DIGIT_RUN.finditer(folded)
            if not any(start <= m.start() < end for _, start, end in grouped)]
    for digits, start, end in sorted(grouped + runs, key=lambda run: run[1]):
        entity = _classify(len(digits))
        if not entity:
            continue  # 7, 9, 11 digits ... (11 digits starting with 1: a mobile number)
        before = folded[max(0, start - _CUE_WINDOW) : start]
        if _PHONE_CUE.search(before) or _TAX_CUE.search(before):
            continue
        code_cue = bool(_CODE_CUE.search(before))
        number_cue = bool(_NUMBER_CUE.search(before))
        if code_cue and len(digits) == 20:
            split = start + _SPLIT_AT
            found.append(Candidate(INVOICE_CODE, digits[:_SPLIT_AT], start, split, _SPLIT_CONFIDENCE))
            found.append(Candidate(INVOICE_NUMBER, digits[_SPLIT_AT:], split, end, _SPLIT_CONFIDENCE))
            continue
        conflict = (entity == INVOICE_NUMBER and code_cue) or (entity == INVOICE_CODE and number_cue)
        confidence = _CONFLICT_CONFIDENCE if conflict else 1.0
        found.append(Candidate(entity, digits, start, end, confidence))
    return found
