"""Text normalisation with an offset map back to the original text.

Extraction runs on a normalised copy of the user's text (NFKC: full-width digits, letters and
punctuation become ASCII; zero-width characters are dropped) but entities must carry offsets
into the text the user sent, so every normalised character remembers the span of original
characters it came from.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import List, Tuple

# Characters that are invisible but break matching when pasted from web pages or Word.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u180e\u00ad")

# Traditional → simplified, one character for one character, limited to the characters of
# the keywords the extractors look for (发票, 号码, 税务局, 上個月, ...). Full conversion is
# out of scope; this keeps the common keywords working for users who type traditional.
_TRADITIONAL = "發號碼專電數紅機動車銷統紙質稅務軟體開驗臺證盤萬塊兩億圓額價計錯誤報顯個這週禮後聯網帳賬識別會戶認據項線與為錄進傳單點擊時間問題無應書過彈說張裡讀請輸實際壹貳參陸"
_SIMPLIFIED = "发号码专电数红机动车销统纸质税务软体开验台证盘万块两亿圆额价计错误报显个这周礼后联网帐账识别会户认据项线与为录进传单点击时间问题无应书过弹说张里读请输实际壹贰叁陆"
_FOLD = str.maketrans(_TRADITIONAL, _SIMPLIFIED)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


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
        chunk = "".join(ch for ch in text[start:end] if ch not in ZERO_WIDTH)
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
    ``：`` → ``:``, ``￥`` → ``¥``); Chinese characters are unchanged.

    Args:
        text: any text.

    Returns:
        The normalised text.
    """
    return normalise_with_offsets(text).text


def fold_for_matching(text: str) -> str:
    """Folds a normalised text for keyword matching, keeping its length.

    Applies a small traditional → simplified character map and lower-cases ASCII letters
    (``str.lower`` is avoided because it can change the length of non-ASCII text).

    Args:
        text: normalised text.

    Returns:
        A string of the same length, suitable for keyword and pattern matching only.
    """
    return text.translate(_FOLD).translate(_ASCII_LOWER)
