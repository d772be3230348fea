"""Recognising a pasted error message: which catalogue entry (``errors.yml``) a user's text quotes.

Users paste error texts whole or in part, with or without punctuation, in full-width or
traditional characters, inside their own words ("开票时弹出：‘税收分类编码不可用’怎么办"). The
matcher compares *folded* text — NFKC, traditional → simplified, lower case, no whitespace or
punctuation — so all of those read the same, and accepts:

* a catalogue text found whole in the message, or
* a long enough piece of one (a partial paste): at least `MIN_PIECE` folded characters and
  at least `MIN_PIECE_SHARE` of the catalogue text, or
* a regular expression of the entry (for texts with variable parts), or
* an error code as a token of its own — a short numeric code ("002") only right after a cue
  such as 错误代码 / 返回码 / code, since bare numbers are usually invoice numbers or amounts.

When the best candidates belong to different problems and nothing separates them, there is no
match: a wrong specific fix is worse than the general steps.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from bot.zhtext import normalise_for_nlu
from knowledge.errors import ContentError
from knowledge.reader import DEFAULT_CONTENT_DIR, PathLike, read_document
from knowledge.schema import validate_errors
from knowledge.types import KnownError

#: The catalogue's file in the content directory.
CATALOGUE_FILE = "errors.yml"

#: Shortest partial paste accepted (folded characters): "pin码已锁死" is 7.
MIN_PIECE = 6
#: Share of a catalogue text a partial paste must cover.
MIN_PIECE_SHARE = 0.45
#: A partial paste must carry what went wrong ("税收分类编码" alone names a term, "编码不可用" an
#: error), unless it covers nearly the whole text.
WHOLE_ENOUGH = 0.85
_FAILURE_WORDS = re.compile(r"不|无|未|没|失败|错|异常|锁|过期|超|非法|拒绝|禁止|繁忙|停|空|已|重复|缺|不足|限")
#: Character n-grams used to find candidate texts quickly.
_GRAM = 3
#: Words that announce an error code ("错误代码：002", "返回码 -30003", "code=0x6983").
_CODE_CUE = re.compile(
    r"(错误代码|错误码|代码|返回码|返回值|状态码|错误号|编号|code|errcode|错误|提示)\s*[:：=为是]?\s*$",
    re.IGNORECASE)
_NOT_FOLDED = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Text as the matcher compares it: NFKC, simplified, lower case, letters and digits only."""
    return _NOT_FOLDED.sub("", normalise_for_nlu(text or "").lower())


def _grams(text: str) -> Set[str]:
    return {text[i:i + _GRAM] for i in range(max(0, len(text) - _GRAM + 1))}


def _distinctive(code: str) -> bool:
    """Codes that can be recognised anywhere (0x6983, D0001, -30003, 09d103); short numeric
    ones ("002", "502") need a cue word before them."""
    has_letter = bool(re.search(r"[a-z]", code, re.IGNORECASE))
    has_digit = bool(re.search(r"\d", code))
    return (has_letter and has_digit) or len(code) >= 5


@dataclass(frozen=True)
class ErrorMatch:
    """A recognised error.

    Attributes:
        error: The catalogue entry.
        how: ``"text"``, ``"piece"``, ``"pattern"`` or ``"code"``.
        quoted: What the user's message showed of it, as the entry words it (a catalogue text,
            or the code) — for "我看到您遇到的提示是「…」".
        score: How sure the match is (1.0 for a whole text, a pattern or a distinctive code).
    """

    error: KnownError
    how: str
    quoted: str
    score: float


