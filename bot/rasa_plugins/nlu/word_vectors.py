"""``WordVectorFeaturizer``: a sentence vector from word vectors distilled from a pretrained
multilingual encoder (``bot.rasa_plugins.nlu.e5_encoder``, multilingual-e5-small).

Why: the TF-IDF n-grams of ``LinearIntentClassifier`` only know the words of the training
examples. Real users name the same problem in words no example used (卡包 / 票夹 / 收票箱,
转圈 / 卡住 / 没反应); a pretrained encoder places such words near each other. Encoding every
message with the full encoder costs about 25 ms of CPU for a short message and 45 ms for 40
characters (a whole turn costs about 7 ms otherwise), so each *word* is encoded once, on its own, and a
message is the mean of its words' vectors (a static embedding distilled from the encoder, as
model2vec does). Cross-validation by source: docs/understanding.md, "Round 8: pretrained word
vectors".

* Training: the vectors of every token of the training messages are computed once and stored in
  the model archive (float16, 2.2 MB for 3,222 words).
* A message: the mean of its tokens' vectors, L2-normalised, as a dense *sentence* feature of
  ``text`` (``Message.get_dense_features``). A token the archive does not have is encoded when
  first seen and kept in a bounded in-memory cache; at most ``max_new_words_per_message`` new
  tokens of one message are encoded (the rest are left out), so random text cannot make a turn
  expensive. Digits are folded to ``0`` (an invoice number is one word, not a new one each time)
  and tokens longer than ``max_token_chars`` (URLs, hex dumps) are left out.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Text, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.nlu import e5_encoder

logger = logging.getLogger(__name__)

_WORDS_FILE = "words.json"
_VECTORS_FILE = "vectors.npz"
_DIGITS = re.compile(r"\d+")


def word_key(token: str) -> Optional[str]:
    """The form a token is looked up and encoded in, or None for a token left out."""
    key = _DIGITS.sub("0", token.strip().lower())
    return key or None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class WordVectorFeaturizer(DenseFeaturizer, GraphComponent):
    """Mean of pretrained word vectors as a dense sentence feature of the message text."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """A tokenizer must run first."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """See the module docstring."""
        return {
            **DenseFeaturizer.get_default_config(),
            "cache_size": 50_000,
            "max_new_words_per_message": 16,
            "max_token_chars": 20,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        """The encoder's engine and weights."""
        return [e5_encoder.PACKAGE]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Nothing to check beyond the defaults."""

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource, words: Optional[Sequence[str]] = None,
                 vectors: Optional[np.ndarray] = None) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self._index: Dict[str, int] = {w: i for i, w in enumerate(words or [])}
        self._vectors = vectors
        self._new_words: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "WordVectorFeaturizer":
        """A new component without vectors (they are made by :meth:`train`)."""
        return cls(config, execution_context.node_name, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "WordVectorFeaturizer":
        """The trained component; without stored vectors every word is encoded when seen."""
        try:
            with model_storage.read_from(resource) as directory:
                saved = json.loads((directory / _WORDS_FILE).read_text(encoding="utf-8"))
                with np.load(directory / _VECTORS_FILE, allow_pickle=False) as archive:
                    vectors = archive["vectors"].astype(np.float32)
        except (ValueError, FileNotFoundError):
            logger.warning("WordVectorFeaturizer: no stored vectors in the archive")
            return cls(config, execution_context.node_name, model_storage, resource)
        if saved.get("encoder") != e5_encoder.identity():
            logger.warning("WordVectorFeaturizer: the vectors were made by %s, the installed encoder "
                           "is %s; train the model again", saved.get("encoder"), e5_encoder.identity())
        return cls(config, execution_context.node_name, model_storage, resource, saved["words"], vectors)

    # -- training -----------------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        """Encodes every word of the training messages once and stores the vectors."""
        words = sorted({key for message in training_data.training_examples
                        for key in self._keys(message)})
        stored = e5_encoder.encode(words).astype(np.float16)
        self._vectors = stored.astype(np.float32)  # the values a loaded model will have
        self._index = {w: i for i, w in enumerate(words)}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _WORDS_FILE).write_text(json.dumps(
                {"words": words, "encoder": e5_encoder.identity()}, ensure_ascii=False), encoding="utf-8")
            np.savez_compressed(directory / _VECTORS_FILE, vectors=stored)
        logger.info("WordVectorFeaturizer: %d word vectors", len(words))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds the sentence vector to every training message with a text."""
        self.process(training_data.training_examples)
        return training_data

    # -- messages -----------------------------------------------------------------------------

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the sentence vector (1 × dim) of each message's text."""
        for message in messages:
            if not message.get(TEXT) or not message.get(TOKENS_NAMES[TEXT]):
                continue
            vector = self.sentence_vector(self._keys(message))
            if vector is not None:
                self.add_features_to_message(None, vector.reshape(1, -1), TEXT, message)
        return messages

    def _keys(self, message: Message) -> List[str]:
        limit = int(self._config["max_token_chars"])
        keys = (word_key(t.text) for t in message.get(TOKENS_NAMES[TEXT]) or [])
        return [k for k in keys if k and len(k) <= limit]

    def sentence_vector(self, keys: Sequence[str]) -> Optional[np.ndarray]:
        """The L2-normalised mean of the words' vectors; None when none of them has one."""
        vectors = self._word_vectors(keys)
        if not vectors:
            return None
        mean = np.mean(vectors, axis=0)
        norm = float(np.linalg.norm(mean))
        return (mean / norm).astype(np.float32) if norm > 0 else None

    def _word_vectors(self, keys: Sequence[str]) -> List[np.ndarray]:
        known: Dict[str, np.ndarray] = {}
        unseen: List[str] = []
        with self._lock:
            for key in dict.fromkeys(keys):
                row = self._index.get(key)
                if row is not None and self._vectors is not None:
                    known[key] = self._vectors[row]
                elif key in self._new_words:
                    self._new_words.move_to_end(key)
                    known[key] = self._new_words[key]
                else:
                    unseen.append(key)
        unseen = unseen[: int(self._config["max_new_words_per_message"])]
        if unseen:
            encoded = e5_encoder.encode(unseen)
            with self._lock:
                for key, vector in zip(unseen, encoded):
                    known[key] = self._new_words[key] = vector
                while len(self._new_words) > int(self._config["cache_size"]):
                    self._new_words.popitem(last=False)
        return [known[k] for k in keys if k in known]
