"""Accuracy, macro-F1 over the problem intents, confusion matrix, worst misclassifications."""
from __future__ import annotations

import pytest

from bench import PROBLEM_INTENTS
from bench.metrics import OTHER, Prediction, collapse, evaluate, worst_misclassifications


def p(expected, predicted, confidence=0.9, fallback=False, text=None):
    return Prediction(text or f"{expected}->{predicted}", expected, predicted, confidence, fallback)


PREDICTIONS = [
    p("login_failure", "login_failure"),
    p("login_failure", "login_failure"),
    p("login_failure", "system_outage", 0.8),
    p("system_outage", "system_outage"),
    p("greet", "login_failure", 0.99),  # a false positive for login_failure from a non-problem intent
    p("greet", "greet"),
    p("query_empty", "invoice_missing", 0.7, fallback=True),
]


def test_accuracy_counts_every_message():
    report = evaluate(PREDICTIONS, "m", "d")
    assert report.count == 7
    assert report.accuracy == pytest.approx(4 / 7)


def test_precision_counts_other_intents_predicted_as_the_problem():
    scores = evaluate(PREDICTIONS, "m", "d").per_intent
    assert scores["login_failure"].precision == pytest.approx(2 / 3)
    assert scores["login_failure"].recall == pytest.approx(2 / 3)
    assert scores["login_failure"].support == 3
    assert scores["system_outage"].precision == pytest.approx(1 / 2)
    assert scores["system_outage"].recall == pytest.approx(1.0)


def test_macro_f1_is_the_mean_over_the_six_problem_intents():
    report = evaluate(PREDICTIONS, "m", "d")
    expected = sum(s.f1 for s in report.per_intent.values()) / 6
    assert set(report.per_intent) == set(PROBLEM_INTENTS)
    assert report.macro_f1 == pytest.approx(expected)
    # intents absent from the data score 0 (as in tests/nlu/gate.py)
    assert report.per_intent["upload_failure"].f1 == 0.0


def test_fallbacks_lower_the_deployed_accuracy_only():
    predictions = [p("greet", "greet"), p("greet", "greet", fallback=True)]
    report = evaluate(predictions, "m", "d")
    assert report.accuracy == 1.0
    assert report.deployed_accuracy == 0.5
    assert report.fallback_rate == 0.5


def test_confusion_matrix_collapses_other_intents():
    report = evaluate(PREDICTIONS, "m", "d")
    assert report.labels == list(PROBLEM_INTENTS) + [OTHER]
    index = report.labels.index
    assert report.confusion[index("login_failure")][index("login_failure")] == 2
    assert report.confusion[index("login_failure")][index("system_outage")] == 1
    assert report.confusion[index(OTHER)][index("login_failure")] == 1
    assert report.confusion[index(OTHER)][index(OTHER)] == 1
    assert sum(map(sum, report.confusion)) == len(PREDICTIONS)


@pytest.mark.parametrize("intent,expected", [("login_failure", "login_failure"), ("greet", OTHER),
                                             ("nlu_fallback", OTHER)])
def test_collapse(intent, expected):
    assert collapse(intent) == expected


def test_worst_misclassifications_most_confident_first_and_limited():
    worst = worst_misclassifications(PREDICTIONS, limit=2)
    assert [w.confidence for w in worst] == [0.99, 0.8]
    assert all(w.expected != w.predicted for w in worst_misclassifications(PREDICTIONS))


def test_evaluate_refuses_no_predictions():
    with pytest.raises(ValueError):
        evaluate([], "m", "d")


def test_report_serialises_to_plain_data():
    data = evaluate(PREDICTIONS, "m", "d").as_dict()
    assert data["per_intent"]["login_failure"]["support"] == 3
    assert data["worst"][0]["text"] == "greet->login_failure"


def test_macro_f1_of_matches_evaluate():
    report = evaluate(PREDICTIONS, "m", "d")
    from bench.metrics import macro_f1_of

    assert macro_f1_of([p.expected for p in PREDICTIONS], [p.predicted for p in PREDICTIONS]) == \
        pytest.approx(report.macro_f1)


def test_paired_bootstrap_of_identical_models_is_zero():
    from bench.metrics import paired_bootstrap

    result = paired_bootstrap(PREDICTIONS, PREDICTIONS, resamples=200)
    assert result["difference"] == result["low"] == result["high"] == 0.0


def test_paired_bootstrap_interval_contains_the_difference():
    from bench.metrics import paired_bootstrap

    good = [p("login_failure", "login_failure", text=f"t{i}") for i in range(20)]
    bad = [p("login_failure", "greet" if i % 4 == 0 else "login_failure", text=f"t{i}") for i in range(20)]
    result = paired_bootstrap(good, bad, resamples=300)
    assert result["low"] <= result["difference"] <= result["high"]
    assert result["difference"] > 0


def test_paired_bootstrap_needs_the_same_messages():
    from bench.metrics import paired_bootstrap

    with pytest.raises(ValueError):
        paired_bootstrap(PREDICTIONS, PREDICTIONS[:-1])
