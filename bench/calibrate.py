"""A fixed CPU-bound reference workload, timed in the same run as every speed figure.

Speed figures depend on the machine and on what else runs on it. Each one is also reported as
a ratio to this workload (measured at the start and at the end of the run), so two runs on
different or differently loaded machines can be compared: if the reference took 20 % longer,
latencies 20 % longer are no regression.

The workload mixes what a Rasa turn spends its time on: pure-Python work (dicts, strings,
integer arithmetic — the interpreter) and small dense numpy algebra (TensorFlow's CPU kernels
do the same kind of work). It is single-threaded on purpose: one request is served by one core.
"""
from __future__ import annotations

import statistics
import time
from typing import Dict, List


def python_work(n: int = 100_000) -> int:
    """Interpreter-bound work: dict updates, string building, integer arithmetic."""
    counts: Dict[str, int] = {}
    total = 0
    for i in range(n):
        key = "k" + str(i % 97)
        counts[key] = counts.get(key, 0) + i
        total = (total * 31 + i) % 1_000_003
    return total + len(counts)


def numpy_work(size: int = 128, rounds: int = 30) -> float:
    """Small dense matrix products and a softmax (numpy may use its BLAS threads)."""
    import numpy as np

    rng = np.random.default_rng(42)
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)
    acc = 0.0
    for _ in range(rounds):
        c = a @ b
        e = np.exp(c - c.max(axis=1, keepdims=True))
        acc += float((e / e.sum(axis=1, keepdims=True)).sum())
    return acc


def reference_once() -> float:
    """Seconds for one run of the reference workload."""
    started = time.perf_counter()
    python_work()
    numpy_work()
    return time.perf_counter() - started


def measure(repeats: int = 7) -> Dict[str, object]:
    """Median and spread of ``repeats`` runs (one warm-up run first), in milliseconds."""
    reference_once()
    runs: List[float] = [reference_once() * 1000 for _ in range(repeats)]
    return {
        "median_ms": statistics.median(runs),
        "min_ms": min(runs),
        "max_ms": max(runs),
        "runs_ms": runs,
    }


def ratio(value_ms: float, reference_ms: float) -> float:
    """A duration in units of the reference workload (dimensionless)."""
    return value_ms / reference_ms


def rate_ratio(per_second: float, reference_ms: float) -> float:
    """A rate as events per reference-workload duration (higher is faster)."""
    return per_second * reference_ms / 1000.0
