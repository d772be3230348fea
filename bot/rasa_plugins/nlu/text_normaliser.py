"""What the intent classifier reads: one spelling for the many ways people type Chinese.

``ChineseTextNormaliser`` runs before tokenisation, in training and at run time alike, and
applies :func:`bot.zhtext.normalise_for_nlu`:

* NFKC: full-width letters, digits and punctuation (ＵＫｅｙ, ５０２, ！) become their ASCII
  forms, compatibility characters their plain forms; zero-width characters are dropped;
* traditional → simplified characters with OpenCC's ``t2s`` conversion (phrases first, then
  characters), so 「電子稅務局當機了」 reads as 「电子税务局当机了」 and needs no training
  examples of its own.

The tracker keeps the user's text as sent (Rasa stores ``UserMessage.text``); only the text
the NLU pipeline works on changes.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.zhtext import normalise_for_nlu

__all__ = ["ChineseTextNormaliser", "normalise_for_nlu"]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class ChineseTextNormaliser(GraphComponent):
    """Rewrites the text NLU works on with :func:`normalise_for_nlu`."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ChineseTextNormaliser":
        """Builds the component (it has no configuration)."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Normalises each incoming message."""
        for message in messages:
            _normalise(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Normalises the training examples the same way, so both sides match."""
        for example in training_data.training_examples:
            _normalise(example)
        return training_data


def _normalise(message: Message) -> None:
    text = message.get(TEXT)
    if isinstance(text, str) and text:
        message.set(TEXT, normalise_for_nlu(text))
