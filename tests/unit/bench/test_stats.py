"""Percentiles and latency summaries."""
from __future__ import annotations

import random

import numpy as np
import pytest

from bench.stats import percentile, summarize


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
