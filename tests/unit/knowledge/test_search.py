"""Search quality on the shipped content, and the index's caching."""
from __future__ import annotations

import pytest

from knowledge.repository import KnowledgeBase
from knowledge.search import GOOD_MATCH, SearchDocument, SearchIndex, tokenize

FAQ_QUERIES = [
    ("专票和普票有啥区别", "special_vs_general"),
    ("专票和普票有啥区别？", "special_vs_general"),
    ("专用发票跟普通发票差在哪", "special_vs_general"),
    ("数电票是啥", "digital_invoice"),
    ("全电发票是什么意思", "digital_invoice"),
    ("我把发票弄丢了", "lost_invoice"),
    ("红字发票是啥", "red_invoice_what"),
    ("怎么开红票", "red_invoice_how"),
    ("如何红冲一张数电发票", "red_invoice_how"),
    ("怎么验证发票真假", "verify_authenticity"),
    ("发票真伪怎么查", "verify_authenticity"),
    ("发票抬头开错了怎么办", "wrong_invoice_info"),
    ("进项票怎么勾选", "input_invoice_confirm"),
    ("作废和红冲区别", "void_vs_red"),
    ("开票要提供什么信息", "billing_info"),
    ("数电发票号码几位", "invoice_number_format"),
    ("电子发票能打印报销吗", "e_invoice_printing"),
    ("个人能不能开发票", "personal_invoice"),
    ("专票认证期限", "deduction_deadline"),
]

PROBLEM_QUERIES = [
    ("登录不上系统", "login_failure"),
    ("证书过期了登录不了", "login_failure"),
    ("开票失败提示错误", "issuance_failure"),
    ("发票开不出来", "issuance_failure"),
    ("查询结果为空", "query_empty"),
    ("上传发票失败", "upload_failure"),
    ("系统崩了", "system_outage"),
    ("开的发票在系统里找不到", "invoice_missing"),
]

OFF_TOPIC = ["我想吃火锅", "今天天气怎么样", "你好", "讲个笑话", "帮我订一张机票", "股票怎么买",
             "怎么做红烧肉", "周末去哪玩", "帮我写首诗", "我想查一下快递", "1234", "？？？", ""]


@pytest.mark.parametrize("text, key", FAQ_QUERIES)
def test_faq_questions_are_found(shared_kb: KnowledgeBase, text, key):
    best = shared_kb.search(text)[0]

    assert (best.kind, best.key) == ("faq", key)
    assert best.score >= GOOD_MATCH


@pytest.mark.parametrize("text, key", PROBLEM_QUERIES)
def test_problem_descriptions_are_found(shared_kb: KnowledgeBase, text, key):
    best = shared_kb.search(text)[0]

    assert (best.kind, best.key) == ("problem", key)
    assert best.score >= GOOD_MATCH


@pytest.mark.parametrize("text", OFF_TOPIC)
def test_off_topic_text_scores_below_the_threshold(shared_kb: KnowledgeBase, text):
    assert all(hit.score < GOOD_MATCH for hit in shared_kb.search(text))


def test_full_width_text_is_normalised(shared_kb: KnowledgeBase):
    assert shared_kb.search("ＵＫｅｙ登录不上")[0].key == shared_kb.search("UKey登录不上")[0].key


@pytest.mark.parametrize("full, half", [
    ("专票和普票有什么区别？", "专票和普票有什么区别?"),
    ("发票丢了，怎么办！", "发票丢了,怎么办!"),
    ("税务ＵＫｅｙ（证书）过期：登录不上", "税务UKey(证书)过期:登录不上"),
])
def test_full_and_half_width_queries_find_the_same(shared_kb: KnowledgeBase, full, half):
    assert shared_kb.search(full) == shared_kb.search(half)
    assert shared_kb.search(full)[0].score >= GOOD_MATCH


def test_hits_show_the_content_as_written(shared_kb: KnowledgeBase):
    best = shared_kb.search("专票和普票有什么区别?")[0]  # ASCII "?" in the query

    assert best.title == "专票和普票有什么区别？"  # the full-width "？" of faq.yml


def test_hits_carry_the_answer_and_are_ranked(shared_kb: KnowledgeBase):
    hits = shared_kb.search("红字发票是啥", limit=5)

    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].answer and hits[0].title
    assert all(0 < h.score <= 1 for h in hits)


def test_problem_hits_answer_with_the_acknowledgement(shared_kb: KnowledgeBase):
    best = shared_kb.search("上传发票失败")[0]

    assert best.answer == shared_kb.problem("upload_failure").acknowledgement


@pytest.mark.parametrize("limit, expected", [(0, 0), (1, 1), (3, 3)])
def test_limit(shared_kb: KnowledgeBase, limit, expected):
    assert len(shared_kb.search("发票丢了怎么办", limit=limit)) == expected


def test_index_is_built_once_and_rebuilt_after_refresh(kb: KnowledgeBase):
    kb.search("发票")
    first = kb._search_index()

    kb.search("红字发票")
    assert kb._search_index() is first

    kb.refresh()
    assert kb._search_index() is not first


def test_empty_knowledge_base_finds_nothing(sessions):
    assert KnowledgeBase(sessions).search("专票和普票有啥区别") == []


def test_index_without_usable_text_finds_nothing():
    index = SearchIndex([SearchDocument("faq", "x", "？", "！", ("？？",))])

    assert index.query("发票") == []


@pytest.mark.parametrize("text, expected", [
    ("专票和普票有啥区别", ["专票", "普票", "区别"]),
    ("發票沒收到", ["发票", "没收", "收到", "没收到"]),  # traditional; the long word and its parts
    ("ＵＫｅｙ", ["ukey"]),
    ("税务ＵＫｅｙ登\u200b录不上", ["税务", "ukey", "税务ukey", "登录", "登录不上"]),
    ("可以代开发票吗", ["代开", "发票"]),  # not 代/开发票: 代开 is in the user dictionary
])
def test_tokenize(text, expected):
    assert tokenize(text) == expected


def test_search_cuts_words_with_the_jieba_user_dictionary():
    """No word list of its own: data/jieba/userdict.txt, the one Rasa's tokenizer loads."""
    import knowledge.search

    assert not hasattr(knowledge.search, "DOMAIN_WORDS")
    assert "登录不上" in tokenize("电子税务局登录不上")  # a dictionary word, cut whole


@pytest.mark.parametrize("traditional, simplified", [
    ("專票和普票有啥區別", "专票和普票有啥区别"),
    ("數電票是啥", "数电票是啥"),
    ("電子稅務局登錄不上", "电子税务局登录不上"),
])
def test_traditional_queries_find_the_same(shared_kb: KnowledgeBase, traditional, simplified):
    assert shared_kb.search(traditional) == shared_kb.search(simplified)


def test_search_before_the_first_load_does_not_stick(sessions, content_dir):
    from knowledge.loader import load

    kb = KnowledgeBase(sessions)
    assert kb.search("专票和普票有啥区别") == []

    load(sessions, content_dir)

    assert kb.search("专票和普票有啥区别")[0].key == "special_vs_general"
