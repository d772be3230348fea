"""The entity record returned by :func:`bot.zhtext.extract` and the entity names."""
from __future__ import annotations

from dataclasses import dataclass

INVOICE_NUMBER = "invoice_number"
INVOICE_CODE = "invoice_code"
INVOICE_TYPE = "invoice_type"
INVOICE_DATE = "invoice_date"
AMOUNT = "amount"
TAX_ID = "tax_id"
ERROR_MESSAGE = "error_message"
PLATFORM = "platform"
PHONE_NUMBER = "phone_number"

ENTITY_NAMES = (
    INVOICE_NUMBER,
    INVOICE_CODE,
    INVOICE_TYPE,
    INVOICE_DATE,
    AMOUNT,
    TAX_ID,
    ERROR_MESSAGE,
    PLATFORM,
    PHONE_NUMBER,
)


@dataclass(frozen=True)
class Entity:
    """One extracted entity.

    Attributes:
        entity: the entity name, one of :data:`ENTITY_NAMES`.
        value: the normalised value (see ``docs/entities.md``).
        start: offset of the first character in the original text.
        end: offset after the last character in the original text.
        text: ``original_text[start:end]``.
        confidence: 1.0 unless the surface form is ambiguous.
    """

    entity: str
    value: str
    start: int
    end: int
    text: str
    confidence: float = 1.0


@dataclass(frozen=True)
class Candidate:
    """An entity found by one extractor, with offsets into the normalised text."""

    entity: str
    value: str
    start: int
    end: int
    confidence: float = 1.0

    def overlaps(self, other: "Candidate") -> bool:
        """True when the two spans share at least one character."""
        return self.start < other.end and other.start < self.end
