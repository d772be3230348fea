"""k-fold cross-validation of the project's own NLU pipeline on data/nlu.

Our own loop rather than ``rasa test nlu --cross-validation``: the folds are stratified by
intent with a fixed seed, each fold is trained by the real CLI (``rasa train nlu`` in a child
process, with a fresh training cache so nothing is reused between folds) and evaluated in-process
like the held-out files, and the loop stops cleanly when the time budget runs out.
"""
from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from bench.data import Example, write_nlu_yaml
from bench.metrics import Prediction, evaluate


def stratified_folds(examples: Sequence[Example], folds: int, seed: int = 42) -> List[Tuple[List[int], List[int]]]:
    """(train indices, test indices) per fold, stratified by intent."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    labels = [e.intent for e in examples]
    return [(list(train), list(test)) for train, test in splitter.split(labels, labels)]


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


def cross_validate(
    examples: Sequence[Example],
    others: Sequence[Dict[str, Any]],
    config: Path,
    train_fold: Callable[[Path, Path, str], Optional[Path]],
    predict_fold: Callable[[Path, Sequence[Example]], List[Prediction]],
    folds: int = 5,
    seed: int = 42,
    has_time_for_another: Callable[[], bool] = lambda: True,
    workdir: Optional[Path] = None,
) -> Dict[str, Any]:
    """Train and evaluate each fold; stop early when the time budget says so.

    Args:
        examples, others: data/nlu (intent examples; synonyms/regexes/lookups go to every fold).
        config: the Rasa config to train.
        train_fold: ``(config, nlu_file, name) -> model archive or None`` (None: failed).
        predict_fold: ``(model, test examples) -> predictions``.
        has_time_for_another: asked before each fold.

    Returns:
        per-fold scores, their summary, and the pooled report over every tested fold.
    """
    workdir = Path(workdir or tempfile.mkdtemp(prefix="bench-cv-"))
    fold_scores: List[Dict[str, float]] = []
    pooled: List[Prediction] = []
    notes: List[str] = []
    for number, (train, test) in enumerate(stratified_folds(examples, folds, seed), start=1):
        if not has_time_for_another():
            notes.append(f"stopped before fold {number} of {folds}: time budget")
            break
        nlu_file = write_nlu_yaml(workdir / f"fold{number}" / "nlu.yml",
                                  [examples[i] for i in train], others)
        model = train_fold(config, nlu_file, f"fold{number}")
        if model is None:
            notes.append(f"fold {number}: training failed")
            continue
        predictions = predict_fold(model, [examples[i] for i in test])
        report = evaluate(predictions, "project", f"fold {number}")
        fold_scores.append({"accuracy": report.accuracy, "macro_f1": report.macro_f1})
        pooled.extend(predictions)
    result: Dict[str, Any] = {
        "folds": folds,
        "per_fold": fold_scores,
        "summary": summarise_folds(fold_scores),
        "notes": notes,
    }
    if pooled:
        result["pooled"] = evaluate(pooled, "project", f"data/nlu {folds}-fold CV").as_dict()
    return result
