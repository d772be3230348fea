"""The troubleshooting engine: which step to show next, when to close, when to escalate.

Pure logic over a knowledge base (anything with ``problem``, ``prevention_tip`` and
``escalation`` like `knowledge.repository.KnowledgeBase`); the dialogue keeps the state (the
problem key and the index of the step last shown) in slots and asks the engine for the next move.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol

from knowledge.errors import UnknownProblem
from knowledge.types import Escalation, Problem

SOLVED, NOT_SOLVED = "solved", "not_solved"
OUTCOMES = (SOLVED, NOT_SOLVED)

#: Kinds of `NextMove`.
SHOW_STEP, CLOSE, ESCALATE = "step", "close", "escalate"


class KnowledgeReader(Protocol):
    """What the engine needs from a knowledge base."""

    def problem(self, key: str) -> Optional[Problem]: ...

    def prevention_tip(self, key: Optional[str] = None, seed: Optional[int] = None) -> str: ...


@dataclass(frozen=True)
class StepView:
    """A step as shown to the user.

    Attributes:
        problem: Problem key.
        index: 0-based index of the step (store it to call `Troubleshooter.after` later).
        number: 1-based step number, for "第 number/total 步".
        total: Number of steps of the problem.
        step_id: Stable step id (for the ``steps_tried`` slot).
        title: Step title.
        instructions: What the user does.
        lead_in: The previous step's ``if_not_helped`` text when moving on; None for the first.
    """

    problem: str
    index: int
    number: int
    total: int
    step_id: str
    title: str
    instructions: str
    lead_in: Optional[str] = None

    @property
    def is_last(self) -> bool:
        """Whether no step follows this one."""
        return self.number == self.total


@dataclass(frozen=True)
class NextMove:
    """What to do after the user reported the outcome of a step.

    Attributes:
        kind: ``"step"`` (show `step`), ``"close"`` (solved; offer `tip`) or ``"escalate"``
            (steps ran out; hand over with `escalation`).
        problem: Problem key.
        step: The next step, for ``"step"``.
        tip: A prevention tip, for ``"close"``.
        escalation: The escalation route, for ``"escalate"``.
        lead_in: For ``"escalate"``, the last step's ``if_not_helped`` text.
    """

    kind: str
    problem: str
    step: Optional[StepView] = None
    tip: Optional[str] = None
    escalation: Optional[Escalation] = None
    lead_in: Optional[str] = None


class Troubleshooter:
    """Walks a user through a problem's resolution steps one at a time.

    Args:
        kb: The knowledge base.
    """

    def __init__(self, kb: KnowledgeReader) -> None:
        self._kb = kb

    def _problem(self, key: str) -> Problem:
        problem = self._kb.problem(key)
        if problem is None or not problem.steps:
            raise UnknownProblem(f"no problem with steps for key {key!r}")
        return problem

    def start(self, problem_key: str) -> StepView:
        """The first step of a problem.

        Raises:
            UnknownProblem: If the problem does not exist (or has no steps).
        """
        return _view(self._problem(problem_key), 0, None)

    def after(self, problem_key: str, index: int, outcome: str, seed: Optional[int] = None) -> NextMove:
        """The move after the user tried step ``index``.

        Args:
            problem_key: The problem.
            index: 0-based index of the step the user just tried.
            outcome: ``"solved"`` or ``"not_solved"``.
            seed: Makes the prevention tip deterministic (tests); None picks at random.

        Returns:
            ``close`` with a prevention tip when solved; otherwise the next step with the tried
            step's ``if_not_helped`` text as lead-in, or ``escalate`` after the last step.

        Raises:
            UnknownProblem: If the problem does not exist.
            ValueError: For an unknown outcome or an index outside the problem's steps.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}: {outcome!r}")
        problem = self._problem(problem_key)
        if not 0 <= index < len(problem.steps):
            raise ValueError(f"{problem_key} has steps 0..{len(problem.steps) - 1}, not {index}")
        if outcome == SOLVED:
            return NextMove(CLOSE, problem.key, tip=self._kb.prevention_tip(problem.key, seed=seed))
        lead_in = problem.steps[index].if_not_helped
        if index + 1 < len(problem.steps):
            return NextMove(SHOW_STEP, problem.key, step=_view(problem, index + 1, lead_in))
        return NextMove(ESCALATE, problem.key, escalation=problem.escalation, lead_in=lead_in)


def _view(problem: Problem, index: int, lead_in: Optional[str]) -> StepView:
    step = problem.steps[index]
    return StepView(problem.key, index, index + 1, len(problem.steps), step.id, step.title,
                    step.instructions, lead_in)