class ErrorCatalogue:
    """The catalogue, indexed for matching.

    Args:
        errors: Catalogue entries (`knowledge.types.KnownError`).
    """

    def __init__(self, errors: Iterable[KnownError]) -> None:
        self.errors: Tuple[KnownError, ...] = tuple(errors)
        self._by_key = {e.key: e for e in self.errors}
        self._texts: List[Tuple[int, str, str]] = []  # (entry index, folded text, text as written)
        self._grams: Dict[str, List[int]] = {}
        self._codes: List[Tuple[int, re.Pattern, bool, str]] = []
        self._patterns: List[Tuple[int, re.Pattern]] = []
        for index, error in enumerate(self.errors):
            for text in error.texts:
                folded = fold(text)
                if folded:
                    position = len(self._texts)
                    self._texts.append((index, folded, text))
                    for gram in _grams(folded):
                        self._grams.setdefault(gram, []).append(position)
            for code in error.codes:
                token = re.compile(r"(?<![0-9a-z])" + re.escape(code.lower()) + r"(?![0-9a-z])")
                self._codes.append((index, token, _distinctive(code), code))
            for pattern in error.patterns:
                self._patterns.append((index, re.compile(pattern, re.IGNORECASE)))

    def __len__(self) -> int:
        return len(self.errors)

    def get(self, key: str) -> Optional[KnownError]:
        """The entry with ``key``, or None."""
        return self._by_key.get(key)

    def match(self, message: str) -> Optional[ErrorMatch]:
        """The catalogue entry ``message`` quotes, or None."""
        folded = fold(message)
        if not folded:
            return None
        candidates = self._text_candidates(folded) + self._pattern_candidates(message) \
            + self._code_candidates(message)
        if not candidates:
            return None
        candidates.sort(key=lambda m: m.score, reverse=True)
        best = candidates[0]
        rivals = [m for m in candidates[1:] if m.score >= best.score - 0.05
                  and m.error.problem != best.error.problem]
        if rivals:
            platforms = [m for m in [best, *rivals] if m.error.platform and fold(m.error.platform) in folded]
            if len({m.error.problem for m in platforms}) != 1:
                return None
            best = platforms[0]
        return best

    def _text_candidates(self, folded: str) -> List[ErrorMatch]:
        hits: Dict[int, int] = {}
        for gram in _grams(folded):
            for position in self._grams.get(gram, ()):
                hits[position] = hits.get(position, 0) + 1
        best: Dict[int, ErrorMatch] = {}
        for position, count in hits.items():
            index, text, written = self._texts[position]
            if text in folded:
                match = ErrorMatch(self.errors[index], "text", written, 1.0)
            else:
                if count < max(1, MIN_PIECE - _GRAM + 1):
                    continue
                piece = SequenceMatcher(None, text, folded, autojunk=False).find_longest_match(
                    0, len(text), 0, len(folded))
                share = piece.size / len(text)
                if piece.size < MIN_PIECE or share < MIN_PIECE_SHARE:
                    continue
                pasted = text[piece.a:piece.a + piece.size]
                if share < WHOLE_ENOUGH and not _FAILURE_WORDS.search(pasted):
                    continue
                match = ErrorMatch(self.errors[index], "piece", written, round(0.5 + 0.45 * share, 3))
            if index not in best or match.score > best[index].score:
                best[index] = match
        return list(best.values())

    def _pattern_candidates(self, message: str) -> List[ErrorMatch]:
        text = normalise_for_nlu(message)
        return [ErrorMatch(self.errors[index], "pattern", found.group(0), 1.0)
                for index, pattern in self._patterns for found in [pattern.search(text)] if found]

    def _code_candidates(self, message: str) -> List[ErrorMatch]:
        text = normalise_for_nlu(message).lower()
        found: List[ErrorMatch] = []
        for index, token, distinctive, code in self._codes:
            for hit in token.finditer(text):
                if distinctive or _CODE_CUE.search(text[max(0, hit.start() - 8):hit.start()]):
                    found.append(ErrorMatch(self.errors[index], "code", code, 1.0 if distinctive else 0.9))
                    break
        return found


def catalogue_from_specs(specs: Sequence[dict]) -> ErrorCatalogue:
    """A catalogue from validated ``errors.yml`` entries (`knowledge.schema.validate_errors`)."""
    return ErrorCatalogue(KnownError.from_spec(spec) for spec in specs)


def load_catalogue(content_dir: PathLike = DEFAULT_CONTENT_DIR) -> ErrorCatalogue:
    """The catalogue of ``content_dir/errors.yml``, validated like `python -m knowledge check`.

    Raises:
        ContentError: If the file is missing or invalid.
    """
    path = Path(content_dir) / CATALOGUE_FILE
    errors, spec = validate_errors(path.name, read_document(path))
    if errors:
        raise ContentError(errors)
    return catalogue_from_specs(spec["errors"])
