"""The issue's targets, checked against a run's results (pure: results dict in, rows out)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

GB = 1e9  # "1.5 GB" read as 10^9 bytes, the stricter reading (1.5 GB = 1.40 GiB)

MACRO_F1_HELDOUT = 0.95
HARD_MARGIN = 0.10
P99_TURN_MS_AT_8 = 150.0
RASA_RSS_BYTES = 1.5 * GB
BENCH_MINUTES = 20.0
# Issue 11 ("faster turns"), for make run's stack at 8 concurrent conversations.
TURNS_PER_S_AT_8 = 70.0
P99_TURN_MS_AT_8_ISSUE_11 = 200.0
TIMES_PLAIN_RASA_AT_8 = 4.0

PROJECT = "project"


@dataclass(frozen=True)
class TargetRow:
    """One headline row.

    Attributes:
        name: what is measured.
        measured: the figure as text.
        target: the target as text.
        met: True/False, or None when it was not measured in this run.
        margin: by how much it is met or missed, as text.
    """

    name: str
    measured: str
    target: str
    met: Optional[bool]
    margin: str


def _get(results: Dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node or node[key] is None:
            return None
        node = node[key]
    return node


def best_baseline(results: Dict[str, Any], dataset: str) -> Optional[tuple]:
    """(name, macro-F1) of the best baseline on ``dataset``, or None."""
    reports = _get(results, "quality", dataset) or {}
    baselines = [(name, r["macro_f1"]) for name, r in reports.items() if name != PROJECT]
    return max(baselines, key=lambda pair: pair[1]) if baselines else None


def check(results: Dict[str, Any]) -> List[TargetRow]:
    """Every target of the issue, met or missed and by how much."""
    rows: List[TargetRow] = []

    f1 = _get(results, "quality", "heldout", PROJECT, "macro_f1")
    rows.append(TargetRow(
        "macro-F1, six problem intents, tests/nlu/heldout.yml",
        "not measured" if f1 is None else f"{f1:.3f}",
        f"≥ {MACRO_F1_HELDOUT:.2f}",
        None if f1 is None else f1 >= MACRO_F1_HELDOUT,
        "" if f1 is None else f"{f1 - MACRO_F1_HELDOUT:+.3f}",
    ))

    hard = _get(results, "quality", "hard", PROJECT, "macro_f1")
    best = best_baseline(results, "hard")
    if hard is None or best is None:
        rows.append(TargetRow("macro-F1 on tests/nlu/hard.yml above the best baseline",
                              "not measured", f"≥ best baseline + {HARD_MARGIN:.2f}", None, ""))
    else:
        lead = hard - best[1]
        interval = _get(results, "comparison", "hard")
        ci = (f", 95 % bootstrap interval [{interval['low']:+.3f}, {interval['high']:+.3f}]"
              if interval and interval.get("baseline") == best[0] else "")
        rows.append(TargetRow(
            "macro-F1 on tests/nlu/hard.yml above the best baseline",
            f"{hard:.3f} vs {best[1]:.3f} ({best[0]}): {lead:+.3f}{ci}",
            f"≥ +{HARD_MARGIN:.2f}",
            lead >= HARD_MARGIN,
            f"{lead - HARD_MARGIN:+.3f}"
            + (f" (unreachable: {best[1]:.3f} + {HARD_MARGIN:.2f} > 1, the highest macro-F1 there is)"
               if best[1] + HARD_MARGIN > 1 else ""),
        ))

    p99 = _get(results, "latency", "turns", "8", "p99_ms")
    rows.append(TargetRow(
        "p99 of a full REST turn at 8 concurrent conversations",
        "not measured" if p99 is None else f"{p99:.0f} ms",
        f"≤ {P99_TURN_MS_AT_8:.0f} ms",
        None if p99 is None else p99 <= P99_TURN_MS_AT_8,
        "" if p99 is None else f"{p99 - P99_TURN_MS_AT_8:+.0f} ms ({p99 / P99_TURN_MS_AT_8:.1f}× the target)",
    ))

    paused = _get(results, "latency", "turns_paused", "8", "p99_ms")
    if paused is not None:
        low, high = _get(results, "latency", "turns_paused", "pause_s") or ("?", "?")
        rows.append(TargetRow(
            f"the same, users pausing {low:g}–{high:g} s before each message (not the issue's reading)",
            f"{paused:.0f} ms", f"≤ {P99_TURN_MS_AT_8:.0f} ms", paused <= P99_TURN_MS_AT_8,
            f"{paused - P99_TURN_MS_AT_8:+.0f} ms",
        ))

    rss = _get(results, "memory", "rasa", "peak")
    rows.append(TargetRow(
        "Rasa server peak RSS (VmHWM) after the load runs",
        "not measured" if rss is None else f"{rss / GB:.2f} GB ({rss / 2**30:.2f} GiB)",
        "≤ 1.50 GB",
        None if rss is None else rss <= RASA_RSS_BYTES,
        "" if rss is None else f"{(rss - RASA_RSS_BYTES) / GB:+.2f} GB",
    ))

    wall = _get(results, "run", "wall_s")
    rows.append(TargetRow(
        "wall time of `python -m bench` (install and `make train` not included)",
        "not measured" if wall is None else f"{wall / 60:.1f} min",
        f"< {BENCH_MINUTES:.0f} min (whole `make bench` from a fresh clone)",
        None if wall is None else wall / 60 < BENCH_MINUTES,
        "" if wall is None else f"{wall / 60 - BENCH_MINUTES:+.1f} min",
    ))
    rows.extend(turn_rate_targets(results))
    return rows


def turn_rate_targets(results: Dict[str, Any]) -> List[TargetRow]:
    """Issue 11's three targets for full turns at 8 concurrent conversations."""
    rate = _get(results, "latency", "turns", "8", "per_second")
    p99 = _get(results, "latency", "turns", "8", "p99_ms")
    ratio = _get(results, "latency", "vs_plain", "8", "throughput_ratio")
    return [
        TargetRow("full REST turns per second at 8 concurrent conversations (issue 11)",
                  "not measured" if rate is None else f"{rate:.1f}/s", f"≥ {TURNS_PER_S_AT_8:.0f}/s",
                  None if rate is None else rate >= TURNS_PER_S_AT_8,
                  "" if rate is None else f"{rate - TURNS_PER_S_AT_8:+.1f}/s"),
        TargetRow("p99 of those turns (issue 11)",
                  "not measured" if p99 is None else f"{p99:.0f} ms", f"≤ {P99_TURN_MS_AT_8_ISSUE_11:.0f} ms",
                  None if p99 is None else p99 <= P99_TURN_MS_AT_8_ISSUE_11,
                  "" if p99 is None else f"{p99 - P99_TURN_MS_AT_8_ISSUE_11:+.0f} ms"),
        TargetRow("turns/s ours ÷ plain `rasa run`, same model, same run, 8 conversations (issue 11)",
                  "not measured" if ratio is None else f"{ratio:.2f}×", f"≥ {TIMES_PLAIN_RASA_AT_8:.0f}×",
                  None if ratio is None else ratio >= TIMES_PLAIN_RASA_AT_8,
                  "" if ratio is None else f"{ratio - TIMES_PLAIN_RASA_AT_8:+.2f}×"),
    ]


def verdict(met: Optional[bool]) -> str:
    """Cell text for a met / missed / not measured target."""
    return {True: "met", False: "**missed**", None: "–"}[met]
