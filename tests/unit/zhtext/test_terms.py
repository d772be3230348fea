"""Invoice types and platforms: synonym tables, the jieba dictionary and the spaCy pipeline."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.zhtext import terms
from bot.zhtext.pipeline import DEFAULT_USER_DICTIONARY, find_terms, get_nlp, tokenize

ALL_FORMS = sorted(terms.surface_forms().items())


def found(text):
    return [(c.entity, c.value) for c in find_terms(text)]


def userdict_words():
    lines = Path(DEFAULT_USER_DICTIONARY).read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip()]


def test_no_surface_form_under_two_canonical_values():
    seen = {}
    for table in terms.TABLES.values():
        for canonical, forms in table.items():
            for form in forms:
                assert form not in seen, f"{form} under {seen.get(form)} and {canonical}"
                assert form == form.lower(), "forms are matched in lower case"
                seen[form] = canonical


def test_every_chinese_form_is_a_userdict_word():
    words = {w.lower() for w in userdict_words()}
    missing = [f for f, _ in ALL_FORMS if not f.isascii() and f not in words]
    assert missing == []


def test_userdict_lines_are_word_freq_pos():
    for line in Path(DEFAULT_USER_DICTIONARY).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        assert len(parts) == 3 and parts[1].isdigit(), line
    assert 30 <= len(userdict_words()) <= 120


@pytest.mark.parametrize("form, expected", ALL_FORMS)
def test_each_form_alone(form, expected):
    assert found(form) == [expected]


@pytest.mark.parametrize("form, expected", ALL_FORMS)
def test_each_form_in_a_sentence(form, expected):
    text = f"我的{form}有问题"
    assert found(text) == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("开专票失败", [("invoice_type", "增值税专用发票")]),
        ("开普票失败", [("invoice_type", "增值税普通发票")]),
        ("增值税电子普通发票下载不了", [("invoice_type", "电子发票")]),
        ("发票查验平台显示查无此票", [("platform", "查验平台")]),
        ("税务ukey和金税盘", [("platform", "税务UKey"), ("platform", "金税盘")]),
        ("个税app登不上", [("platform", "手机App")]),
        ("红字信息表怎么填", []),  # one jieba word: not the invoice type 红字发票
        ("税务局电话是多少", []),  # the authority, not a platform
    ],
)
def test_terms_in_context(text, expected):
    assert found(text) == expected


def test_ambiguous_form_has_lower_confidence():
    (candidate,) = find_terms("税盘坏了")
    assert candidate.value == "税控盘" and candidate.confidence < 1.0


def test_pipeline_is_built_once():
    assert get_nlp() is get_nlp()


@pytest.mark.parametrize(
    "text, word",
    [
        ("我的发票没收到", "没收到"),  # jieba alone cuts 没收/到 ("confiscate")
        ("电子税务局登不上", "登不上"),
        ("数电发票查不到", "查不到"),
        ("开票软件开不了", "开不了"),
        ("全电发票上传失败", "上传失败"),
        ("统一社会信用代码填错了", "统一社会信用代码"),
        ("进项发票勾选", "勾选"),
    ],
)
def test_jieba_cuts_domain_words_whole(text, word):
    import jieba

    get_nlp()  # loads the user dictionary into the global jieba
    assert word in list(jieba.cut(text))
    assert word in tokenize(text)
