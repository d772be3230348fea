"""Classification metrics for intent predictions (scikit-learn underneath).

The macro-F1 is the project's definition (tests/nlu/gate.py): the unweighted mean F1 over the
six problem intents, where precision counts every message of any intent that was wrongly
predicted as the problem. Accuracy is over every message of the file.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from bench import PROBLEM_INTENTS

OTHER = "other"


@dataclass(frozen=True)
class Prediction:
    """One evaluated message.

    Attributes:
        text: the message.
        expected: the labelled intent.
        predicted: the classifier's intent (for Rasa: before the FallbackClassifier's
            ``nlu_fallback`` replaced it, as ``rasa test nlu`` counts it).
        confidence: the classifier's confidence in ``predicted`` (0–1; for baselines their own
            score).
        fallback: True when the deployed pipeline answered ``nlu_fallback`` instead.
    """

    text: str
    expected: str
    predicted: str
    confidence: float = 1.0
    fallback: bool = False


@dataclass(frozen=True)
class IntentScore:
    """Precision, recall and F1 of one intent."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class QualityReport:
    """Everything the report shows about one model on one file.

    Attributes:
        model: the model's name in the report.
        dataset: the file's name in the report.
        count: evaluated messages.
        accuracy: share of messages whose predicted intent is the labelled one.
        macro_f1: mean F1 over the six problem intents.
        deployed_accuracy: accuracy when an ``nlu_fallback`` answer counts as wrong.
        fallback_rate: share of messages that went to ``nlu_fallback``.
        per_intent: scores of the six problem intents.
        labels: the confusion matrix's labels (problem intents, then ``other``).
        confusion: rows = expected, columns = predicted, over ``labels``.
        worst: the most confident misclassifications, worst first.
    """

    model: str
    dataset: str
    count: int
    accuracy: float
    macro_f1: float
    deployed_accuracy: float
    fallback_rate: float
    per_intent: Dict[str, IntentScore]
    labels: List[str]
    confusion: List[List[int]]
    worst: List[Prediction] = field(default_factory=list)

    def as_dict(self) -> Dict[str, Any]:
        """Plain dict for results.json."""
        return asdict(self)


def collapse(intent: str, keep: Sequence[str] = PROBLEM_INTENTS) -> str:
    """The intent itself if it is one of ``keep``, else ``other``."""
    return intent if intent in keep else OTHER


def problem_scores(
    predictions: Sequence[Prediction], intents: Sequence[str] = PROBLEM_INTENTS
) -> Dict[str, IntentScore]:
    """Precision / recall / F1 / support of each of ``intents`` over all predictions."""
    from sklearn.metrics import precision_recall_fscore_support

    y_true = [p.expected for p in predictions]
    y_pred = [p.predicted for p in predictions]
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(intents), average=None, zero_division=0
    )
    return {
        intent: IntentScore(float(precision[i]), float(recall[i]), float(f1[i]), int(support[i]))
        for i, intent in enumerate(intents)
    }


def worst_misclassifications(predictions: Sequence[Prediction], limit: int = 10) -> List[Prediction]:
    """Wrong predictions, the most confident first (ties: problem intents first, then text)."""
    wrong = [p for p in predictions if p.predicted != p.expected]
    return sorted(
        wrong,
        key=lambda p: (-p.confidence, p.expected not in PROBLEM_INTENTS, p.text),
    )[:limit]


def evaluate(
    predictions: Sequence[Prediction],
    model: str,
    dataset: str,
    intents: Sequence[str] = PROBLEM_INTENTS,
    worst: int = 10,
) -> QualityReport:
    """Score ``predictions`` of ``model`` on ``dataset``.

    Raises:
        ValueError: when there are no predictions.
    """
    from sklearn.metrics import confusion_matrix

    if not predictions:
        raise ValueError(f"{model} on {dataset}: no predictions")
    count = len(predictions)
    correct = sum(p.predicted == p.expected for p in predictions)
    deployed_correct = sum(p.predicted == p.expected and not p.fallback for p in predictions)
    scores = problem_scores(predictions, intents)
    labels = list(intents) + [OTHER]
    matrix = confusion_matrix(
        [collapse(p.expected, intents) for p in predictions],
        [collapse(p.predicted, intents) for p in predictions],
        labels=labels,
    )
    return QualityReport(
        model=model,
        dataset=dataset,
        count=count,
        accuracy=correct / count,
        macro_f1=sum(s.f1 for s in scores.values()) / len(scores),
        deployed_accuracy=deployed_correct / count,
        fallback_rate=sum(p.fallback for p in predictions) / count,
        per_intent=scores,
        labels=labels,
        confusion=matrix.tolist(),
        worst=worst_misclassifications(predictions, worst),
    )


def mean_or_none(values: Sequence[float]) -> Optional[float]:
    """The mean, or None for no values."""
    return sum(values) / len(values) if values else None


def macro_f1_of(expected: Sequence[str], predicted: Sequence[str],
                intents: Sequence[str] = PROBLEM_INTENTS) -> float:
    """Mean F1 over ``intents`` (pure Python: fast enough to resample a thousand times)."""
    total = 0.0
    for intent in intents:
        tp = sum(e == intent and p == intent for e, p in zip(expected, predicted))
        fp = sum(e != intent and p == intent for e, p in zip(expected, predicted))
        fn = sum(e == intent and p != intent for e, p in zip(expected, predicted))
        total += 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return total / len(intents)


def paired_bootstrap(a: Sequence[Prediction], b: Sequence[Prediction], resamples: int = 1000,
                     seed: int = 42) -> Dict[str, float]:
    """Macro-F1 of ``a`` minus that of ``b`` on the same messages, with a 95 % interval.

    The messages are resampled with replacement (the same resample for both models), which
    says how much the difference depends on which messages happen to be in a small test file.

    Raises:
        ValueError: when ``a`` and ``b`` are not predictions for the same messages.
    """
    import random

    if [p.text for p in a] != [p.text for p in b]:
        raise ValueError("paired bootstrap needs predictions for the same messages in the same order")
    rng = random.Random(seed)
    expected = [p.expected for p in a]
    pred_a = [p.predicted for p in a]
    pred_b = [p.predicted for p in b]
    n = len(expected)
    differences = []
    for _ in range(resamples):
        idx = [rng.randrange(n) for _ in range(n)]
        e = [expected[i] for i in idx]
        differences.append(macro_f1_of(e, [pred_a[i] for i in idx]) - macro_f1_of(e, [pred_b[i] for i in idx]))
    differences.sort()
    return {
        "difference": macro_f1_of(expected, pred_a) - macro_f1_of(expected, pred_b),
        "low": differences[int(0.025 * resamples)],
        "high": differences[int(0.975 * resamples) - 1],
        "resamples": resamples,
    }
