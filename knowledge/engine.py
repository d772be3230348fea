"""The troubleshooting engine: which step to show next, when to close, when to escalate.

Pure logic over a knowledge base (anything with ``problem``, ``prevention_tip`` and
``escalation`` like `knowledge.repository.KnowledgeBase`); the dialogue keeps the state (the
problem key and the index of the step last shown) in slots and asks the engine for the next move.

Skipping: a step whose ``skip_when`` names a condition in effect (``skip=``, e.g.
``{"error_known"}`` once the user pasted a catalogued error) is not shown; `start` and `after`
move past it. Numbering keeps the content's: a step is "第 index+1 / 全部 步" whatever was
skipped, so a number always names the same step (in transcripts, tickets and ``steps_tried``),
and it never goes backwards when a condition comes into effect in the middle of a walk. The
view says which steps were skipped on the way to it (`StepView.skipped`, for "这一步您已经…，
我们直接看第2步") and how many steps are still to come under the same conditions
(`StepView.remaining`; `is_last` uses it).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Optional, Protocol, Tuple

from knowledge.errors import UnknownProblem
from knowledge.types import SKIP_CONDITIONS, Escalation, Problem

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
        number: 1-based step number in the content (index + 1), for "第 number/total 步";
            skipped steps keep their numbers.
        total: Number of steps of the problem (skipped ones included).
        step_id: Stable step id (for the ``steps_tried`` slot).
        title: Step title.
        instructions: What the user does.
        lead_in: The previous step's ``if_not_helped`` text when moving on; None for the first.
        skipped: Ids of the steps skipped just before this one (their ``skip_when`` was in
            effect), in order; empty when none was.
        remaining: Steps still to come after this one under the same skip conditions; None for
            views not made by the engine (then `is_last` compares number and total).
    """

    problem: str
    index: int
    number: int
    total: int
    step_id: str
    title: str
    instructions: str
    lead_in: Optional[str] = None
    skipped: Tuple[str, ...] = ()
    remaining: Optional[int] = None

    @property
    def is_last(self) -> bool:
        """Whether no step follows this one (skipped steps do not count)."""
        return self.remaining == 0 if self.remaining is not None else self.number == self.total


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
        skipped: For ``"escalate"``, ids of the steps after the tried one that were skipped.
    """

    kind: str
    problem: str
    step: Optional[StepView] = None
    tip: Optional[str] = None
    escalation: Optional[Escalation] = None
    lead_in: Optional[str] = None
    skipped: Tuple[str, ...] = ()


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

    def start(self, problem_key: str, skip: Collection[str] = ()) -> StepView:
        """The first step of a problem that is not skipped.

        Args:
            problem_key: The problem.
            skip: Conditions in effect (`knowledge.types.SKIP_CONDITIONS`); steps whose
                ``skip_when`` names one of them are not shown.

        Raises:
            UnknownProblem: If the problem does not exist (or has no steps).
            ValueError: For an unknown condition.
        """
        problem = self._problem(problem_key)
        conditions = _conditions(skip)
        first = _next_shown(problem, -1, conditions)
        if first is None:  # the schema keeps one step of every condition; be safe anyway
            first = 0
        return _view(problem, first, None, conditions, _skipped(problem, -1, first, conditions))

    def after(self, problem_key: str, index: int, outcome: str, seed: Optional[int] = None,
              skip: Collection[str] = ()) -> NextMove:
        """The move after the user tried step ``index``.

        Args:
            problem_key: The problem.
            index: 0-based index of the step the user just tried.
            outcome: ``"solved"`` or ``"not_solved"``.
            seed: Makes the prevention tip deterministic (tests); None picks at random.
            skip: Conditions in effect (`knowledge.types.SKIP_CONDITIONS`); later steps whose
                ``skip_when`` names one of them are passed over. The tried step itself counts
                as shown whatever its conditions.

        Returns:
            ``close`` with a prevention tip when solved; otherwise the next step that is not
            skipped, with the tried step's ``if_not_helped`` text as lead-in, or ``escalate``
            when no such step is left.

        Raises:
            UnknownProblem: If the problem does not exist.
            ValueError: For an unknown outcome or condition, or an index outside the problem's
                steps.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}: {outcome!r}")
        conditions = _conditions(skip)
        problem = self._problem(problem_key)
        if not 0 <= index < len(problem.steps):
            raise ValueError(f"{problem_key} has steps 0..{len(problem.steps) - 1}, not {index}")
        if outcome == SOLVED:
            return NextMove(CLOSE, problem.key, tip=self._kb.prevention_tip(problem.key, seed=seed))
        lead_in = problem.steps[index].if_not_helped
        following = _next_shown(problem, index, conditions)
        if following is not None:
            view = _view(problem, following, lead_in, conditions,
                         _skipped(problem, index, following, conditions))
            return NextMove(SHOW_STEP, problem.key, step=view)
        return NextMove(ESCALATE, problem.key, escalation=problem.escalation, lead_in=lead_in,
                        skipped=_skipped(problem, index, len(problem.steps), conditions))


def _conditions(skip: Collection[str]) -> frozenset:
    if isinstance(skip, str):  # a bare "error_known" would otherwise be read letter by letter
        skip = (skip,)
    unknown = set(skip) - set(SKIP_CONDITIONS)
    if unknown:
        raise ValueError(f"unknown skip conditions {sorted(unknown)} (known: {', '.join(SKIP_CONDITIONS)})")
    return frozenset(skip)


def _is_skipped(problem: Problem, index: int, conditions: frozenset) -> bool:
    return bool(conditions.intersection(problem.steps[index].skip_when))


def _next_shown(problem: Problem, after: int, conditions: frozenset) -> Optional[int]:
    return next((i for i in range(after + 1, len(problem.steps))
                 if not _is_skipped(problem, i, conditions)), None)


def _skipped(problem: Problem, after: int, before: int, conditions: frozenset) -> Tuple[str, ...]:
    return tuple(problem.steps[i].id for i in range(after + 1, before) if _is_skipped(problem, i, conditions))


def _view(problem: Problem, index: int, lead_in: Optional[str], conditions: frozenset = frozenset(),
          skipped: Tuple[str, ...] = ()) -> StepView:
    step = problem.steps[index]
    remaining = sum(1 for i in range(index + 1, len(problem.steps))
                    if not _is_skipped(problem, i, conditions))
    return StepView(problem.key, index, index + 1, len(problem.steps), step.id, step.title,
                    step.instructions, lead_in, skipped, remaining)
