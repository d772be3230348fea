"""Reading a 1-5 satisfaction rating out of what a user typed."""
from __future__ import annotations

import re
from typing import Optional

from .text import normalise_for_nlu

_DIGIT = re.compile(r"(?<!\d)([1-5])(?!\d)")
_WORDS = (
    # longest first: "不太满意" must win over "满意"
    ("非常不满意", 1), ("很不满意", 1), ("不满意", 2), ("不太满意", 2), ("很差", 1), ("太差", 1),
    ("差评", 1), ("一般", 3), ("还行", 3), ("还可以", 4), ("不错", 4), ("满意", 4),
    ("非常满意", 5), ("很满意", 5), ("特别满意", 5), ("太棒", 5), ("好评", 5),
)
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def parse_rating(text: str) -> Optional[int]:
    """The rating in ``text`` ("5", "4分", "五星", "非常满意", "非常滿意"), or None.

    >>> parse_rating("４分"), parse_rating("五星好评"), parse_rating("不太满意"), parse_rating("10")
    (4, 5, 2, None)
    """
    text = normalise_for_nlu(text or "").strip()
    match = _DIGIT.search(text)
    if match:
        return int(match.group(1))
    chinese = re.search(r"([一二两三四五])\s*(分|星|颗星)", text)
    if chinese:
        return _CHINESE_DIGITS[chinese.group(1)]
    for word, value in sorted(_WORDS, key=lambda item: -len(item[0])):
        if word in text:
            return value
    return None
