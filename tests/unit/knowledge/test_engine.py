"""The troubleshooting engine, on a fake knowledge base (and once on the shipped content)."""
from __future__ import annotations

from typing import Dict, Optional

import pytest

from knowledge.engine import CLOSE, ESCALATE, NOT_SOLVED, SHOW_STEP, SOLVED, Troubleshooter
from knowledge.errors import UnknownProblem
from knowledge.repository import KnowledgeBase
from knowledge.types import PROBLEM_KEYS, Escalation, Problem, Step


def make_problem(key: str = "login_failure", steps: int = 3) -> Problem:
    return Problem(
        key=key,
        title="标题",
        acknowledgement="抱歉。",
        symptoms=("症状",),
        causes=("原因",),
        checks=(),
        steps=tuple(Step(key, i, f"step_{i}", f"第{i}步", f"做第{i}件事", f"第{i}步没用")
                    for i in range(steps)),
        tips=("提示一", "提示二"),
        escalation=Escalation(key, ("一直不行",), ("税号", "截图"), "urgent", 4, "4小时内联系您。"),
    )


class FakeKnowledgeBase:
    """In-memory stand-in for KnowledgeBase: problems by key; tips chosen by seed."""

    def __init__(self, *problems: Problem) -> None:
        self.problems: Dict[str, Problem] = {p.key: p for p in problems}

    def problem(self, key: str) -> Optional[Problem]:
        return self.problems.get(key)

    def prevention_tip(self, key: Optional[str] = None, seed: Optional[int] = None) -> str:
        tips = self.problems[key].tips if key in self.problems else ("通用提示",)
        return tips[(seed or 0) % len(tips)]


@pytest.fixture
def engine() -> Troubleshooter:
    return Troubleshooter(FakeKnowledgeBase(make_problem(steps=3)))


def test_start_shows_the_first_step(engine: Troubleshooter):
    view = engine.start("login_failure")

    assert (view.index, view.number, view.total, view.step_id, view.lead_in) == (0, 1, 3, "step_0", None)
    assert not view.is_last


@pytest.mark.parametrize("index, outcome, kind, next_index", [
    (0, NOT_SOLVED, SHOW_STEP, 1),
    (1, NOT_SOLVED, SHOW_STEP, 2),
    (2, NOT_SOLVED, ESCALATE, None),
    (0, SOLVED, CLOSE, None),
    (2, SOLVED, CLOSE, None),
])
def test_after(engine: Troubleshooter, index, outcome, kind, next_index):
    move = engine.after("login_failure", index, outcome)

    assert move.kind == kind and move.problem == "login_failure"
    assert (move.step.index if move.step else None) == next_index


def test_moving_on_leads_in_with_the_tried_steps_if_not_helped(engine: Troubleshooter):
    move = engine.after("login_failure", 1, NOT_SOLVED)

    assert move.step.lead_in == "第1步没用"
    assert (move.step.number, move.step.total, move.step.is_last) == (3, 3, True)


def test_escalation_after_the_last_step(engine: Troubleshooter):
    move = engine.after("login_failure", 2, NOT_SOLVED)

    assert move.escalation.priority == "urgent" and move.lead_in == "第2步没用"
    assert move.step is None and move.tip is None


def test_close_offers_a_prevention_tip(engine: Troubleshooter):
    move = engine.after("login_failure", 0, SOLVED, seed=1)

    assert move.tip == "提示二" and move.escalation is None


@pytest.mark.parametrize("index, outcome", [(3, NOT_SOLVED), (-1, NOT_SOLVED), (0, "maybe")])
def test_invalid_moves_are_rejected(engine: Troubleshooter, index, outcome):
    with pytest.raises(ValueError):
        engine.after("login_failure", index, outcome)


@pytest.mark.parametrize("call", [lambda e: e.start("printer_jam"),
                                  lambda e: e.after("printer_jam", 0, SOLVED)])
def test_unknown_problem(engine: Troubleshooter, call):
    with pytest.raises(UnknownProblem):
        call(engine)


@pytest.mark.parametrize("key", PROBLEM_KEYS)
def test_walking_every_shipped_problem_ends_in_escalation(shared_kb: KnowledgeBase, key):
    engine = Troubleshooter(shared_kb)
    view = engine.start(key)
    seen = [view.step_id]
    while True:
        move = engine.after(key, view.index, NOT_SOLVED)
        if move.kind != SHOW_STEP:
            break
        assert move.step.lead_in == shared_kb.step(key, view.index).if_not_helped
        view = move.step
        seen.append(view.step_id)

    assert move.kind == ESCALATE and move.escalation == shared_kb.escalation(key)
    assert seen == [s.id for s in shared_kb.problem(key).steps]
