"""One domain vocabulary, data/jieba/userdict.txt: its words, loading it, and search's cut."""
from __future__ import annotations

import jieba
import pytest

from bot.zhtext import DEFAULT_USER_DICTIONARY, domain_words, load_user_dictionary, search_words
from bot.zhtext.pipeline import DEFAULT_USER_DICTIONARY as PIPELINE_DICTIONARY


def test_one_dictionary_file():
    assert PIPELINE_DICTIONARY == DEFAULT_USER_DICTIONARY
    assert DEFAULT_USER_DICTIONARY.parts[-3:] == ("data", "jieba", "userdict.txt")


def test_domain_words_are_the_file_words_in_order():
    lines = DEFAULT_USER_DICTIONARY.read_text(encoding="utf-8").splitlines()
    assert domain_words() == tuple(line.split()[0] for line in lines if line.strip())
    assert len(set(domain_words())) == len(domain_words())


@pytest.mark.parametrize(
    "word",
    # The words knowledge search listed by hand before it loaded the dictionary (those that
    # jieba's own dictionary already cuts whole, such as 查验, 抵扣 and 校验码, need no entry).
    ["专票", "普票", "数电票", "数电发票", "全电发票", "电子发票", "红字发票", "蓝字发票", "红冲",
     "勾选", "用途确认", "税务ukey", "ukey", "电子税务局", "开票软件", "开票", "没收到", "登不上",
     "登录不上", "打不开", "作废", "税号", "代开", "授信额度", "发票号码", "发票代码"],
)
def test_search_vocabulary_is_in_the_dictionary(word):
    assert word in domain_words()


def test_missing_dictionary_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        domain_words(tmp_path / "none.txt")
    with pytest.raises(FileNotFoundError):
        load_user_dictionary(tmp_path / "none.txt")


def test_loading_into_a_private_tokenizer_leaves_the_global_jieba_alone(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("测试专用词甲乙 50000 n\n", encoding="utf-8")
    tokenizer = jieba.Tokenizer()

    assert load_user_dictionary(path, tokenizer=tokenizer) is True
    assert tokenizer.lcut("测试专用词甲乙") == ["测试专用词甲乙"]
    assert "测试专用词甲乙" not in jieba.lcut("测试专用词甲乙")


def test_the_global_jieba_gets_a_file_once(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("测试全局词丙丁 50000 n\n", encoding="utf-8")

    assert load_user_dictionary(path) is True
    assert load_user_dictionary(path) is False
    assert "测试全局词丙丁" in jieba.lcut("测试全局词丙丁")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("发票没收到", ["发票", "没收", "收到", "没收到"]),
        ("上传发票失败", ["上传", "发票", "失败"]),
        ("发票上传失败", ["发票", "上传", "失败", "上传失败"]),
        ("税务ukey登录不上", ["税务", "ukey", "税务ukey", "登录", "登录不上"]),
        ("可以代开发票吗", ["可以", "代开", "发票", "吗"]),
        ("用途确认", ["用途", "确认", "用途确认"]),
        ("", []),
    ],
)
def test_search_words(text, expected):
    assert search_words(text) == expected
