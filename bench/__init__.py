"""Benchmarks of 发票助手: understanding quality and speed, measured against baselines.

``python -m bench`` (``make bench``) writes ``results/bench/report.md`` with plots and the raw
figures in ``results/bench/results.json``. Method and how to read the report:
``docs/benchmarks.md``. Not part of ``make test``.
"""
from __future__ import annotations

from pathlib import Path

from knowledge.types import PROBLEM_KEYS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = PROJECT_ROOT / "results" / "bench"

# The six problem intents (a contract: knowledge keys, analytics and evaluation use them).
PROBLEM_INTENTS = PROBLEM_KEYS

HELDOUT_FILE = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
HARD_FILE = PROJECT_ROOT / "tests" / "nlu" / "hard.yml"
TRAINING_NLU = PROJECT_ROOT / "data" / "nlu"
