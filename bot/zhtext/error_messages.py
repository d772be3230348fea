"""Error messages and error codes users paste or retype.

Three sources, all reported as ``error_message``:

* quoted text: “…”, "…", 「…」, 『…』, ‘…’, '…' — unless the quote holds only a known
  term (“专票”) or only digits;
* the rest of the clause after a cue (提示, 报错, 显示, 错误信息, ...) with an optional colon;
  without a colon the clause ends at the next comma, with one at the end of the sentence;
* error codes: ``E1002``, ``0x80070005``, ``错误代码:1102``.

Overlapping finds keep the longest. Values are at most :data:`MAX_LENGTH` characters.
"""
from __future__ import annotations

import re
from typing import Callable, List, Optional

from .entity import ERROR_MESSAGE, Candidate

MAX_LENGTH = 200

_QUOTES = re.compile(
    r"“(?P<a>[^“”\n]{1,400})”"
    r"|「(?P<b>[^「」\n]{1,400})」"
    r"|『(?P<c>[^『』\n]{1,400})』"
    r"|‘(?P<d>[^‘’\n]{1,400})’"
    r'|"(?P<e>[^"\n]{1,400})"'
    r"|(?<![A-Za-z])'(?P<f>[^'\n]{1,400})'(?![A-Za-z])"
)
_CUE = re.compile(
    r"(?:错误信息|错误提示|提示信息|报错信息|系统提示|弹窗提示|页面提示|提示|报错|显示|弹出)"
    r"(?:了)?(?:说|是|为|我)*\s*(?P<colon>:)?\s*"
)
# Cue words that are not followed by a message: 提示框, 显示器, 显示不出来 ...
_NOT_A_MESSAGE = re.compile(r"[框窗音器屏]|不出|不了|不全|正常|一下|什么|啥|的|出来")
_CLAUSE_WITH_COLON = re.compile(r"[^。!?\n;]+")
_CLAUSE = re.compile(r"[^,。!?\n;、]+")
_TRAILER = re.compile(
    r"(?:(?:该|要)?怎么办|怎么回事|怎么解决|如何解决|怎么处理|(?:是)?什么意思|(?:是)?啥意思"
    r"|咋办|咋回事|咋整|[啊呀呢吗嘛了的哦,.。!?~\s])+$"
)
_CODE = re.compile(
    r"(?<![0-9A-Za-z])(?:0x[0-9A-Fa-f]{4,8}|(?!GB|ISO)[A-Z]{1,4}-?\d{3,6})(?![0-9A-Za-z])"
)
_CODE_AFTER_CUE = re.compile(
    r"(?:错误代码|错误码|错误编号|错误号|返回码|状态码|error\s*code|err\s*code|errcode|code)"
    r"\s*(?:是|为|:)?\s*(?P<code>[0-9A-Za-z_-]{2,20})",
    re.I,
)
_MIN_LENGTH = 2


def _quoted(text: str, folded: str, is_term: Callable[[str], bool]) -> List[Candidate]:
    found = []
    for match in _QUOTES.finditer(text):
        group = match.lastgroup or ""
        content = match.group(group).strip()
        start = match.start(group)
        if len(content) < _MIN_LENGTH or content.isdigit():
            continue
        if is_term(folded[start : start + len(match.group(group))].strip()):
            continue
        found.append(_candidate(text, start, match.end(group)))
    return found


def _after_cue(text: str, folded: str) -> List[Candidate]:
    found = []
    for match in _CUE.finditer(folded):
        begin = match.end()
        if begin >= len(text) or text[begin] in "“「『‘\"'" or _NOT_A_MESSAGE.match(folded, begin):
            continue  # quoted messages are taken by _quoted
        clause = (_CLAUSE_WITH_COLON if match.group("colon") else _CLAUSE).match(text, begin)
        if clause is None:
            continue
        end = begin + len(_TRAILER.sub("", clause.group()))
        if end - begin >= _MIN_LENGTH:
            found.append(_candidate(text, begin, end))
    return found


def _codes(text: str) -> List[Candidate]:
    found = [_candidate(text, m.start(), m.end()) for m in _CODE.finditer(text)]
    for match in _CODE_AFTER_CUE.finditer(text):
        found.append(_candidate(text, match.start("code"), match.end("code")))
    return found


def _candidate(text: str, start: int, end: int) -> Candidate:
    end = min(end, start + MAX_LENGTH)
    return Candidate(ERROR_MESSAGE, text[start:end].strip(), start, end)


def _keep_longest(candidates: List[Candidate]) -> List[Candidate]:
    kept: List[Candidate] = []
    for cand in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
        if not any(cand.overlaps(other) for other in kept):
            kept.append(cand)
    return sorted(kept, key=lambda c: c.start)


def find_error_messages(
    text: str, folded: str, is_term: Optional[Callable[[str], bool]] = None
) -> List[Candidate]:
    """Finds error messages and codes.

    Args:
        text: the normalised text (values are taken from it, so case is kept).
        folded: the same text after :func:`bot.zhtext.text.fold_for_matching`
            (cue words are matched on it, so traditional 報錯/顯示 work).
        is_term: tells whether a quoted (folded) string is only a known term, such as an
            invoice type, which is then not an error message.

    Returns:
        Non-overlapping ``error_message`` candidates.
    """
    is_term = is_term or (lambda _s: False)
    return _keep_longest(_quoted(text, folded, is_term) + _after_cue(text, folded) + _codes(text))
