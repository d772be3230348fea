"""``LinearIntentClassifier``: character and word n-grams, a linear SVM or logistic regression —
alone or blended with DIET.

Real users' messages share little vocabulary with the examples a team writes, but they share
character sequences (错误码, 查无此票, 登录失效 inside longer pastes). A linear model over TF-IDF
character n-grams of the normalised text plus word n-grams of the jieba tokens generalises from
few examples, trains in seconds and parses in about a millisecond.

Features (each block TF-IDF with sublinear tf, L2-normalised, then weighted and stacked):

* ``char``: character n-grams (``char_ngram_min``..``char_ngram_max``) of the lower-cased text the
  earlier components produced (``ChineseTextNormaliser``, ``ProblemClauseFocus``);
* ``word``: word n-grams (``word_ngram_min``..``word_ngram_max``) of the tokens of the tokenizer
  before it in the pipeline (``JiebaTokenizer`` with the project's dictionary);
* ``dense`` (when ``dense_weight`` > 0): the dense sentence features an earlier featurizer put on
  the message (``WordVectorFeaturizer``: pretrained word vectors), times ``dense_weight``; a
  message without them gets zeros.

Classifier (``learner``): a linear SVM (one-vs-rest, squared hinge; ``C``, ``class_weight``) or
multinomial logistic regression. Both score an intent as features · coef + intercept; the
ranking's probabilities are ``softmax(score_scale * scores)``. The logistic regression's scores
are log-odds (``score_scale`` 1); the SVM's margins are scaled so that the FallbackClassifier's
threshold sends about as many messages to the fallback as the logistic regression did
(docs/understanding.md, "Model choice", round 5). ``random_state`` seeds the solver, so the same
data always gives the same model.

Placed after an intent classifier that already ranked the intents (DIET), the component blends
the two distributions: ``p = weight * p_linear + (1 - weight) * p_previous`` (``weight`` = 1
ignores the earlier classifier; intents missing from its ranking count as 0). Placed without
one, it is the intent classifier. ``expose_rankings`` adds both distributions to the parse result
(``linear_intent_ranking``, ``previous_intent_ranking``) for evaluation; it is off in production.

Persistence: the vocabularies and IDF weights as JSON, the coefficients as a NumPy ``.npz``
archive (loaded with ``allow_pickle=False``) in the component's model storage — no pickled
objects in the model archive.
"""
from __future__ import annotations

import json
import logging
import math
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

LINEAR_RANKING = "linear_intent_ranking"
PREVIOUS_RANKING = "previous_intent_ranking"
_VOCABULARY_FILE = "vocabulary.json"
_WEIGHTS_FILE = "weights.npz"
_WORD_SEPARATOR = "\u0001"  # never inside a token


def _word_analyzer(ngram_min: int, ngram_max: int):
    """Word n-grams of a token sequence joined by ``_WORD_SEPARATOR``."""

    def analyse(joined: str) -> List[str]:
        tokens = [t for t in joined.split(_WORD_SEPARATOR) if t]
        grams: List[str] = []
        for n in range(ngram_min, ngram_max + 1):
            grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
        return grams

    return analyse


