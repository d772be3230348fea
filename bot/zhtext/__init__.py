"""Chinese text handling for 发票助手: normalisation, entity extraction and validation.

Pure Python (no Rasa imports, nothing else of this repository); ``knowledge/``, the Rasa
components, the channels and the actions all come here for text handling.

Public API::

    normalise(text) -> str                 NFKC, zero-width characters dropped
    normalise_with_offsets(text) -> NormalisedText   the same, with a map to the original
    to_simplified(text) -> str             OpenCC t2s, length kept
    normalise_for_nlu(text) -> str         normalise + to_simplified
    fold_for_matching(text) -> str         to_simplified + ASCII lower case, length kept
    extract(text, today=None) -> list[Entity]
    is_valid_tax_id(s) -> bool, mask_tax_id(s) -> str
    validate_invoice_number(text) / validate_invoice_code(text) / validate_tax_id(text)
        -> (value | None, reason_code | None)
    parse_number(text) -> Decimal | None
    parse_rating(text) -> int | None
    mask_personal_data(text) -> str, PersonalDataFilter (logging.Filter)
    domain_words(path=None) -> tuple[str, ...]   the words of data/jieba/userdict.txt
    search_words(text) -> list[str]        jieba words (+ the words inside long ones) for search
    get_nlp() -> spacy Language, load_user_dictionary(path=None, tokenizer=None) -> bool

Importing this package does no work: OpenCC, cn2an, spaCy and jieba are loaded on first use
(spaCy, the jieba dictionary and the pipeline on the first call to :func:`extract` or
:func:`get_nlp`).
"""
from .dates import china_today
from .entity import ENTITY_NAMES, Entity
from .extract import extract
from .mask import PersonalDataFilter, mask_personal_data
from .numbers import parse_number
from .pipeline import get_nlp
from .ratings import parse_rating
from .tax_id import is_valid_tax_id, mask_tax_id, validate_tax_id
from .text import (
    NormalisedText,
    fold_for_matching,
    normalise,
    normalise_for_nlu,
    normalise_with_offsets,
    to_simplified,
)
from .validators import validate_invoice_code, validate_invoice_number
from .vocabulary import DEFAULT_USER_DICTIONARY, domain_words, load_user_dictionary, search_words

__all__ = [
    "DEFAULT_USER_DICTIONARY",
    "ENTITY_NAMES",
    "Entity",
    "NormalisedText",
    "PersonalDataFilter",
    "china_today",
    "domain_words",
    "extract",
    "fold_for_matching",
    "get_nlp",
    "is_valid_tax_id",
    "load_user_dictionary",
    "mask_personal_data",
    "mask_tax_id",
    "normalise",
    "normalise_for_nlu",
    "normalise_with_offsets",
    "parse_number",
    "parse_rating",
    "search_words",
    "to_simplified",
    "validate_invoice_code",
    "validate_invoice_number",
    "validate_tax_id",
]
