"""Text normalisation: the one place for NFKC, zero-width characters and traditional → simplified.

Public functions (also exported from :mod:`bot.zhtext`):

* :func:`normalise` — NFKC (full-width digits, letters and punctuation become ASCII) with
  zero-width characters dropped; :func:`normalise_with_offsets` does the same and keeps a map
  back to the original text, which extraction needs for entity offsets.
* :func:`to_simplified` — traditional → simplified with OpenCC's ``t2s`` (phrases first, then
  characters), one cached converter per process. Never changes the length of the text.
* :func:`normalise_for_nlu` — :func:`normalise`, then :func:`to_simplified`: what the intent
  classifier, knowledge search and rating parser read.
* :func:`fold_for_matching` — :func:`to_simplified` plus ASCII lower case, keeping the length,
  for the extractors' keyword and pattern matching.

Text shown to users is never rewritten by these; callers keep the original next to it.
"""
from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional, Tuple

if TYPE_CHECKING:  # OpenCC is loaded on first use
    import opencc

__all__ = [
    "ZERO_WIDTH",
    "NormalisedText",
    "fold_for_matching",
    "normalise",
    "normalise_for_nlu",
    "normalise_with_offsets",
    "to_simplified",
]

# Characters that are invisible but break matching when pasted from web pages or Word.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u180e\u00ad")
_DROP_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH))
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

_converter_lock = threading.Lock()
_converter: Optional["opencc.OpenCC"] = None


@dataclass(frozen=True)
class NormalisedText:
    """A normalised text and, per normalised character, its span in the original.

    Attributes:
        original: the text as received.
        text: the NFKC-normalised text without zero-width characters.
        starts: ``starts[i]`` is the original offset where normalised character ``i`` begins.
        ends: ``ends[i]`` is the original offset where normalised character ``i`` ends.
    """

    original: str
    text: str
    starts: Tuple[int, ...]
    ends: Tuple[int, ...]

    def original_span(self, start: int, end: int) -> Tuple[int, int]:
        """Maps a span of the normalised text back to the original text.

        Args:
            start: start offset in ``text`` (inclusive).
            end: end offset in ``text`` (exclusive), greater than ``start``.

        Returns:
            ``(start, end)`` offsets into ``original``.
        """
        return self.starts[start], self.ends[end - 1]


def _chunks(text: str) -> List[Tuple[int, int]]:
    """Splits ``text`` into spans of one base character plus its combining marks.

    NFKC may compose a base character with following combining marks, so those are
    normalised together; everything else is normalised one character at a time, which keeps
    the offset map exact.
    """
    spans: List[Tuple[int, int]] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        spans.append((i, j))
        i = j
    return spans


def normalise_with_offsets(text: str) -> NormalisedText:
    """Normalises ``text`` (see :func:`normalise`) and keeps the offset map.

    Args:
        text: the user's text.

    Returns:
        The normalised text with its map back to ``text``.
    """
    parts: List[str] = []
    starts: List[int] = []
    ends: List[int] = []
    for start, end in _chunks(text):
        chunk = text[start:end].translate(_DROP_ZERO_WIDTH)
        if not chunk:
            continue
        normalised = unicodedata.normalize("NFKC", chunk)
        parts.append(normalised)
        starts.extend([start] * len(normalised))
        ends.extend([end] * len(normalised))
    return NormalisedText(text, "".join(parts), tuple(starts), tuple(ends))


def normalise(text: str) -> str:
    """Returns ``text`` in NFKC form without zero-width characters.

    Full-width digits, letters and punctuation become ASCII (``１２３`` → ``123``,
    ``：`` → ``:``, ``￥`` → ``¥``); Chinese characters are unchanged. Gives the same text as
    ``normalise_with_offsets(text).text``, without building the offset map.

    Args:
        text: any text.

    Returns:
        The normalised text.
    """
    # The same as NFKC chunk by chunk (normalise_with_offsets) for Chinese, Latin and
    # full-width text; they differ only where NFKC composes two characters that are not
    # combining marks (Hangul jamo), which no extractor looks for.
    return unicodedata.normalize("NFKC", text.translate(_DROP_ZERO_WIDTH))


def _t2s() -> "opencc.OpenCC":
    """The process-wide OpenCC ``t2s`` converter (built on first use; it is thread-safe)."""
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese with OpenCC ``t2s``, keeping the length of ``text``.

    Phrases are converted first (乾隆 stays 乾隆, 乾淨 becomes 干净), then single characters.
    Every entry of OpenCC 1.4.2's t2s dictionaries maps n characters to n characters, so the
    output is aligned with the input character for character; should a future dictionary
    change the length, the text is converted one character at a time instead, so offsets
    into ``text`` stay valid for the extractors.

    Args:
        text: any text (usually already normalised).

    Returns:
        The simplified text, as long as ``text``. ``参`` stays ``参`` (OpenCC turns the
        financial 參 into 参, not 叁): :mod:`bot.zhtext.numbers` reads it as 3.
    """
    if not text or text.isascii():
        return text
    converter = _t2s()
    converted = converter.convert(text)
    if len(converted) == len(text):
        return converted
    by_character = "".join(converter.convert(ch) for ch in text)  # pragma: no cover - see above
    return by_character if len(by_character) == len(text) else text  # pragma: no cover


def normalise_for_nlu(text: str) -> str:
    """:func:`normalise` (NFKC, zero-width characters dropped), then :func:`to_simplified`.

    What the intent classifier, knowledge search and the rating parser read:
    ``ＵＫｅｙ報錯５０２！`` → ``UKey报错502!``. Case is kept.
    """
    return to_simplified(normalise(text))


def fold_for_matching(text: str) -> str:
    """Folds a normalised text for keyword matching, keeping its length.

    Traditional → simplified with :func:`to_simplified` (上個月開的專票 → 上个月开的专票) and
    ASCII lower case (``str.lower`` is avoided because it can change the length of non-ASCII
    text), so offsets found in the folded text are offsets in ``text``.

    Args:
        text: normalised text (the ``text`` of :func:`normalise_with_offsets`).

    Returns:
        A string of the same length, suitable for keyword and pattern matching only.
    """
    return to_simplified(text).translate(_ASCII_LOWER)
