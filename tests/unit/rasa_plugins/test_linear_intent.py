"""LinearIntentClassifier: trains on Rasa messages, persists without pickles, loads back with
the same predictions, and blends with an earlier classifier's ranking."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.nlu.linear_intent import (
    LINEAR_RANKING,
    PREVIOUS_RANKING,
    LinearIntentClassifier,
    blend,
    softmax,
)

EXAMPLES = {
    "login_failure": ["电子 税务局 登录 不 上", "登录 提示 密码 错误", "登录 失败 证书 口令 错误",
                      "账号 被 锁定 无法 登录"],
    "issuance_failure": ["开票 提示 额度 不足", "开具 发票 失败", "红冲 失败 开票 报错", "开票 时 税率 报错"],
    "system_outage": ["系统 维护 中", "服务器 繁忙 请 稍后", "网站 打不开 502", "平台 崩 了"],
}


def tokenized(text: str, intent: str | None = None) -> Message:
    data = {TEXT: text}
    if intent:
        data[INTENT] = intent
    message = Message(data=data)
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    return message


@pytest.fixture()
def storage(tmp_path):
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


def trained(storage, **config) -> LinearIntentClassifier:
    resource = Resource("linear")
    component = LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), **config}, storage, resource,
        ExecutionContext(None, "test"))  # type: ignore[arg-type]
    data = TrainingData([tokenized(t, i) for i, texts in EXAMPLES.items() for t in texts])
    component.train(data)
    return component


def test_it_learns_and_predicts_the_intent(storage):
    component = trained(storage)
    message = tokenized("登录 电子 税务局 提示 密码 错误")
    component.process([message])
    assert message.get(INTENT)["name"] == "login_failure"
    ranking = message.get(INTENT_RANKING_KEY)
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-5
    assert message.get(LINEAR_RANKING) is None  # exposed only when configured


def test_persisted_model_loads_with_the_same_predictions(storage):
    component = trained(storage)
    texts = ["开票 额度 不足 怎么办", "系统 又 崩 了", "登录 不 上"]
    before = component.predict_proba([tokenized(t) for t in texts])
    loaded = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("linear"),
        ExecutionContext(None, "test"))  # type: ignore[arg-type]
    after = loaded.predict_proba([tokenized(t) for t in texts])
    assert loaded.classes == component.classes
    np.testing.assert_allclose(before, after, rtol=1e-5)


def test_an_untrained_archive_predicts_nothing(storage):
    loaded = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("nothing"),
        ExecutionContext(None, "test"))  # type: ignore[arg-type]
    message = tokenized("登录 不 上")
    loaded.process([message])
    assert message.get(INTENT) is None


def test_it_blends_with_the_earlier_classifier_and_exposes_both(storage):
    component = trained(storage, weight=0.0, expose_rankings=True)
    message = tokenized("登录 不 上")
    earlier = [{"name": "system_outage", "confidence": 0.9}, {"name": "login_failure", "confidence": 0.1}]
    message.set(INTENT, earlier[0])
    message.set(INTENT_RANKING_KEY, earlier)
    component.process([message])
    assert message.get(INTENT)["name"] == "system_outage"  # weight 0: the earlier classifier decides
    assert message.get(LINEAR_RANKING)[0]["name"] == "login_failure"
    assert message.get(PREVIOUS_RANKING)[0] == {"name": "system_outage", "confidence": 0.9}


def test_blend_and_softmax():
    mixed = blend({"a": 1.0}, {"a": 0.5, "b": 0.5}, 0.5)
    assert mixed == pytest.approx({"a": 0.75, "b": 0.25})
    rows = softmax(np.array([[0.0, 0.0], [1000.0, 0.0]]))
    np.testing.assert_allclose(rows, [[0.5, 0.5], [1.0, 0.0]])


def test_the_written_out_features_are_scikit_learns(storage):
    component = trained(storage, char_weight=1.0, word_weight=0.5)
    texts = ["开票 额度 不足 怎么办 开票", "系统 又 崩 了", "登录 不 上", "", "完全 陌生 的 字",
             "开具 发票 失败 失败 失败"]
    messages = [tokenized(t) for t in texts]
    expected = component._features(messages).toarray()
    written = np.zeros_like(expected, dtype=np.float64)
    for row, (columns, values) in enumerate(component._feature_rows(messages)):
        written[row, columns] = values
    np.testing.assert_allclose(written, expected, rtol=1e-5, atol=1e-7)
    features = component._features(messages)
    sklearn_scores = softmax(np.asarray(features @ component._coef.T) + component._intercept)
    np.testing.assert_allclose(component.predict_proba(messages), sklearn_scores, rtol=1e-4, atol=1e-6)


def test_the_linear_svm_learns_persists_and_scales_its_scores(storage):
    component = trained(storage, learner="linear_svc", C=1.0, score_scale=5.0)
    texts = ["登录 电子 税务局 提示 密码 错误", "开票 额度 不足 怎么办", "系统 又 崩 了"]
    messages = [tokenized(t) for t in texts]
    probabilities = component.predict_proba(messages)
    assert [component.classes[i] for i in probabilities.argmax(axis=1)] == [
        "login_failure", "issuance_failure", "system_outage"]
    features = component._features(messages)
    margins = np.asarray(features @ component._coef.T) + component._intercept
    np.testing.assert_allclose(probabilities, softmax(5.0 * margins), rtol=1e-4, atol=1e-6)
    loaded = LinearIntentClassifier.load(
        {**LinearIntentClassifier.get_default_config(), "learner": "linear_svc", "score_scale": 5.0},
        storage, Resource("linear"), ExecutionContext(None, "test"))  # type: ignore[arg-type]
    np.testing.assert_allclose(loaded.predict_proba(messages), probabilities, rtol=1e-5)


def test_two_intents_give_two_columns(storage):
    for learner in ("logistic_regression", "linear_svc"):
        component = LinearIntentClassifier.create(
            {**LinearIntentClassifier.get_default_config(), "learner": learner}, storage,
            Resource(f"two-{learner}"), ExecutionContext(None, "test"))  # type: ignore[arg-type]
        component.train(TrainingData([tokenized(t, i) for i, texts in EXAMPLES.items()
                                      if i != "system_outage" for t in texts]))
        probabilities = component.predict_proba([tokenized("登录 提示 密码 错误")])
        assert probabilities.shape == (1, 2)
        assert component.classes[int(probabilities.argmax())] == "login_failure"


def test_an_unknown_learner_is_refused(storage):
    with pytest.raises(ValueError, match="unknown learner"):
        trained(storage, learner="forest")


@pytest.mark.parametrize("learner", ["linear_svc", "logistic_regression"])
def test_the_same_data_gives_the_same_model_whatever_the_global_random_state(tmp_path, learner):
    models = []
    for seed in (1, 2):
        np.random.seed(seed)  # liblinear shuffles with this unless the component seeds it
        (tmp_path / str(seed)).mkdir()
        models.append(trained(LocalModelStorage(tmp_path / str(seed)), learner=learner, C=1.0))
    assert np.array_equal(models[0]._coef, models[1]._coef)
    assert np.array_equal(models[0]._intercept, models[1]._intercept)
