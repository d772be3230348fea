"""The keyword-matcher baseline: learning keyword lists and predicting with them."""
from __future__ import annotations

import pytest

from bench.data import Example
from bench.keywords import KeywordMatcher, is_keyword_candidate, normalise


def split(text):
    return text.split()


TRAINING = [
    Example("登录 失败", "login_failure"),
    Example("无法 登录 系统", "login_failure"),
    Example("登录 密码 错误", "login_failure"),
    Example("上传 失败", "upload_failure"),
    Example("发票 上传 报错", "upload_failure"),
    Example("上传 超时 系统", "upload_failure"),
    Example("你好", "greet"),
    Example("你好 啊", "greet"),
]


@pytest.fixture
def matcher():
    return KeywordMatcher.learn(TRAINING, split, per_intent=5, min_count=2, min_precision=0.6)


def test_learns_frequent_discriminative_tokens(matcher):
    assert set(matcher.keywords["login_failure"]) == {"登录"}
    assert set(matcher.keywords["upload_failure"]) == {"上传"}
    assert set(matcher.keywords["greet"]) == {"你好"}


def test_shared_or_rare_tokens_are_not_keywords(matcher):
    every = {w for words in matcher.keywords.values() for w in words}
    assert "失败" not in every  # half login, half upload: precision 0.5
    assert "系统" not in every  # same
    assert "密码" not in every  # only once


@pytest.mark.parametrize("text,intent", [
    ("电子税务局登录不上", "login_failure"),  # substring match, no tokenizer at prediction
    ("发票上传一直不行", "upload_failure"),
    ("你好呀", "greet"),
])
def test_predicts_by_contained_keywords(matcher, text, intent):
    assert matcher.predict(text)[0] == intent


def test_no_keyword_falls_back_to_the_default_intent(matcher):
    assert matcher.predict("今晚吃什么") == ("out_of_scope", 0.0)


def test_confidence_is_the_share_of_matched_weight(matcher):
    intent, confidence = matcher.predict("登录以后上传")
    assert intent in {"login_failure", "upload_failure"}
    assert 0 < confidence < 1
    assert matcher.predict("登录")[1] == 1.0


def test_ties_are_broken_by_name_not_dict_order():
    matcher = KeywordMatcher({"b_intent": {"x": 1.0}, "a_intent": {"y": 1.0}})
    assert matcher.predict("xy")[0] == "a_intent"


def test_full_width_and_case_are_normalised():
    matcher = KeywordMatcher({"login_failure": {"ukey": 1.0}})
    assert matcher.predict("ＵＫｅｙ插着呢")[0] == "login_failure"
    assert normalise("ＡＢＣ１２３") == "abc123"


@pytest.mark.parametrize("token,ok", [("登录", True), ("票", False), ("123", False), ("e1002", True),
                                      ("，，", False), ("ukey", True)])
def test_keyword_candidates(token, ok):
    assert is_keyword_candidate(token) is ok
