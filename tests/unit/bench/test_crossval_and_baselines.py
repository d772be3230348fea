"""Cross-validation loop with fake training, baseline configs, Rasa parse results."""
from __future__ import annotations

from collections import Counter

import pytest

from bench.baselines import override_epochs, rasa_init_config_text, rasa_init_jieba_config, with_jieba
from bench.crossval import aggregate, stratified_folds, summarise_folds, write_folds
from bench.data import Example, load_examples, load_nlu
from bench.metrics import Prediction
from bench.nlu_quality import prediction_of

EXAMPLES = [Example(f"{intent}-{i}", intent) for intent in ("login_failure", "greet", "query_empty")
            for i in range(10)]


def test_folds_partition_the_data_and_are_stratified():
    folds = stratified_folds(EXAMPLES, 5)
    assert len(folds) == 5
    tested = sorted(i for _, test in folds for i in test)
    assert tested == list(range(len(EXAMPLES)))
    for train, test in folds:
        assert not set(train) & set(test)
        assert Counter(EXAMPLES[i].intent for i in test) == {"login_failure": 2, "greet": 2, "query_empty": 2}


def test_folds_are_written_as_training_and_test_files(tmp_path):
    others = [{"synonym": "专票", "examples": "- 专用发票\n"}]
    folds = write_folds(EXAMPLES, others, 5, tmp_path)
    assert [f.name for f in folds] == [f"fold{i}" for i in range(1, 6)]
    for fold in folds:
        train, train_others = load_nlu(fold.train)
        test = load_examples(fold.test)
        assert len(train) == 24 and len(test) == fold.test_size == 6
        assert train_others == others
        assert not {e.text for e in train} & {e.text for e in test}


def fold_predictions(wrong_intent="greet"):
    """A "model" that gets one intent wrong and everything else right, per fold."""
    return {f"fold{n}": [Prediction(e.text, e.intent, "out_of_scope" if e.intent == wrong_intent else e.intent)
                         for e in EXAMPLES[n::5]] for n in range(5)}


def test_aggregate_scores_each_fold_and_pools_them():
    result = aggregate(fold_predictions(), folds=5)
    assert result["summary"]["folds_done"] == 5
    assert result["summary"]["accuracy_mean"] == pytest.approx(2 / 3)
    assert result["pooled"]["count"] == len(EXAMPLES)
    assert result["pooled"]["per_intent"]["login_failure"]["f1"] == 1.0
    assert result["notes"] == []


def test_aggregate_notes_missing_folds():
    predictions = fold_predictions()
    del predictions["fold3"]
    result = aggregate(predictions, folds=5)
    assert result["summary"]["folds_done"] == 4
    assert "1 of 5" in result["notes"][0]
    assert aggregate({}, folds=5)["summary"]["folds_done"] == 0


def test_summarise_folds():
    summary = summarise_folds([{"accuracy": 0.8}, {"accuracy": 1.0}])
    assert summary["accuracy_mean"] == pytest.approx(0.9)
    assert summary["accuracy_std"] == pytest.approx(0.1414, abs=1e-4)


def test_rasa_init_config_is_literal_but_chinese():
    text = rasa_init_config_text("zh")
    assert "language: zh" in text
    assert "#   - name: WhitespaceTokenizer" in text  # the pipeline stays commented out


def test_minimal_change_swaps_only_the_tokenizer():
    pipeline = [{"name": "WhitespaceTokenizer"}, {"name": "DIETClassifier", "epochs": 100}]
    assert with_jieba(pipeline) == [{"name": "JiebaTokenizer"}, {"name": "DIETClassifier", "epochs": 100}]
    assert pipeline[0]["name"] == "WhitespaceTokenizer"  # not modified in place
    names = [c["name"] for c in rasa_init_jieba_config()["pipeline"]]
    assert names[0] == "JiebaTokenizer" and "WhitespaceTokenizer" not in names
    assert "DIETClassifier" in names and "FallbackClassifier" in names


def test_override_epochs_sets_every_trained_component():
    config = {"pipeline": [{"name": "JiebaTokenizer"}, {"name": "DIETClassifier"},
                           {"name": "ResponseSelector", "epochs": 100}],
              "policies": [{"name": "TEDPolicy", "epochs": 40}, {"name": "RulePolicy"}]}
    result = override_epochs(config, 2)
    assert [c.get("epochs") for c in result["pipeline"]] == [None, 2, 2]
    assert [c.get("epochs") for c in result["policies"]] == [2, None]
    assert config["policies"][0]["epochs"] == 40


def test_prediction_of_undoes_the_fallback_like_rasa_test():
    parsed = {"intent": {"name": "nlu_fallback", "confidence": 0.45},
              "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.45},
                                 {"name": "query_empty", "confidence": 0.40},
                                 {"name": "invoice_missing", "confidence": 0.38}]}
    prediction = prediction_of(Example("查不到", "query_empty"), parsed)
    assert (prediction.predicted, prediction.confidence, prediction.fallback) == ("query_empty", 0.40, True)


def test_prediction_of_a_normal_parse():
    parsed = {"intent": {"name": "greet", "confidence": 0.99}, "intent_ranking": []}
    assert prediction_of(Example("你好", "greet"), parsed) == Prediction("你好", "greet", "greet", 0.99, False)
