"""Percentiles and latency summaries (pure Python, no numpy needed)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Dict, Mapping, Optional, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation between closest ranks.

    The same definition as ``numpy.percentile(values, q)`` (method "linear"): for n values
    sorted ascending, the rank is ``q / 100 * (n - 1)``.

    Raises:
        ValueError: on an empty sequence or ``q`` outside [0, 100].
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside [0, 100]")
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    fraction = rank - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


@dataclass(frozen=True)
class LatencySummary:
    """Latency percentiles in milliseconds and throughput of one measured loop.

    Attributes:
        count: completed requests (or turns).
        errors: failed requests (HTTP error, timeout, empty reply where one was expected).
        elapsed_s: wall time of the measured loop.
        p50_ms, p95_ms, p99_ms, mean_ms, max_ms: latency of completed requests.
        per_second: completed requests per second of wall time.
    """

    count: int
    errors: int
    elapsed_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    per_second: float

    def as_dict(self) -> Dict[str, float]:
        """Plain dict for results.json."""
        return asdict(self)


def summarize(latencies_s: Sequence[float], elapsed_s: float, errors: int = 0) -> LatencySummary:
    """Summarise latencies given in seconds.

    Raises:
        ValueError: when nothing completed (there is nothing to summarise).
    """
    if not latencies_s:
        raise ValueError("no completed requests to summarise")
    ms = [value * 1000.0 for value in latencies_s]
    return LatencySummary(
        count=len(ms),
        errors=errors,
        elapsed_s=elapsed_s,
        p50_ms=percentile(ms, 50),
        p95_ms=percentile(ms, 95),
        p99_ms=percentile(ms, 99),
        mean_ms=sum(ms) / len(ms),
        max_ms=max(ms),
        per_second=len(ms) / elapsed_s if elapsed_s > 0 else float("nan"),
    )


def _ratio(numerator: Optional[float], denominator: Optional[float]) -> Optional[float]:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def side_by_side(ours: Mapping[str, Optional[Mapping[str, float]]],
                 plain: Mapping[str, Optional[Mapping[str, float]]]) -> Dict[str, Dict[str, Optional[float]]]:
    """Our server against plain ``rasa run``, per concurrency level measured on both.

    ``ours`` and ``plain`` map a concurrency level ("1", "8", …) to a summary dict
    (:meth:`LatencySummary.as_dict`) or None when nothing completed. A level is left out when
    either side has no summary. ``throughput_ratio`` is turns/s ours ÷ plain (above 1: ours is
    faster); ``p99_ratio`` is p99 ours ÷ plain (below 1: ours is faster).
    """
    result: Dict[str, Dict[str, Optional[float]]] = {}
    for level, mine in ours.items():
        theirs = plain.get(level)
        if not mine or not theirs:
            continue
        result[level] = {
            "per_second": mine["per_second"], "per_second_plain": theirs["per_second"],
            "throughput_ratio": _ratio(mine["per_second"], theirs["per_second"]),
            "p50_ms": mine["p50_ms"], "p50_ms_plain": theirs["p50_ms"],
            "p99_ms": mine["p99_ms"], "p99_ms_plain": theirs["p99_ms"],
            "p99_ratio": _ratio(mine["p99_ms"], theirs["p99_ms"]),
        }
        cpu, cpu_plain = mine.get("rasa_cpu_ms_per_turn"), theirs.get("rasa_cpu_ms_per_turn")
        if cpu and cpu_plain:  # plain's CPU per turn ÷ ours: above 1, ours does less work per turn
            result[level].update({"rasa_cpu_ms_per_turn": cpu, "rasa_cpu_ms_per_turn_plain": cpu_plain,
                                  "cpu_ratio": _ratio(cpu_plain, cpu)})
    return result
