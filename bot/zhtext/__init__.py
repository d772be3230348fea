"""Entity extraction and validation for 发票助手 (pure Python; no Rasa imports).

Public API::

    extract(text, today=None) -> list[Entity]
    normalise(text) -> str
    is_valid_tax_id(s) -> bool, mask_tax_id(s) -> str
    validate_invoice_number(text) / validate_invoice_code(text) / validate_tax_id(text)
        -> (value | None, reason_code | None)
    parse_number(text) -> Decimal | None
    mask_personal_data(text) -> str, PersonalDataFilter (logging.Filter)
    get_nlp() -> spacy Language, load_user_dictionary(path=None) -> bool

Importing this package does no work: spaCy is imported, the jieba dictionary loaded and the
pipeline built on the first call to :func:`extract` (or :func:`get_nlp`).
"""
from .dates import china_today
from .entity import ENTITY_NAMES, Entity
from .extract import extract
from .mask import PersonalDataFilter, mask_personal_data
from .numbers import parse_number
from .pipeline import get_nlp, load_user_dictionary
from .tax_id import is_valid_tax_id, mask_tax_id, validate_tax_id
from .text import normalise
from .validators import validate_invoice_code, validate_invoice_number

__all__ = [
    "ENTITY_NAMES",
    "Entity",
    "PersonalDataFilter",
    "china_today",
    "extract",
    "get_nlp",
    "is_valid_tax_id",
    "load_user_dictionary",
    "mask_personal_data",
    "mask_tax_id",
    "normalise",
    "parse_number",
    "validate_invoice_code",
    "validate_invoice_number",
    "validate_tax_id",
]
