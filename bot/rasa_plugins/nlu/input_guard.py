"""NLU components that keep unusable input from reaching (or confusing) the classifier.

* ``ProblemClauseFocus`` runs after the text normaliser and, for long messages, keeps the
  clauses that state the problem (`bot.zhtext.clauses.focus_on_problem`), at most
  ``max_chars`` characters: a story told first, or a pasted 5,000-character log, would otherwise
  lead the classifier astray and cost seconds of featurisation. The tracker keeps the user's
  full text; only what NLU sees is focused. The whole (normalised) text stays on the message
  as ``FULL_TEXT`` for components that look for quoted errors.
* ``EmptyMessageClassifier`` runs last and sets the intent ``empty_message`` for messages with
  no words in them (empty, whitespace, emoji or punctuation only), whatever the intent classifier guessed.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.app.logmask import install as _mask_personal_data_in_logs
from bot.zhtext.clauses import focus_on_problem

EMPTY_MESSAGE_INTENT = "empty_message"
#: Message attribute with the whole normalised text, before `ProblemClauseFocus` shortened it.
FULL_TEXT = "full_text"

# Imported when the Rasa server loads the model: from then on its logs are masked too.
_mask_personal_data_in_logs()


def has_words(text: str) -> bool:
    """True when ``text`` holds at least one letter, CJK character or digit."""
    return any(unicodedata.category(ch)[0] in ("L", "N") for ch in text or "")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class ProblemClauseFocus(GraphComponent):
    """Keeps the problem-stating clauses of long messages, at most ``max_chars`` characters."""

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
    ) -> "ProblemClauseFocus":
        """Builds the component from its configuration."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Focuses the text of each incoming message."""
        for message in messages:
            self._focus(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """The few long training examples are focused the same way, so both sides match."""
        for example in training_data.training_examples:
            self._focus(example)
        return training_data

    def _focus(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and text:
            message.set(FULL_TEXT, text)
            focused = focus_on_problem(text, self._max_chars)
            if focused != text:
                message.set(TEXT, focused)


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


#: Intent of a message that only gives details (a number, a phone number, a tax ID).
INFORM_INTENT = "inform"
#: Entities that are details the user gives, not a request.
DETAIL_ENTITIES = frozenset({"invoice_number", "invoice_code", "tax_id", "phone_number", "amount", "invoice_date"})
# What may surround the details in such a message: labels and fillers ("号码是", "电话：", "这张"),
# extensions ("转801") and when to call ("下午都在", "工作日随时可以打").
_DETAIL_FILLER = re.compile(
    r"(?:转|分机|ext\.?)\s*\d{1,6}|"
    r"(?:上午|下午|晚上|白天|全天|工作日|周末|明天|今天|随时|一直|都|整天)+"
    r"(?:都|一直)?(?:在|可以打|可以|方便|有空|能接)(?:电话|打电话|接电话)?|联系我|打我电话|打给我|找我|"
    r"发票号码|发票代码|发票号|号码|代码|票号|手机号?|电话|座机|联系方式|税号|纳税人识别号|识别号|信用代码|金额|"
    r"日期|我的|这张|那张|就是|找到了|是|为|的|对|嗯|好|哦|噢|啊|吧|呢|了|和|还有|另外|一个|no|number|tel",
    re.IGNORECASE)


def is_details_only(text: str, entities: List[Dict[str, Any]]) -> bool:
    """Whether ``text`` holds nothing but details: the detail entities found in it, labels,
    fillers, punctuation and spaces — or only digits (a number too short to be an entity)."""
    if not text or not text.strip():
        return False
    spans = sorted((e["start"], e["end"]) for e in entities
                   if e.get("entity") in DETAIL_ENTITIES and isinstance(e.get("start"), int))
    rest, position = [], 0
    for start, end in spans:
        rest.append(text[position:start])
        position = max(position, end)
    rest.append(text[position:])
    left = _DETAIL_FILLER.sub("", "".join(rest))
    left = "".join(ch for ch in left if unicodedata.category(ch)[0] in ("L", "N"))
    if spans:
        return not left
    return left.isdigit()  # "1234": a wrong number is still an answer, not a goodbye


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class DetailsOnlyClassifier(GraphComponent, IntentClassifier):
    """Predicts ``inform`` for messages that only give details ("3456 7890", "电话138-0013-8000",
    "1234"), whatever the intent classifier guessed: a number typed in answer is never a goodbye or a "solved".

    Also for a message the classifier was unsure of (``nlu_fallback``) that gives an invoice
    number ("发票12345678，我们的税号…"): the number can be looked up, which says more than a
    knowledge search of the words around it."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DetailsOnlyClassifier":
        """Builds the component (it has no configuration)."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Overrides the intent of details-only messages."""
        for message in messages:
            entities = message.get(ENTITIES) or []
            unsure = (message.get(INTENT) or {}).get("name") == DEFAULT_NLU_FALLBACK_INTENT_NAME
            gives_number = any(e.get("entity") == "invoice_number" for e in entities)
            if not (is_details_only(message.get(TEXT) or "", entities) or (unsure and gives_number)):
                continue
            intent = {"name": INFORM_INTENT, "confidence": 1.0}
            ranking = [intent] + [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != INFORM_INTENT]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
