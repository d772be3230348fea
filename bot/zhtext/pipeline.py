"""The spaCy pipeline for dictionary entities (``invoice_type``, ``platform``).

``spacy.blank("zh")`` with the jieba segmenter plus an ``entity_ruler`` whose phrase
patterns come from :mod:`bot.zhtext.terms`. Nothing is downloaded: the trained
``zh_core_web_*`` pipelines are not available here and not needed for fixed vocabularies.

spaCy's Chinese tokenizer calls the *global* jieba, so the domain user dictionary
(``data/jieba/userdict.txt``, see :mod:`bot.zhtext.vocabulary`) is loaded into the global
jieba once, before the pipeline is built. Rasa's ``JiebaTokenizer`` shares that global
state; configure it with ``dictionary_path: data/jieba`` so training and inference cut words
the same way.

Matching is token-based, which gives word boundaries for free: 红字 inside 红字信息表 (one
jieba word) is not taken for the invoice type 红字发票.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Dict, List, Tuple

from .entity import Candidate
from .terms import AMBIGUOUS_CONFIDENCE, surface_forms
from .vocabulary import DEFAULT_USER_DICTIONARY, load_user_dictionary

if TYPE_CHECKING:  # spaCy is imported lazily: it costs about a second
    from spacy.language import Language

# DEFAULT_USER_DICTIONARY and load_user_dictionary live in .vocabulary; kept importable here.
__all__ = [
    "DEFAULT_USER_DICTIONARY",
    "find_terms",
    "get_nlp",
    "is_term",
    "load_user_dictionary",
    "tokenize",
]


def _patterns() -> List[Dict[str, str]]:
    return [
        {"label": entity, "pattern": form, "id": canonical}
        for form, (entity, canonical) in sorted(surface_forms().items())
    ]


@lru_cache(maxsize=1)
def get_nlp() -> "Language":
    """Builds (once per process) and returns the spaCy pipeline.

    Returns:
        A ``spacy.blank("zh")`` pipeline with the jieba segmenter and an entity ruler.
    """
    load_user_dictionary()
    import spacy

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(_patterns())  # type: ignore[attr-defined]
    return nlp


def tokenize(folded: str) -> List[str]:
    """The pipeline's tokens for a folded text (used by tests and debugging)."""
    return [token.text for token in get_nlp().make_doc(folded)]


def find_terms(folded: str) -> List[Candidate]:
    """Finds invoice types and platforms in a normalised, folded text.

    Args:
        folded: the output of :func:`bot.zhtext.text.fold_for_matching` (lower-case
            ASCII, so ``UKey``, ``ukey`` and ``UKEY`` all match).

    Returns:
        ``invoice_type`` and ``platform`` candidates with canonical values.
    """
    if not folded.strip():
        return []
    doc = get_nlp()(folded)
    return [
        Candidate(ent.label_, ent.ent_id_, ent.start_char, ent.end_char, _confidence(ent.text))
        for ent in doc.ents
    ]


def _confidence(surface: str) -> float:
    return AMBIGUOUS_CONFIDENCE.get(surface, 1.0)


def is_term(folded: str) -> bool:
    """True when ``folded`` is exactly one surface form of an invoice type or platform."""
    return folded in _forms()


@lru_cache(maxsize=1)
def _forms() -> Dict[str, Tuple[str, str]]:
    return surface_forms()
