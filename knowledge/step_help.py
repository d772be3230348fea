"""Answering what users ask or remark during a step ("额度在哪看？", "我们没有UKey", "要等多久").

Every step carries ``context`` entries and every problem ``general_questions`` (see
docs/knowledge.md): a kind (``question`` / ``not_applicable``), the ways users put it (``asks``)
and the answer. `StepHelpIndex` vectorises every variant of every problem once (the TF-IDF
views of `knowledge.search.TextVectors`, fitted on all variants together so that words common to
all steps weigh little) and answers a message with the best entry of the *current step*, or, if
none of the step's entries is close enough, the best of the problem's general questions.

Scoring (`knowledge.search.TextVectors.covered_scores`) is stricter than search's: the
geometric mean of the cosine (words no variant uses count against the message) and the share of
the variant that the message covers, with the interrogatives and negations that search drops
kept as words (`KEPT_WORDS`). A message is answered only when its best variant scores at least
`STEP_HELP_MATCH` and it does not merely report (`reports_without_asking`): the outcomes of
a step ("没解决", "还是不行", "好了", "可以了谢谢"), a request for a person ("转人工"), thanks
and chit-chat stay unanswered on the shipped content (tests/unit/knowledge/test_step_help.py),
so the dialogue can hand those to its own rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from bot.zhtext import normalise_for_nlu
from knowledge.search import STOP_WORDS, TextVectors, tokenize
from knowledge.types import ContextEntry, Problem, StepHelp

#: Scores at or above this answer the message. Calibrated on the shipped content
#: (tests/unit/knowledge/test_step_help.py; docs/knowledge.md "Step help" has the figures).
STEP_HELP_MATCH = 0.42

#: Words search drops but step help keeps: here the difference between a question about the
#: step ("报错在哪里看"), a remark ("我们没有UKey") and an outcome ("还是报错", "已经好了") is
#: carried by exactly these words — interrogatives, negation, "still", "already".
KEPT_WORDS = frozenset("怎么 什么 为什么 哪里 哪些 吗 呢 多少 还是 已经 没 没有 不 不是 是不是".split())
STEP_HELP_STOP_WORDS = STOP_WORDS - KEPT_WORDS

#: Interrogatives said in many ways, each rewritten to one form in variants and messages alike
#: ("多长时间能解开" finds "多久能解锁", "ukey在哪儿" finds "ukey在哪里").
_CANONICAL = [
    (re.compile(r"咋样|咋|怎样|如何|怎么样"), "怎么"),
    (re.compile(r"啥"), "什么"),
    (re.compile(r"哪(?:里|儿)?(?![个些])"), "哪里"),
    (re.compile(r"多长时间|多长|多少时间|几个小时|几个钟头|多久"), "多久"),
    (re.compile(r"什么时候|几时|几点"), "何时"),
]


def canonical(text: str) -> str:
    """``text`` normalised (`bot.zhtext.normalise_for_nlu`) with its interrogatives in one form."""
    text = normalise_for_nlu(text or "")
    for pattern, replacement in _CANONICAL:
        text = pattern.sub(replacement, text)
    return text

#: An outcome report: "still / again …" at the start of a clause ("还是报错", "试了，一直转圈",
#: "又不行了"), a message ending in a verdict ("好了", "可以了", "没解决", "不行", "没用"), or
#: a pause ("等一下", "我看看").
_OUTCOME = re.compile(
    r"(?:^|[，,。.!！;；\s]|试了|试过|做了|弄了|但|可是|不过|结果)(?:还是|仍然|依然|照样|一直|又)"
    r"|(?:好了|好啦|可以了|解决了|没解决|搞定了?|成功了|不行|没用|没反应|没效果"
    r"|能用了|登录了|登上了|登进去了|能开了|开出来了|传上去了|查到了)"
    r"(?:[，,\s]*(?:谢谢|多谢|感谢|谢啦)[你您啦了]*)?[啊呀吧了的哦啦\s!！。.]*$"
    r"|^(?:等一下|等我一下|等等|稍等|等会|我找找|我看看|我去看看|我先看看)")
#: A negation: a variant that has one ("去不了税务局", "电脑不能重启") means something else than a
#: message without one ("去税务局要带什么", "电脑能重启吗"), so it does not count for such a message.
_NEGATION = re.compile(r"不|没|无|未|别")
#: A number of six digits or more: an invoice number or code, a tax ID, a phone number.
_NUMBER = re.compile(r"\d{6,}")
#: A question cue: then the message asks something even if it also reports ("还是报错，错误代码啥意思").
_QUESTION = re.compile(
    r"[?？]|吗|呢|怎么|怎样|如何|什么|啥|咋|哪|多久|多少|几|是不是|能不能|有没有|要不要|会不会")


def asks_something(text: str) -> bool:
    """Whether ``text`` asks something: a question mark or an interrogative ("吗", "怎么", "哪")."""
    return bool(_QUESTION.search(normalise_for_nlu(text or "")))


def reports_without_asking(text: str) -> bool:
    """Whether ``text`` only reports — how the step went ("还是不行", "好了") or a number
    ("发票号码是 24412000000012345678") — without asking anything: such a message is never
    answered from the context, whatever its words share with a variant."""
    text = normalise_for_nlu(text or "").strip()
    digits = re.sub(r"(?<=\d)[\s-](?=\d)", "", text)  # "2441 2000 …", "0755-1234…"
    reports = _OUTCOME.search(text) or _NUMBER.search(digits)
    return bool(reports) and not asks_something(text)


@dataclass(frozen=True)
class _Entry:
    problem: str
    step_index: Optional[int]  # None: a general question of the problem
    step_id: Optional[str]
    entry: ContextEntry


class StepHelpIndex:
    """The context entries of some problems, indexed for `match`.

    Args:
        problems: The problems (with their steps' context and general questions).
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self._entries: List[_Entry] = []
        for problem in problems:
            for step in problem.steps:
                self._entries += [_Entry(problem.key, step.index, step.id, e) for e in step.context]
            self._entries += [_Entry(problem.key, None, None, e) for e in problem.general_questions]
        texts = [(i, ask) for i, e in enumerate(self._entries) for ask in e.entry.asks]
        self._vectors = TextVectors([canonical(ask) for _, ask in texts], STEP_HELP_STOP_WORDS)
        self._rows: List[Tuple[int, str]] = [texts[row] for row in self._vectors.rows]
        self._negated = [bool(_NEGATION.search(normalise_for_nlu(ask))) for _, ask in self._rows]
        self._scopes: Dict[Tuple[str, Optional[int]], List[int]] = {}
        for row, (owner, _) in enumerate(self._rows):
            entry = self._entries[owner]
            self._scopes.setdefault((entry.problem, entry.step_index), []).append(row)

    def __len__(self) -> int:
        return len(self._entries)

    def match(self, problem_key: str, index: Optional[int], text: str) -> Optional[StepHelp]:
        """The answer to ``text``, said during step ``index`` (0-based) of ``problem_key``, or with
        ``index`` None while no step is on screen (the fix of a pasted error is): then the
        context of every step of the problem is looked at.

        Returns:
            The best entry of the step's context scoring at least `STEP_HELP_MATCH`, else the best
            general question of the problem that does, else None: also for a report without a
            question (`reports_without_asking`) and an unknown problem; an index outside the
            steps looks at the general questions only.
        """
        if reports_without_asking(text) or not self.has_topic(text):
            return None
        scored = self.scores(problem_key, index, text)
        for scope in ("step", "general"):
            candidates = [s for s in scored if (s.step_id is None) == (scope == "general")]
            if candidates and candidates[0].score >= STEP_HELP_MATCH:
                return candidates[0]
        return None

    @staticmethod
    def has_topic(text: str) -> bool:
        """Whether ``text`` has a word beyond the interrogatives and negations step help keeps
        (`KEPT_WORDS`): "不是", "没有", "为什么呢" name nothing to answer about."""
        return any(t not in KEPT_WORDS for t in tokenize(canonical(text), STEP_HELP_STOP_WORDS))

    def scores(self, problem_key: str, index: Optional[int], text: str) -> List[StepHelp]:
        """Every entry of the step (of every step when ``index`` is None) and of the problem's
        general questions with its best score, best first (for calibration and tests; `match`
        decides)."""
        if index is None:
            rows = [row for (key, step), scope in self._scopes.items() if key == problem_key and step is not None
                    for row in scope]
        else:
            rows = list(self._scopes.get((problem_key, index), []))
        rows += self._scopes.get((problem_key, None), [])
        if not rows:
            return []
        all_scores = self._vectors.covered_scores(canonical(text))
        negated = bool(_NEGATION.search(normalise_for_nlu(text or "")))
        best: Dict[int, Tuple[float, str]] = {}
        for row in rows:
            owner, ask = self._rows[row]
            if not negated and self._negated[row]:
                continue
            if owner not in best or all_scores[row] > best[owner][0]:
                best[owner] = (all_scores[row], ask)
        helps = [StepHelp(entry.kind, entry.answer, ask, round(score, 4), self._entries[owner].step_id,
                          entry.implies)
                 for owner, (score, ask) in best.items() for entry in [self._entries[owner].entry]]
        return sorted(helps, key=lambda h: -h.score)
