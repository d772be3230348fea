"""The keyword-matcher baseline: per-intent keyword lists learned from the training data.

This is what a team without an NLU engine would deploy: if the message contains 登录 it is a
login problem. The lists are not hand-written; they are the most discriminative jieba tokens of
each intent in ``data/nlu`` (so the baseline sees exactly the data the assistant was trained
on, and nobody tuned it against the test files):

* a token is a candidate for intent *i* when it occurs in at least ``min_count`` training
  examples of *i* and at least ``min_precision`` of the examples containing it are labelled *i*;
* its weight is ``precision * log(1 + count)`` (specific and frequent beats either alone);
* each intent keeps its ``per_intent`` heaviest tokens.

Prediction: the intent with the largest sum of weights of its keywords found as substrings of
the (NFKC-normalised, lower-cased) message; ``default_intent`` when none matches.
"""
from __future__ import annotations

import math
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Tuple

from bench.data import Example

Tokenizer = Callable[[str], Iterable[str]]


def normalise(text: str) -> str:
    """NFKC and lower case (full-width letters and digits become ASCII)."""
    return unicodedata.normalize("NFKC", text).lower()


def is_keyword_candidate(token: str) -> bool:
    """Tokens of at least two characters with at least one letter (CJK counts as a letter).

    Single characters (票, 了) and bare numbers match far too much to mean anything.
    """
    token = token.strip()
    return len(token) >= 2 and any(unicodedata.category(ch)[0] == "L" for ch in token)


@dataclass
class KeywordMatcher:
    """Predicts an intent by summing the weights of keywords contained in the message.

    Attributes:
        keywords: intent → keyword → weight.
        default_intent: the answer when no keyword matches.
    """

    keywords: Dict[str, Dict[str, float]]
    default_intent: str = "out_of_scope"

    @classmethod
    def learn(
        cls,
        examples: Iterable[Example],
        tokenize: Tokenizer,
        per_intent: int = 20,
        min_count: int = 2,
        min_precision: float = 0.6,
        default_intent: str = "out_of_scope",
    ) -> "KeywordMatcher":
        """Learn keyword lists from labelled examples (see the module docstring)."""
        in_intent: Dict[str, Counter] = defaultdict(Counter)
        overall: Counter = Counter()
        for example in examples:
            tokens = {normalise(t) for t in tokenize(normalise(example.text))}
            tokens = {t for t in tokens if is_keyword_candidate(t)}
            in_intent[example.intent].update(tokens)
            overall.update(tokens)
        keywords: Dict[str, Dict[str, float]] = {}
        for intent, counts in in_intent.items():
            scored: List[Tuple[float, str]] = []
            for token, count in counts.items():
                precision = count / overall[token]
                if count >= min_count and precision >= min_precision:
                    scored.append((precision * math.log1p(count), token))
            scored.sort(key=lambda pair: (-pair[0], pair[1]))
            keywords[intent] = {token: weight for weight, token in scored[:per_intent]}
        return cls(keywords, default_intent)

    def scores(self, text: str) -> Dict[str, float]:
        """Sum of matched keyword weights per intent (intents without a match are left out)."""
        text = normalise(text)
        result: Dict[str, float] = {}
        for intent, words in self.keywords.items():
            total = sum(weight for word, weight in words.items() if word in text)
            if total > 0:
                result[intent] = total
        return result

    def predict(self, text: str) -> Tuple[str, float]:
        """The best intent and its share of all matched weight (1.0 = only one intent matched).

        Ties go to the alphabetically first intent, so results do not depend on dict order.
        """
        scores = self.scores(text)
        if not scores:
            return self.default_intent, 0.0
        intent, best = min(scores.items(), key=lambda pair: (-pair[1], pair[0]))
        return intent, best / sum(scores.values())
