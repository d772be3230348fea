"""NLU components that keep unusable input from reaching (or confusing) the classifier.

* ``InputTruncator`` runs first and cuts very long messages before tokenisation: a pasted
  5,000-character log would otherwise cost seconds of featurisation. The tracker keeps the
  user's full text; only what NLU sees is shortened.
* ``EmptyMessageClassifier`` runs last and sets the intent ``empty_message`` for messages with
  no words in them (empty, whitespace, emoji or punctuation only), whatever DIET guessed.
"""
from __future__ import annotations

import unicodedata
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.app.logmask import install as _mask_personal_data_in_logs

EMPTY_MESSAGE_INTENT = "empty_message"

# Imported when the Rasa server loads the model: from then on its logs are masked too.
_mask_personal_data_in_logs()


def has_words(text: str) -> bool:
    """True when ``text`` holds at least one letter, CJK character or digit."""
    return any(unicodedata.category(ch)[0] in ("L", "N") for ch in text or "")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class InputTruncator(GraphComponent):
    """Shortens the text NLU works on to ``max_chars`` characters."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """``max_chars``: the longest text passed on to tokenisation."""
        return {"max_chars": 300}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._max_chars = int(config["max_chars"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "InputTruncator":
        """Builds the component from its configuration."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Truncates the text of each incoming message."""
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and len(text) > self._max_chars:
                message.set(TEXT, text[: self._max_chars])
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are short; they pass unchanged."""
        return training_data


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class EmptyMessageClassifier(GraphComponent, IntentClassifier):
    """Predicts ``empty_message`` for input without any words."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EmptyMessageClassifier":
        """Builds the component (it has no configuration)."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Overrides the intent of word-less messages."""
        for message in messages:
            if has_words(message.get(TEXT) or ""):
                continue
            intent = {"name": EMPTY_MESSAGE_INTENT, "confidence": 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages
