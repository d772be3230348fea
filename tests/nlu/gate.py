"""Fails `make test` when the held-out macro-F1 over the six problem intents drops too low.

Reads the intent report that `rasa test nlu` writes, and writes a short per-intent summary
next to it (results/nlu/problem_intents.md).

Usage: python -m tests.nlu.gate results/nlu/intent_report.json --min-macro-f1 0.90
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List

from knowledge.types import PROBLEM_KEYS as PROBLEM_INTENTS


def problem_macro_f1(report: Dict[str, Dict]) -> float:
    """Unweighted mean F1 over the problem intents (a missing intent counts as 0)."""
    scores = [float(report.get(intent, {}).get("f1-score", 0.0)) for intent in PROBLEM_INTENTS]
    return sum(scores) / len(scores)


def summary_lines(report: Dict[str, Dict]) -> List[str]:
    """A Markdown table of precision / recall / F1 / support per problem intent."""
    lines = ["| intent | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for intent in PROBLEM_INTENTS:
        row = report.get(intent, {})
        lines.append(
            f"| {intent} | {row.get('precision', 0):.3f} | {row.get('recall', 0):.3f} "
            f"| {row.get('f1-score', 0):.3f} | {row.get('support', 0)} |"
        )
    lines.append(f"\nmacro-F1 over the problem intents: **{problem_macro_f1(report):.4f}**")
    if "accuracy" in report:
        lines.append(f"accuracy over all held-out intents: {float(report['accuracy']):.4f}")
    return lines


def main(argv=None) -> int:
    """Check the report; exit 1 below the threshold."""
    parser = argparse.ArgumentParser()
    parser.add_argument("report", type=Path)
    parser.add_argument("--min-macro-f1", type=float, default=0.90)
    args = parser.parse_args(argv)
    report = json.loads(args.report.read_text(encoding="utf-8"))
    lines = summary_lines(report)
    (args.report.parent / "problem_intents.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))
    score = problem_macro_f1(report)
    if score < args.min_macro_f1:
        print(f"FAILED: macro-F1 {score:.4f} < {args.min_macro_f1}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
