"""Percentiles and latency summaries."""
from __future__ import annotations

import random

import numpy as np
import pytest

from bench.stats import percentile, side_by_side, summarize


@pytest.mark.parametrize("q", [0, 1, 25, 50, 90, 95, 99, 99.9, 100])
@pytest.mark.parametrize("n", [1, 2, 7, 100, 1001])
def test_percentile_matches_numpy_linear(q, n):
    values = [random.Random(n).expovariate(1 / 30) for _ in range(n)]
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


@pytest.mark.parametrize("values,q,expected", [
    ([10.0], 99, 10.0),
    ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
    ([4.0, 1.0, 3.0, 2.0], 50, 2.5),  # order does not matter
    ([0.0, 100.0], 99, 99.0),
    ([5.0, 5.0, 5.0], 95, 5.0),
])
def test_percentile_known_values(values, q, expected):
    assert percentile(values, q) == pytest.approx(expected)


@pytest.mark.parametrize("values,q", [([], 50), ([1.0], -1), ([1.0], 101)])
def test_percentile_rejects_bad_input(values, q):
    with pytest.raises(ValueError):
        percentile(values, q)


def test_summarize_converts_seconds_to_milliseconds_and_counts_rate():
    summary = summarize([0.010, 0.020, 0.030, 0.040], elapsed_s=2.0, errors=1)
    assert summary.count == 4
    assert summary.errors == 1
    assert summary.p50_ms == pytest.approx(25.0)
    assert summary.mean_ms == pytest.approx(25.0)
    assert summary.max_ms == pytest.approx(40.0)
    assert summary.per_second == pytest.approx(2.0)
    assert summary.p99_ms == pytest.approx(39.7)


def test_summarize_needs_at_least_one_value():
    with pytest.raises(ValueError):
        summarize([], 1.0)


def turns(*per_level):
    """{level: summary dict} from (level, seconds per turn, turns per second) triples."""
    return {level: summarize([seconds] * 10, elapsed_s=10 / rate).as_dict() for level, seconds, rate in per_level}


def test_side_by_side_gives_both_servers_and_the_ratios():
    ours = turns(("1", 0.030, 30.0), ("8", 0.250, 32.0))
    plain = turns(("1", 0.080, 12.0), ("8", 0.500, 16.0))
    compared = side_by_side(ours, plain)
    assert list(compared) == ["1", "8"]
    eight = compared["8"]
    assert eight["per_second"] == pytest.approx(32.0) and eight["per_second_plain"] == pytest.approx(16.0)
    assert eight["throughput_ratio"] == pytest.approx(2.0)  # ours does twice the turns per second
    assert eight["p99_ms"] == pytest.approx(250.0) and eight["p99_ms_plain"] == pytest.approx(500.0)
    assert eight["p99_ratio"] == pytest.approx(0.5)  # and its p99 is half
    assert compared["1"]["p50_ms"] == pytest.approx(30.0) and compared["1"]["p50_ms_plain"] == pytest.approx(80.0)


def test_side_by_side_compares_the_rasa_servers_cpu_per_turn_when_both_have_it():
    ours = turns(("8", 0.250, 32.0))
    plain = turns(("8", 0.500, 16.0))
    assert "cpu_ratio" not in side_by_side(ours, plain)["8"]
    ours["8"]["rasa_cpu_ms_per_turn"], plain["8"]["rasa_cpu_ms_per_turn"] = 8.0, 40.0
    eight = side_by_side(ours, plain)["8"]
    assert eight["rasa_cpu_ms_per_turn"] == 8.0 and eight["rasa_cpu_ms_per_turn_plain"] == 40.0
    assert eight["cpu_ratio"] == pytest.approx(5.0)  # plain does five times the work per turn


def test_side_by_side_leaves_out_levels_not_measured_on_both():
    ours = {**turns(("1", 0.03, 30.0), ("8", 0.25, 32.0)), "32": None}
    plain = {**turns(("1", 0.08, 12.0)), "32": turns(("32", 1.0, 10.0))["32"]}
    assert list(side_by_side(ours, plain)) == ["1"]
    assert side_by_side(ours, {}) == {}


def test_side_by_side_has_no_ratio_against_zero():
    ours = turns(("8", 0.25, 32.0))
    plain = {"8": {**turns(("8", 0.5, 16.0))["8"], "per_second": 0.0, "p99_ms": 0.0}}
    compared = side_by_side(ours, plain)["8"]
    assert compared["throughput_ratio"] is None and compared["p99_ratio"] is None
