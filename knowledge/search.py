"""Similarity search over FAQ entries and problems (jieba + TF-IDF + cosine similarity).

Text goes through :func:`bot.zhtext.normalise_for_nlu` (NFKC, zero-width characters dropped,
traditional → simplified), is lower-cased and cut into words by :func:`bot.zhtext.search_words`
(a private jieba tokenizer with the domain dictionary ``data/jieba/userdict.txt`` that Rasa's
tokenizer uses; a long word also gives the dictionary words inside it, as in jieba's search
mode); stop words and punctuation are dropped, and two TF-IDF views are compared with the
cosine: word unigrams and bigrams, and character 1-3-grams inside words (robust to segmentation
differences such as 专票 / 专用发票).
A document's score is the best score over its texts (a FAQ question and its variants; a
problem's title and symptoms).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Sequence, Tuple

from bot.zhtext import normalise_for_nlu, search_words
from knowledge.types import SearchHit

#: Scores at or above this are good matches; below it, callers should treat the best hit as
#: weak (ask the user to rephrase, or fall back to out-of-scope handling). Calibrated on the
#: shipped content (tests/unit/knowledge/test_knowledge_search.py): paraphrased questions score
#: about 0.32-1.0, off-topic chat ("我想吃火锅", "今天天气怎么样") at most about 0.23.
GOOD_MATCH = 0.3

#: Weight of the word view; the character view gets the rest.
WORD_WEIGHT = 0.5

STOP_WORDS = frozenset(
    "我 你 您 他 她 它 我们 你们 的 了 吗 呢 吧 啊 呀 哦 嘛 么 和 与 跟 及 或 是 有 在 要 想 能 会 "
    "可以 怎么 怎么样 怎样 如何 什么 啥 咋 请问 请 一下 这个 那个 这 那 就 都 也 还 又 很 太 个 "
    "为什么 哪 哪里 哪些 帮 帮我 给 把 被 让 得 地 着 过 不 没 没有 一个 一些 应该 需要 该 "
    "去 来 到 做 弄 搞 看 说 一张 张 一下子 现在 今天 明天 已经 还是".split()
)

_WORD = re.compile(r"[0-9a-z\u3400-\u9fff]")


def tokenize(text: str) -> List[str]:
    """Normalise ``text`` and cut it into content words (stop words and punctuation dropped)."""
    text = normalise_for_nlu(text).lower()
    return [t for t in (w.strip() for w in search_words(text))
            if t and _WORD.search(t) and t not in STOP_WORDS]


def _word_ngrams(tokens: Sequence[str]) -> List[str]:
    return list(tokens) + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def _char_ngrams(tokens: Sequence[str]) -> List[str]:
    # Within words only, and unpadded: sklearn's "char_wb" pads words with spaces, which gives
    # every text a shared " " feature and every query a baseline score.
    return [token[i:i + n] for token in tokens for n in (1, 2, 3) for i in range(len(token) - n + 1)]


@dataclass(frozen=True)
class SearchDocument:
    """Something search can find.

    Attributes:
        kind: ``"faq"`` or ``"problem"``.
        key: Its key.
        title: Shown as the hit's title.
        answer: Shown as the hit's answer.
        texts: The texts it is found by.
    """

    kind: str
    key: str
    title: str
    answer: str
    texts: Tuple[str, ...]


class SearchIndex:
    """A TF-IDF index over `SearchDocument`s.

    Args:
        documents: The documents; their texts are vectorised immediately.
    """

    def __init__(self, documents: Sequence[SearchDocument]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._documents = list(documents)
        rows = [(i, tokens) for i, doc in enumerate(self._documents) for text in doc.texts
                for tokens in [tokenize(text)] if tokens]
        self._owners = [i for i, _ in rows]
        self._word = TfidfVectorizer(analyzer=_word_ngrams, sublinear_tf=True)
        self._char = TfidfVectorizer(analyzer=_char_ngrams, sublinear_tf=True)
        if rows:
            self._word_matrix = self._word.fit_transform([tokens for _, tokens in rows])
            self._char_matrix = self._char.fit_transform([tokens for _, tokens in rows])

    def query(self, text: str, limit: int = 3) -> List[SearchHit]:
        """The documents most similar to ``text``.

        Args:
            text: The query.
            limit: Maximum number of hits.

        Returns:
            Hits with a positive score, best first (ties by document order).
        """
        tokens = tokenize(text or "")
        if not self._owners or not tokens or limit <= 0:
            return []
        # Rows of a TfidfVectorizer are L2-normalised, so the dot product is the cosine.
        word = (self._word_matrix @ self._word.transform([tokens]).T).toarray().ravel()
        char = (self._char_matrix @ self._char.transform([tokens]).T).toarray().ravel()
        best = [0.0] * len(self._documents)
        for row, score in enumerate(WORD_WEIGHT * word + (1 - WORD_WEIGHT) * char):
            owner = self._owners[row]
            best[owner] = max(best[owner], float(score))
        ranked = sorted((i for i, s in enumerate(best) if s > 0), key=lambda i: (-best[i], i))
        return [SearchHit(self._documents[i].kind, self._documents[i].key, self._documents[i].title,
                          self._documents[i].answer, round(best[i], 4))
                for i in ranked[:limit]]
