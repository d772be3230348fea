"""The domain vocabulary: one jieba user dictionary, ``data/jieba/userdict.txt``.

The same file fixes word segmentation everywhere: Rasa's ``JiebaTokenizer``
(``dictionary_path: data/jieba``), the spaCy pipeline of :mod:`bot.zhtext.pipeline` (through
the global jieba) and knowledge search (:func:`search_words`, on a private ``jieba.Tokenizer``
so that search never changes the global one). Each line is ``word freq pos``; a word missing
from it is cut by jieba's general dictionary (没收到 → 没收/到), so domain words are added there
and nowhere else.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Set, Tuple

if TYPE_CHECKING:  # jieba is imported lazily: loading its dictionary takes about a second
    import jieba

__all__ = ["DEFAULT_USER_DICTIONARY", "domain_words", "load_user_dictionary", "search_words"]

DEFAULT_USER_DICTIONARY = Path(__file__).resolve().parents[2] / "data" / "jieba" / "userdict.txt"

_lock = threading.Lock()
_loaded_dictionaries: Set[Path] = set()
_private: Optional["jieba.Tokenizer"] = None


def _resolve(path: Optional[Path]) -> Path:
    resolved = Path(path or DEFAULT_USER_DICTIONARY).resolve()
    if not resolved.is_file():
        raise FileNotFoundError(resolved)
    return resolved


@lru_cache(maxsize=4)
def _words(resolved: Path) -> Tuple[str, ...]:
    lines = resolved.read_text(encoding="utf-8").splitlines()
    return tuple(line.split()[0] for line in lines if line.strip())


def domain_words(path: Optional[Path] = None) -> Tuple[str, ...]:
    """The words of a user dictionary, in file order.

    Args:
        path: the dictionary file; defaults to ``data/jieba/userdict.txt``.

    Returns:
        The first field of every non-blank line.

    Raises:
        FileNotFoundError: if the file does not exist.
    """
    return _words(_resolve(path))


def load_user_dictionary(
    path: Optional[Path] = None, tokenizer: Optional["jieba.Tokenizer"] = None
) -> bool:
    """Loads a jieba user dictionary, with the frequencies and tags written in the file.

    Args:
        path: the dictionary file (``word freq pos`` per line); defaults to
            ``data/jieba/userdict.txt`` of this repository.
        tokenizer: a private ``jieba.Tokenizer`` to load into (always loaded). Without it the
            file goes into the global jieba that Rasa and spaCy use, once per file.

    Returns:
        True when the file was loaded by this call, False when the global jieba had it already.

    Raises:
        FileNotFoundError: if the file does not exist.
    """
    resolved = _resolve(path)
    if tokenizer is not None:
        tokenizer.load_userdict(str(resolved))
        return True
    with _lock:
        if resolved in _loaded_dictionaries:
            return False
        import jieba

        jieba.setLogLevel(jieba.logging.WARNING)
        jieba.load_userdict(str(resolved))
        _loaded_dictionaries.add(resolved)
        return True


def _private_tokenizer() -> "jieba.Tokenizer":
    """A jieba tokenizer of its own with the default user dictionary (built once, ~1 s)."""
    global _private
    with _lock:
        if _private is None:
            import jieba

            jieba.setLogLevel(jieba.logging.WARNING)
            tokenizer = jieba.Tokenizer()
            load_user_dictionary(tokenizer=tokenizer)
            _private = tokenizer
        return _private


def search_words(text: str) -> List[str]:
    """Cuts ``text`` into words for search: jieba's words, each long word preceded by the
    dictionary words inside it.

    Like jieba's search mode (``cut_for_search``), which stops at parts of three characters:
    the user dictionary makes 上传失败 and 税务ukey single words, and a query that says
    上传发票失败 or ukey must still meet them. Uses a private tokenizer with
    ``data/jieba/userdict.txt``; the global jieba is not touched.

    Args:
        text: normalised text (see :func:`bot.zhtext.normalise_for_nlu`), lower-cased if
            ASCII words should match the dictionary's lower-case entries.

    Returns:
        The words in order, punctuation and spaces included (callers filter them).
    """
    tokenizer = _private_tokenizer()
    words: List[str] = []
    for word in tokenizer.lcut(text):
        if len(word) > 2:
            words += [word[i:j] for i in range(len(word)) for j in range(i + 2, len(word) + 1)
                      if j - i < len(word) and tokenizer.FREQ.get(word[i:j])]
        words.append(word)
    return words
