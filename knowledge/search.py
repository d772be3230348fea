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

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import AbstractSet, List, Sequence, Tuple

import numpy as np

from bot.zhtext import normalise_for_nlu, search_words
from knowledge.types import SearchHit

#: Scores at or above this are good matches; below it, callers should treat the best hit as
#: weak (ask the user to rephrase, or fall back to out-of-scope handling). Calibrated on the
#: shipped content (tests/unit/knowledge/test_knowledge_search.py): paraphrased questions score
#: about 0.32-1.0, off-topic chat ("我想吃火锅", "今天天气怎么样") at most about 0.23.
GOOD_MATCH = 0.3

#: For a message the intent classifier was unsure of (``nlu_fallback``), a FAQ is answered
#: directly only from this score; below it the user is asked which problem they mean. At
#: GOOD_MATCH, 26 of 116 such problem messages of the cross-validation folds would have got a FAQ
#: answer (mostly on a shared word such as 发票号码), at 0.6 8 of them (docs/understanding.md, "Round 9").
STRONG_MATCH = 0.6

#: Weight of the word view; the character view gets the rest.
WORD_WEIGHT = 0.5

STOP_WORDS = frozenset(
    "我 你 您 他 她 它 我们 你们 的 了 吗 呢 吧 啊 呀 哦 嘛 么 和 与 跟 及 或 是 有 在 要 想 能 会 "
    "可以 怎么 怎么样 怎样 如何 什么 啥 咋 请问 请 一下 这个 那个 这 那 就 都 也 还 又 很 太 个 "
    "为什么 哪 哪里 哪些 帮 帮我 给 把 被 让 得 地 着 过 不 没 没有 一个 一些 应该 需要 该 "
    "去 来 到 做 弄 搞 看 说 一张 张 一下子 现在 今天 明天 已经 还是".split()
)

_WORD = re.compile(r"[0-9a-z\u3400-\u9fff]")


def tokenize(text: str, stop_words: AbstractSet[str] = STOP_WORDS) -> List[str]:
    """Normalise ``text`` and cut it into content words (``stop_words`` and punctuation dropped)."""
    text = normalise_for_nlu(text).lower()
    return [t for t in (w.strip() for w in search_words(text))
            if t and _WORD.search(t) and t not in stop_words]


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


class TextVectors:
    """TF-IDF vectors of tokenised texts in two views (word uni/bigrams, in-word character
    1-3-grams), fitted on the texts themselves; `scores` gives every text's cosine similarity to
    a query, as the weighted sum of both views. Shared by `SearchIndex` and
    `knowledge.step_help.StepHelpIndex`.

    Args:
        texts: The texts; those without content words (`tokenize`) are left out, see `rows`.
        stop_words: Words left out of texts and queries (default `STOP_WORDS`).
    """

    def __init__(self, texts: Sequence[str], stop_words: AbstractSet[str] = STOP_WORDS) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._stop_words = stop_words
        tokenised = [(i, tokenize(text, stop_words)) for i, text in enumerate(texts)]
        #: Index into ``texts`` of each vector row.
        self.rows: List[int] = [i for i, tokens in tokenised if tokens]
        kept = [tokens for _, tokens in tokenised if tokens]
        self._word = TfidfVectorizer(analyzer=_word_ngrams, sublinear_tf=True)
        self._char = TfidfVectorizer(analyzer=_char_ngrams, sublinear_tf=True)
        if kept:
            self._word_matrix = self._word.fit_transform(kept)
            self._char_matrix = self._char.fit_transform(kept)

    def scores(self, text: str) -> List[float]:
        """Similarity in [0, 1] of each row to ``text`` (all zero without content words): the
        cosine of the TF-IDF vectors, words the texts never use left out of the query."""
        tokens = tokenize(text or "", self._stop_words)
        if not self.rows or not tokens:
            return [0.0] * len(self.rows)
        # Rows of a TfidfVectorizer are L2-normalised, so the dot product is the cosine.
        word = (self._word_matrix @ self._word.transform([tokens]).T).toarray().ravel()
        char = (self._char_matrix @ self._char.transform([tokens]).T).toarray().ravel()
        return [float(v) for v in WORD_WEIGHT * word + (1 - WORD_WEIGHT) * char]

    def covered_scores(self, text: str) -> List[float]:
        """A stricter similarity in [0, 1] of each row to ``text``, for matching short messages
        against short texts: the geometric mean of

        * the cosine, with the words of ``text`` that no row uses *kept* in the query's length
          (weighted as the rarest words), so that a long message about something else does not
          match on its one shared word; and
        * the row's coverage: the share of the row's (squared, normalised) TF-IDF weight that
          ``text`` contains, so that "还是报错" does not match "报错在哪里看" — the row's
          question part is missing.
        """
        tokens = tokenize(text or "", self._stop_words)
        if not self.rows or not tokens:
            return [0.0] * len(self.rows)
        cosine = np.zeros(len(self.rows))
        coverage = np.zeros(len(self.rows))
        for weight, vectorizer, matrix, analyzer in (
                (WORD_WEIGHT, self._word, self._word_matrix, _word_ngrams),
                (1 - WORD_WEIGHT, self._char, self._char_matrix, _char_ngrams)):
            query = _query_vector(vectorizer, analyzer(tokens), matrix.shape)
            cosine += weight * (matrix @ query)
            coverage += weight * (matrix.multiply(matrix) @ (query > 0).astype(float))
        return [float(v) for v in np.sqrt(np.clip(cosine, 0, 1) * np.clip(coverage, 0, 1))]


def _query_vector(vectorizer, features: Sequence[str], shape: Tuple[int, int]) -> np.ndarray:
    """The L2-normalised TF-IDF vector of a query (sublinear tf, as fitted), whose length counts
    the features outside the vocabulary too, at the idf of a feature no text has."""
    vector = np.zeros(shape[1])
    unseen = 0.0
    idf_unseen = math.log(1 + shape[0]) + 1  # smooth idf with document frequency 0
    for feature, count in Counter(features).items():
        tf = 1 + math.log(count)
        column = vectorizer.vocabulary_.get(feature)
        if column is None:
            unseen += (tf * idf_unseen) ** 2
        else:
            vector[column] = tf * vectorizer.idf_[column]
    norm = math.sqrt(float(vector @ vector) + unseen)
    return vector / norm if norm else vector


class SearchIndex:
    """A TF-IDF index over `SearchDocument`s.

    Args:
        documents: The documents; their texts are vectorised immediately.
    """

    def __init__(self, documents: Sequence[SearchDocument]) -> None:
        self._documents = list(documents)
        texts = [(i, text) for i, doc in enumerate(self._documents) for text in doc.texts]
        self._vectors = TextVectors([text for _, text in texts])
        self._owners = [texts[row][0] for row in self._vectors.rows]

    def query(self, text: str, limit: int = 3) -> List[SearchHit]:
        """The documents most similar to ``text``.

        Args:
            text: The query.
            limit: Maximum number of hits.

        Returns:
            Hits with a positive score, best first (ties by document order).
        """
        if not self._owners or limit <= 0:
            return []
        best = [0.0] * len(self._documents)
        for row, score in enumerate(self._vectors.scores(text)):
            owner = self._owners[row]
            best[owner] = max(best[owner], score)
        ranked = sorted((i for i, s in enumerate(best) if s > 0), key=lambda i: (-best[i], i))
        return [SearchHit(self._documents[i].kind, self._documents[i].key, self._documents[i].title,
                          self._documents[i].answer, round(best[i], 4))
                for i in ranked[:limit]]
