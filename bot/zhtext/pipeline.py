"""The spaCy pipeline for dictionary entities (``invoice_type``, ``platform``).

``spacy.blank("zh")`` with the jieba segmenter plus an ``entity_ruler`` whose phrase
patterns come from :mod:`bot.zhtext.terms`. Nothing is downloaded: the trained
``zh_core_web_*`` pipelines are not available here and not needed for fixed vocabularies.

spaCy's Chinese tokenizer calls the *global* jieba, so the domain user dictionary
(``data/jieba/userdict.txt``) is loaded into the global jieba once, before the pipeline is
built. Rasa's ``JiebaTokenizer`` shares that global state; configure it with
``dictionary_path: data/jieba`` so training and inference cut words the same way.

Matching is token-based, which gives word boundaries for free: 红字 inside 红字信息表 (one
jieba word) is not taken for the invoice type 红字发票.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from .entity import Candidate
from .terms import AMBIGUOUS_CONFIDENCE, surface_forms

if TYPE_CHECKING:  # spaCy is imported lazily: it costs about a second
    from spacy.language import Language

DEFAULT_USER_DICTIONARY = Path(__file__).resolve().parents[2] / "data" / "jieba" / "userdict.txt"

_lock = threading.Lock()
_loaded_dictionaries: Set[Path] = set()


def load_user_dictionary(path: Optional[Path] = None) -> bool:
    """Loads a jieba user dictionary into the global jieba, once per file.

    Args:
        path: the dictionary file (``word [freq] [pos]`` per line); defaults to
            ``data/jieba/userdict.txt`` of this repository.

    Returns:
        True when the file was loaded by this call, False when it had been loaded before.

    Raises:
        FileNotFoundError: if the file does not exist.
    """
    resolved = Path(path or DEFAULT_USER_DICTIONARY).resolve()
    with _lock:
        if resolved in _loaded_dictionaries:
            return False
        if not resolved.is_file():
            raise FileNotFoundError(resolved)
        import jieba

        jieba.setLogLevel(jieba.logging.WARNING)
        jieba.load_userdict(str(resolved))
        _loaded_dictionaries.add(resolved)
        return True


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
