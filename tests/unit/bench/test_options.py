"""Command-line options of ``python -m bench``: phases, retired phases, quick mode."""
from __future__ import annotations

import pytest

from bench.__main__ import PHASES, RETIRED_PHASES, options_from


def test_a_default_run_selects_every_phase():
    options = options_from([])
    assert options.phases == list(PHASES)
    assert not options.quick and options.budget_s == 15 * 60


def test_only_and_skip_select_phases():
    assert options_from(["--only", "latency,profile"]).phases == ["latency", "profile"]
    assert "crossval" not in options_from(["--skip", "crossval"]).phases


@pytest.mark.parametrize("name", sorted(RETIRED_PHASES))
def test_a_retired_phase_is_refused_with_where_it_went(name, capsys):
    with pytest.raises(SystemExit):
        options_from(["--only", f"latency,{name}"])
    assert RETIRED_PHASES[name] in capsys.readouterr().err


def test_an_unknown_phase_is_refused(capsys):
    with pytest.raises(SystemExit):
        options_from(["--skip", "nonsense"])
    assert "unknown phases: ['nonsense']" in capsys.readouterr().err


def test_quick_mode_shortens_trainings_and_loops():
    quick, full = options_from(["--quick"]), options_from([])
    assert quick.epochs == 2 and quick.cv_folds == 2
    assert quick.turn_seconds < full.turn_seconds and quick.budget_s < full.budget_s
