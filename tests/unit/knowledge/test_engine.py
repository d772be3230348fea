"""The troubleshooting engine, on a fake knowledge base (and once on the shipped content)."""
from __future__ import annotations

import dataclasses
from typing import Dict, Optional

import pytest

from knowledge.engine import CLOSE, ESCALATE, NOT_SOLVED, SHOW_STEP, SOLVED, StepView, Troubleshooter
from knowledge.errors import UnknownProblem
from knowledge.repository import KnowledgeBase
from knowledge.types import PROBLEM_KEYS, Escalation, Problem, Step, StepSkip


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


# ------------------------------------------------------------------ skipping

def skippable(conditions_by_index: Dict[int, tuple], steps: int = 5) -> Troubleshooter:
    problem = make_problem(steps=steps)
    problem = dataclasses.replace(problem, steps=tuple(
        dataclasses.replace(s, skip_when=conditions_by_index.get(s.index, ())) for s in problem.steps))
    return Troubleshooter(FakeKnowledgeBase(problem))


def test_start_skips_a_step_whose_condition_is_in_effect():
    engine = skippable({0: (StepSkip.ERROR_KNOWN,)})

    view = engine.start("login_failure", skip={StepSkip.ERROR_KNOWN})

    assert (view.index, view.number, view.total, view.skipped, view.remaining) == (1, 2, 5, ("step_0",), 3)


def test_without_the_condition_nothing_is_skipped():
    engine = skippable({0: (StepSkip.ERROR_KNOWN,)})

    view = engine.start("login_failure", skip={StepSkip.NO_TAX_DEVICE})

    assert (view.index, view.skipped, view.remaining) == (0, (), 4)


def test_after_passes_over_skipped_steps_and_keeps_the_content_numbers():
    engine = skippable({2: (StepSkip.NO_TAX_DEVICE,), 3: (StepSkip.NO_TAX_DEVICE, StepSkip.ERROR_KNOWN)})

    move = engine.after("login_failure", 1, NOT_SOLVED, skip=(StepSkip.NO_TAX_DEVICE,))

    assert move.kind == SHOW_STEP
    assert (move.step.index, move.step.number, move.step.total) == (4, 5, 5)
    assert move.step.skipped == ("step_2", "step_3") and move.step.lead_in == "第1步没用"
    assert move.step.is_last


def test_the_last_shown_step_is_last_when_the_steps_after_it_are_skipped():
    engine = skippable({4: (StepSkip.OUTAGE_ANNOUNCED,)})

    view = engine.after("login_failure", 2, NOT_SOLVED, skip=[StepSkip.OUTAGE_ANNOUNCED]).step
    move = engine.after("login_failure", 3, NOT_SOLVED, skip=[StepSkip.OUTAGE_ANNOUNCED])

    assert view.index == 3 and view.is_last and view.number == 4
    assert move.kind == ESCALATE and move.skipped == ("step_4",) and move.lead_in == "第3步没用"


def test_the_tried_step_counts_as_shown_whatever_its_conditions():
    # the condition came into effect during the step (the user pasted the error it asked for)
    engine = skippable({0: (StepSkip.ERROR_KNOWN,)})

    move = engine.after("login_failure", 0, NOT_SOLVED, skip={StepSkip.ERROR_KNOWN})

    assert (move.step.index, move.step.number, move.step.skipped) == (1, 2, ())


def test_a_bare_condition_string_is_one_condition():
    engine = skippable({0: (StepSkip.ERROR_KNOWN,)})

    assert engine.start("login_failure", skip="error_known").index == 1


def test_an_unknown_condition_is_rejected():
    with pytest.raises(ValueError, match="unknown skip conditions"):
        skippable({}).start("login_failure", skip={"user_is_tired"})


def test_views_not_made_by_the_engine_compare_number_and_total():
    view = StepView("login_failure", 2, 3, 3, "s2", "标题", "做")

    assert view.is_last and view.remaining is None


def test_issuance_skips_asking_for_the_error_it_already_knows(shared_kb: KnowledgeBase):
    engine = Troubleshooter(shared_kb)

    view = engine.start("issuance_failure", skip={StepSkip.ERROR_KNOWN})

    assert view.step_id == "verify_invoice_details" and view.skipped == ("read_error_and_fix",)
    assert (view.number, view.total) == (2, 7)


def test_without_a_tax_device_the_device_steps_are_passed_over(shared_kb: KnowledgeBase):
    engine = Troubleshooter(shared_kb)

    login = engine.after("login_failure", 1, NOT_SOLVED, skip={StepSkip.NO_TAX_DEVICE}).step
    issuance = engine.after("issuance_failure", 2, NOT_SOLVED, skip={StepSkip.NO_TAX_DEVICE}).step

    assert (login.step_id, login.skipped) == ("reset_password", ("check_ukey_certificate",))
    assert (issuance.step_id, issuance.skipped) == ("update_software", ("check_tax_device",))


def test_an_announced_outage_starts_at_waiting_for_recovery(shared_kb: KnowledgeBase):
    view = Troubleshooter(shared_kb).start("system_outage", skip={StepSkip.OUTAGE_ANNOUNCED})

    assert view.step_id == "wait_for_recovery"
