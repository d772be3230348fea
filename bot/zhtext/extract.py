"""``extract``: all entities of one message, with offsets into the original text."""
from __future__ import annotations

from datetime import date
from typing import Iterable, List, Optional

from .dates import china_today, find_dates
from .entity import Candidate, Entity
from .error_messages import find_error_messages
from .invoice_numbers import find_invoice_numbers
from .numbers import find_amounts
from .phones import find_phone_numbers
from .pipeline import find_terms, is_term
from .tax_id import find_tax_ids
from .text import fold_for_matching, normalise_with_offsets


def _claim(candidates: Iterable[Candidate], claimed: List[Candidate]) -> List[Candidate]:
    """Keeps the candidates that overlap nothing claimed so far, and claims them."""
    kept = [c for c in candidates if not any(c.overlaps(other) for other in claimed)]
    claimed.extend(kept)
    return kept


def extract(text: str, today: Optional[date] = None) -> List[Entity]:
    """Extracts every entity the assistant knows from one user message.

    Digit-based entities compete for the same characters and are claimed in order of
    certainty: tax IDs (checksum), phone numbers, amounts (need a currency cue), dates, then invoice
    numbers and codes. Dictionary entities (invoice types, platforms) do not overlap one
    another; error messages may contain other entities.

    Args:
        text: the message as the user sent it.
        today: the date relative dates are resolved against; defaults to today in
            Asia/Shanghai.

    Returns:
        Entities sorted by start offset; offsets index ``text`` itself, not a normalised copy.
    """
    if not text or not text.strip():
        return []
    today = today or china_today()
    norm = normalise_with_offsets(text)
    folded = fold_for_matching(norm.text)

    claimed: List[Candidate] = []
    candidates = _claim(find_tax_ids(folded), claimed)
    candidates += _claim(find_phone_numbers(folded), claimed)
    candidates += _claim(find_amounts(folded), claimed)
    candidates += _claim(find_dates(folded, today), claimed)
    candidates += _claim(find_invoice_numbers(folded), claimed)
    candidates += find_terms(folded)
    candidates += find_error_messages(norm.text, folded, is_term)

    entities = []
    for cand in candidates:
        start, end = norm.original_span(cand.start, cand.end)
        entities.append(
            Entity(cand.entity, cand.value, start, end, text[start:end], cand.confidence)
        )
    return sorted(entities, key=lambda e: (e.start, e.end, e.entity))
