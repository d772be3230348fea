"""The part of a long message that states the problem.

People who write a lot usually tell their story first and the problem last ("我是一家小公司的会
计，平时负责报销……今天发现电子税务局登录不上了"), or paste a long log with the error in the
middle. An intent classifier trained on one-sentence complaints reads the whole story and is led
astray by it. `focus_on_problem` keeps the clauses that carry problem words — wherever they
stand — and drops the story around them, so that the clause stating the problem decides.
"""
from __future__ import annotations

import re
from typing import List, Tuple

#: Messages up to this length are left alone: short messages are what the model was trained on.
FOCUS_FROM_CHARS = 50

# Clause boundaries: sentence and clause punctuation (full- and half-width), line breaks.
_CLAUSE = re.compile(r"[^。！？!?；;，,\n\r]+[。！？!?；;，,\n\r]*")

# Words that say something is wrong or name what failed; each hit adds to a clause's score.
# Problem words of every problem intent, so the choice of clause does not favour one problem.
_PROBLEM_WORDS = re.compile(
    "|".join([
        r"登录|登陆|登入|登不上|进不去|密码|验证码|证书|ukey|u盾|金税盘|税控盘|口令|锁",
        r"开票|开具|开不了|开不出|红冲|红字|作废|额度|编码",
        r"上传|报送|抄报|汇总|清卡|离线",
        r"查询|查验|查不到|搜不到|搜索|筛选|为空|没有数据|无数据|暂无",
        r"找不到|不见了|没收到|收不到|丢了|没有这张|缺",
        r"维护|打不开|崩|瘫痪|卡住|转圈|繁忙|502|503|504|宕机|故障",
        r"失败|报错|错误|异常|提示|无法|不能|不了|不行|怎么办|为什么|咋",
    ]),
    re.IGNORECASE,
)


def _clauses(text: str) -> List[Tuple[int, str]]:
    return [(m.start(), m.group()) for m in _CLAUSE.finditer(text) if m.group().strip()]


def focus_on_problem(text: str, max_chars: int = 300) -> str:
    """The clauses of ``text`` that state the problem, in their order, at most ``max_chars``.

    Short messages (`FOCUS_FROM_CHARS`) come back unchanged. Otherwise each clause is scored by
    its problem words; the best-scoring clauses are kept (a later clause wins a tie: people
    end with their question), up to ``max_chars`` characters. A long message without any problem
    word is cut to its first ``max_chars`` characters, as before.

    >>> focus_on_problem("您好，我是一家小公司的会计，平时主要负责报销和记账，今天早上老板让我把上个"
    ...                  "月的票整理一下，结果发现电子税务局登录不上了")
    '结果发现电子税务局登录不上了'
    """
    if len(text) <= FOCUS_FROM_CHARS:
        return text
    clauses = _clauses(text)
    scored = [(len(_PROBLEM_WORDS.findall(clause)), start, clause) for start, clause in clauses]
    if not any(score for score, _, _ in scored):
        return text[:max_chars]
    best = max(score for score, _, _ in scored)
    # The clauses with the top score, then the others with any problem word, later ones first.
    ranked = sorted((c for c in scored if c[0]), key=lambda c: (c[0] < best, -c[0], -c[1]))
    kept: List[Tuple[int, str]] = []
    length = 0
    for _, start, clause in ranked:
        if kept and length + len(clause) > max_chars:
            continue
        kept.append((start, clause[:max_chars]))
        length += len(clause)
        if len(kept) >= 2 and length >= FOCUS_FROM_CHARS:
            break
    return "".join(clause for _, clause in sorted(kept)).strip("，,；; ")