def message_tokens(message: Message) -> List[str]:
    """The lower-cased, non-blank token texts of the message (from the tokenizer before us)."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return [t.text.lower() for t in tokens if t.text.strip()]


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def blend(linear: Dict[str, float], previous: Dict[str, float], weight: float) -> Dict[str, float]:
    """``weight * linear + (1 - weight) * previous`` over the union of intents (0 when absent),
    renormalised to sum 1."""
    names = set(linear) | set(previous)
    mixed = {n: weight * linear.get(n, 0.0) + (1.0 - weight) * previous.get(n, 0.0) for n in names}
    total = sum(mixed.values()) or 1.0
    return {n: v / total for n, v in mixed.items()}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """TF-IDF character + word n-grams and a linear model; optionally blended with DIET."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """See the module docstring for the meaning of each setting."""
        return {
            "char_ngram_min": 1,
            "char_ngram_max": 4,
            "word_ngram_min": 1,
            "word_ngram_max": 2,
            "char_weight": 1.0,
            "word_weight": 1.0,
            # Weight of the earlier featurizers' dense sentence features (0 = not used).
            "dense_weight": 0.0,
            "min_df": 1,
            # "logistic_regression" (multinomial) or "linear_svc" (one-vs-rest linear SVM).
            "learner": "logistic_regression",
            "C": 10.0,
            "class_weight": None,
            # Probabilities are softmax(score_scale * scores): 1 for the logistic regression.
            "score_scale": 1.0,
            "max_iter": 3000,
            # Seed of the solver's shuffling (liblinear's coordinate descent): the same data gives
            # the same model, so a gate measured on one training holds on the next.
            "random_state": 0,
            # Share of this model in the blend with an earlier classifier's ranking (1 = alone).
            "weight": 1.0,
            "ranking_length": 10,
            "expose_rankings": False,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabularies: Optional[Dict[str, Dict[str, int]]] = None,
        idf: Optional[Dict[str, np.ndarray]] = None,
        coef: Optional[np.ndarray] = None,
        intercept: Optional[np.ndarray] = None,
        classes: Optional[Sequence[str]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._vectorizers: Dict[str, Any] = {}
        self._coef = coef
        self._intercept = intercept
        self._weights_by_feature: Optional[np.ndarray] = None
        self._blocks: Optional[List[Tuple[Any, Dict[str, int], np.ndarray, float, int]]] = None
        self._classes: List[str] = list(classes or [])
        self._dense_dims = 0
        if coef is not None and vocabularies is not None:
            self._dense_dims = int(coef.shape[1]) - sum(len(v) for v in vocabularies.values())
        if vocabularies is not None and idf is not None:
            for name in ("char", "word"):
                self._vectorizers[name] = self._vectorizer(name, vocabularies[name], idf[name])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        """A new, untrained component."""
        return cls(config, model_storage, resource)

    @staticmethod
    def required_packages() -> List[Text]:
        """scikit-learn (installed with Rasa)."""
        return ["sklearn"]

    # -- features -----------------------------------------------------------------------------

    def _vectorizer(self, name: str, vocabulary: Optional[Dict[str, int]] = None,
                    idf: Optional[np.ndarray] = None) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        c = self._config
        if name == "char":
            vectorizer = TfidfVectorizer(
                analyzer="char", lowercase=True, sublinear_tf=True, vocabulary=vocabulary,
                ngram_range=(int(c["char_ngram_min"]), int(c["char_ngram_max"])),
                min_df=int(c["min_df"]), dtype=np.float32)
        else:
            vectorizer = TfidfVectorizer(
                analyzer=_word_analyzer(int(c["word_ngram_min"]), int(c["word_ngram_max"])),
                lowercase=False, sublinear_tf=True, vocabulary=vocabulary,
                min_df=int(c["min_df"]), dtype=np.float32)
        if idf is not None:
            vectorizer.idf_ = idf
        return vectorizer

    @staticmethod
    def _inputs(messages: Sequence[Message]) -> Dict[str, List[str]]:
        return {
            "char": [str(m.get(TEXT) or "") for m in messages],
            "word": [_WORD_SEPARATOR.join(message_tokens(m)) for m in messages],
        }

    def _features(self, messages: Sequence[Message], fit: bool = False) -> Any:
        from scipy.sparse import csr_matrix, hstack

        inputs = self._inputs(messages)
        blocks = []
        for name in ("char", "word"):
            vectorizer = self._vectorizers[name]
            matrix = vectorizer.fit_transform(inputs[name]) if fit else vectorizer.transform(inputs[name])
            blocks.append(matrix * float(self._config[f"{name}_weight"]))
        if self._dense_dims:
            blocks.append(csr_matrix(self._dense(messages)))
        return hstack(blocks).tocsr()

    def _dense(self, messages: Sequence[Message]) -> np.ndarray:
        """The weighted dense sentence features (rows; zeros for a message without them)."""
        rows = np.zeros((len(messages), self._dense_dims), dtype=np.float32)
        for row, message in enumerate(messages):
            vector = dense_sentence_features(message)
            if vector is not None and vector.shape[0] == self._dense_dims:
                rows[row] = vector
        return rows * float(self._config["dense_weight"])

    # -- training -----------------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the vectorizers and the linear model (``learner``) on the intent examples."""
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        labels = [str(e.get(INTENT)) for e in examples]
        if len(set(labels)) < 2:
            logger.warning("LinearIntentClassifier: fewer than two intents, not trained")
            return self._resource
        self._vectorizers = {name: self._vectorizer(name) for name in ("char", "word")}
        self._dense_dims = self._dense_dims_of(examples)
        features = self._features(examples, fit=True)
        model = self._learner()
        model.fit(features, labels)
        self._classes = [str(c) for c in model.classes_]
        coef, intercept = np.asarray(model.coef_), np.asarray(model.intercept_)
        if coef.shape[0] == 1:  # two intents: one score s for the second one, i.e. (-s/2, s/2)
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.hstack([-intercept / 2, intercept / 2])
        self._coef = coef.astype(np.float32)
        self._intercept = intercept.astype(np.float32)
        self._weights_by_feature = None  # the prediction tables are made again from the new model
        self._blocks = None
        self.persist()
        return self._resource

    def _dense_dims_of(self, examples: Sequence[Message]) -> int:
        if float(self._config["dense_weight"]) <= 0:
            return 0
        sizes = {v.shape[0] for v in map(dense_sentence_features, examples) if v is not None}
        if len(sizes) != 1:
            raise ValueError("LinearIntentClassifier: dense_weight is set, but the training messages "
                             f"have dense sentence features of sizes {sorted(sizes)} (a featurizer such "
                             "as WordVectorFeaturizer must run before it)")
        return sizes.pop()

    def _learner(self) -> Any:
        """The untrained scikit-learn estimator ``learner`` names."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        c = self._config
        if c["learner"] == "linear_svc":
            return LinearSVC(C=float(c["C"]), max_iter=int(c["max_iter"]), class_weight=c["class_weight"],
                             random_state=c["random_state"])
        if c["learner"] == "logistic_regression":
            return LogisticRegression(C=float(c["C"]), max_iter=int(c["max_iter"]),
                                      class_weight=c["class_weight"], random_state=c["random_state"])
        raise ValueError(f"LinearIntentClassifier: unknown learner {c['learner']!r}")

    def persist(self) -> None:
        """Vocabularies and IDF as JSON, coefficients as ``.npz`` (no pickles)."""
        if self._coef is None or self._intercept is None:
            return
        with self._model_storage.write_to(self._resource) as directory:
            vocabularies = {name: {term: int(index) for term, index in v.vocabulary_.items()}
                            for name, v in self._vectorizers.items()}
            (directory / _VOCABULARY_FILE).write_text(json.dumps({
                "classes": self._classes,
                "vocabularies": vocabularies,
                "idf": {name: [float(x) for x in v.idf_] for name, v in self._vectorizers.items()},
            }, ensure_ascii=False), encoding="utf-8")
            np.savez_compressed(directory / _WEIGHTS_FILE, coef=self._coef, intercept=self._intercept)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        """The trained component, or an untrained one (which predicts nothing) if none was saved."""
        try:
            with model_storage.read_from(resource) as directory:
                saved = json.loads((directory / _VOCABULARY_FILE).read_text(encoding="utf-8"))
                with np.load(directory / _WEIGHTS_FILE, allow_pickle=False) as weights:
                    coef, intercept = weights["coef"], weights["intercept"]
        except (ValueError, FileNotFoundError):
            logger.warning("LinearIntentClassifier: no trained model in the archive")
            return cls(config, model_storage, resource)
        idf = {name: np.asarray(values, dtype=np.float32) for name, values in saved["idf"].items()}
        return cls(config, model_storage, resource, saved["vocabularies"], idf, coef, intercept,
                   saved["classes"])

    # -- prediction ---------------------------------------------------------------------------

    def predict_proba(self, messages: Sequence[Message]) -> np.ndarray:
        """Probabilities over :attr:`classes` for each message (rows)."""
        if self._coef is None or self._intercept is None or not self._vectorizers:
            return np.zeros((len(messages), 0), dtype=np.float32)
        if self._weights_by_feature is None:
            # Features × classes in C order, made once: ``self._coef.T`` is a Fortran-ordered
            # view, and scipy's sparse @ dense converted all of it on every parse (4 ms; py-spy).
            self._weights_by_feature = np.ascontiguousarray(self._coef.T, dtype=np.float64)
        weights = self._weights_by_feature
        scores = np.zeros((len(messages), weights.shape[1]))
        for row, (columns, values) in enumerate(self._feature_rows(messages)):
            if len(columns):
                scores[row] = values @ weights[columns]
        return softmax(float(self._config["score_scale"]) * (scores + self._intercept))

    def _feature_rows(self, messages: Sequence[Message]) -> List[Tuple[np.ndarray, np.ndarray]]:
        """Each message's non-zero features (columns, values), as :meth:`_features` computes
        them with scikit-learn at training time: per block, counts of the vocabulary's n-grams,
        sublinear tf (1 + ln tf) times IDF, L2-normalised, times the block's weight.

        Written out because ``TfidfVectorizer.transform`` spent most of a parse on checks and on
        rebuilding its IDF diagonal for one message (py-spy: 9 % of the Rasa server's CPU)."""
        if self._blocks is None:
            self._blocks = []
            offset = 0
            for name in ("char", "word"):
                vectorizer = self._vectorizers[name]
                vocabulary = getattr(vectorizer, "vocabulary_", None) or vectorizer.vocabulary
                idf = np.asarray(vectorizer.idf_, dtype=np.float64)
                self._blocks.append((vectorizer.build_analyzer(), vocabulary, idf,
                                     float(self._config[f"{name}_weight"]), offset))
                offset += len(idf)
        inputs = self._inputs(messages)
        rows = []
        for index in range(len(messages)):
            columns: List[np.ndarray] = []
            values: List[np.ndarray] = []
            for (analyse, vocabulary, idf, weight, offset), name in zip(self._blocks, ("char", "word")):
                counts = Counter(j for j in (vocabulary.get(term) for term in analyse(inputs[name][index]))
                                 if j is not None)
                if not counts:
                    continue
                found = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                tfidf = (1.0 + np.log(tf)) * idf[found]
                norm = math.sqrt(float(tfidf @ tfidf))
                columns.append(found + offset)
                values.append(tfidf * (weight / norm))
            rows.append((np.concatenate(columns), np.concatenate(values)) if columns
                        else (np.zeros(0, dtype=np.int64), np.zeros(0)))
        if self._dense_dims:
            offset = sum(len(block[2]) for block in self._blocks)
            dense_columns = np.arange(offset, offset + self._dense_dims)
            for index, vector in enumerate(self._dense(messages)):
                columns_, values_ = rows[index]
                rows[index] = (np.concatenate([columns_, dense_columns]),
                               np.concatenate([values_, vector.astype(np.float64)]))
        return rows

    @property
    def classes(self) -> Tuple[str, ...]:
        """The intents, in the order of :meth:`predict_proba`'s columns."""
        return tuple(self._classes)

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets the intent and ranking (blended with an earlier classifier's, if configured)."""
        if not messages or self._coef is None:
            return messages
        probabilities = self.predict_proba(messages)
        weight = float(self._config["weight"])
        length = int(self._config["ranking_length"])
        for message, row in zip(messages, probabilities):
            linear = {name: float(p) for name, p in zip(self._classes, row)}
            previous = {r["name"]: float(r.get("confidence") or 0.0)
                        for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name")}
            if self._config["expose_rankings"]:
                message.set(LINEAR_RANKING, _ranking(linear, 0), add_to_output=True)
                message.set(PREVIOUS_RANKING, _ranking(previous, 0), add_to_output=True)
            combined = blend(linear, previous, weight) if previous and weight < 1.0 else linear
            ranking = _ranking(combined, length)
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


def dense_sentence_features(message: Message) -> Optional[np.ndarray]:
    """The message text's dense sentence features (all dense featurizers', concatenated)."""
    _, sentence = message.get_dense_features(TEXT)
    return None if sentence is None else np.asarray(sentence.features, dtype=np.float32).reshape(-1)


def _ranking(scores: Dict[str, float], length: int) -> List[Dict[str, Any]]:
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    if length > 0:
        ordered = ordered[:length]
    return [{"name": name, "confidence": confidence} for name, confidence in ordered]
