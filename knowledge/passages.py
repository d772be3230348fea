"""The line of the instructions on screen that a question is about.

A question during a step that neither the step's curated ``context`` nor the FAQ answers
("这个要去税务局吗" during the fix of 证书已挂失) is usually about one of the lines the user is
looking at ("2. 携带设备、营业执照和经办人身份证件到主管税务机关处理证书状态…"). `line_about`
finds that line, so the assistant can point to it instead of saying it cannot answer.

The instructions of one step or fix have a handful of lines, so the lines are scored against
each other (`knowledge.search.TextVectors`, fitted on these lines alone: a word every line uses
weighs nothing) after the step-help canonical form (`knowledge.step_help.canonical`) and a few
names of the same office (`_SAME_THING`). Only a message that asks something is answered.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

from knowledge.search import TextVectors
from knowledge.step_help import STEP_HELP_STOP_WORDS, asks_something, canonical

#: Lowest similarity (`TextVectors.scores`) of the best line for it to be pointed to.
#: Calibrated on tests/unit/knowledge/test_passages.py (questions about the shipped fixes and
#: steps, and questions that no line answers).
PASSAGE_MATCH = 0.2

#: "1. ", "2、", "（3）" at the start of a line.
_NUMBERED = re.compile(r"^\s*(?:\d+\s*[.、．)）]|[（(]\d+[)）])\s*")
#: Names users and the content give the same office.
_SAME_THING = [
    (re.compile(r"(?:主管)?(?:税务局|税务机关|税局|税务所|办税服务厅|办税大厅)"), "税务机关"),
    (re.compile(r"服务商|服务单位|服务公司"), "服务单位"),
]


@dataclass(frozen=True)
class Passage:
    """One line of the instructions: its number (1-based, as shown) and its text."""

    number: int
    text: str


def instruction_lines(instructions: str) -> List[str]:
    """The non-empty lines of ``instructions`` without their numbering."""
    return [_NUMBERED.sub("", line).strip() for line in (instructions or "").splitlines() if line.strip()]


def _comparable(text: str) -> str:
    text = canonical(text)
    for pattern, name in _SAME_THING:
        text = pattern.sub(name, text)
    return text


def line_about(instructions: str, question: str) -> Optional[Passage]:
    """The line of ``instructions`` that ``question`` asks about, or None when the message asks
    nothing or no line scores at least `PASSAGE_MATCH`."""
    lines = instruction_lines(instructions)
    if not lines or not asks_something(question):
        return None
    vectors = TextVectors([_comparable(line) for line in lines], STEP_HELP_STOP_WORDS)
    scores = vectors.scores(_comparable(question))
    if not scores:
        return None
    best = max(range(len(scores)), key=lambda row: scores[row])
    if scores[best] < PASSAGE_MATCH:
        return None
    number = vectors.rows[best]
    return Passage(number + 1, lines[number])
