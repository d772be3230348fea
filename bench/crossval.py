"""k-fold cross-validation of the project's own NLU pipeline on data/nlu (the pure parts).

Our own loop rather than ``rasa test nlu --cross-validation``: the folds are stratified by
intent with a fixed seed and written as ordinary NLU files, so each fold can be trained and
scored by a separate worker process (bench/worker.py) and two folds can train at once.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from bench.data import Example, write_nlu_yaml
from bench.metrics import Prediction, evaluate


@dataclass(frozen=True)
class Fold:
    """The files of one fold."""

    name: str
    train: Path
    test: Path
    test_size: int


def stratified_folds(examples: Sequence[Example], folds: int, seed: int = 42) -> List[Tuple[List[int], List[int]]]:
    """(train indices, test indices) per fold, stratified by intent."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    labels = [e.intent for e in examples]
    return [(list(train), list(test)) for train, test in splitter.split(labels, labels)]


def write_folds(examples: Sequence[Example], others: Sequence[Dict[str, Any]], folds: int,
                workdir: Path, seed: int = 42) -> List[Fold]:
    """Write each fold's training file (with every non-intent item) and test file."""
    result = []
    for number, (train, test) in enumerate(stratified_folds(examples, folds, seed), start=1):
        name = f"fold{number}"
        result.append(Fold(
            name=name,
            train=write_nlu_yaml(workdir / name / "train.yml", [examples[i] for i in train], others),
            test=write_nlu_yaml(workdir / name / "test.yml", [examples[i] for i in test]),
            test_size=len(test),
        ))
    return result


def summarise_folds(fold_scores: Sequence[Dict[str, float]]) -> Dict[str, Any]:
    """Mean and (sample) standard deviation of each score over the folds."""
    result: Dict[str, Any] = {"folds_done": len(fold_scores)}
    if not fold_scores:
        return result
    for key in fold_scores[0]:
        values = [scores[key] for scores in fold_scores]
        result[f"{key}_mean"] = statistics.fmean(values)
        result[f"{key}_std"] = statistics.stdev(values) if len(values) > 1 else 0.0
    return result


def aggregate(fold_predictions: Dict[str, List[Prediction]], folds: int) -> Dict[str, Any]:
    """Per-fold scores, their mean ± sd, and the report pooled over every scored fold.

    Args:
        fold_predictions: fold name → its test predictions (folds that failed are absent).
        folds: how many folds there were meant to be.
    """
    per_fold: List[Dict[str, Any]] = []
    pooled: List[Prediction] = []
    for name in sorted(fold_predictions):
        report = evaluate(fold_predictions[name], "project", name)
        per_fold.append({"fold": name, "accuracy": report.accuracy, "macro_f1": report.macro_f1})
        pooled.extend(fold_predictions[name])
    result: Dict[str, Any] = {
        "folds": folds,
        "per_fold": per_fold,
        "summary": summarise_folds([{k: f[k] for k in ("accuracy", "macro_f1")} for f in per_fold]),
        "notes": [f"{folds - len(per_fold)} of {folds} folds produced no result"] if len(per_fold) < folds else [],
    }
    if pooled:
        result["pooled"] = evaluate(pooled, "project", f"data/nlu {folds}-fold CV").as_dict()
    return result
