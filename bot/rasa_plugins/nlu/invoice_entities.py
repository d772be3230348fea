"""``InvoiceEntityExtractor``: Rasa 3.6 entity extractor backed by :mod:`bot.zhtext`.

All eight entities of the assistant (invoice numbers and codes, invoice types, dates,
amounts, tax IDs, error messages, platforms) come from here, never from DIET: exact formats
need validation (tax ID checksums, 8 vs 20 digits), which a statistical tagger cannot give.

Usage in ``config.yml``, after the tokenizer::

    - name: JiebaTokenizer
      dictionary_path: data/jieba
    - name: bot.rasa_plugins.nlu.invoice_entities.InvoiceEntityExtractor

The component is not trainable: it has nothing to learn and nothing to persist, so Rasa
creates it with :meth:`create` at model load time and never puts it in the training graph.
Relative dates (昨天, 上个月) are resolved against the date at processing time in the
configured time zone.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.zhtext import ENTITY_NAMES, china_today, extract, get_nlp, load_user_dictionary
from bot.zhtext.dates import CHINA_TIME_ZONE

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class InvoiceEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds rule-based, validated invoice entities to each message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default configuration.

        * ``user_dictionary``: jieba user dictionary loaded into the global jieba (None:
          ``data/jieba/userdict.txt`` of this repository).
        * ``time_zone``: the zone whose current date resolves 昨天, 上个月 ...
        * ``entities``: entity names to report (None: all of them).
        """
        return {"user_dictionary": None, "time_zone": CHINA_TIME_ZONE, "entities": None}

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        """Only Chinese: the cue words and numerals are Chinese."""
        return ["zh"]

    @staticmethod
    def required_packages() -> List[Text]:
        """Python packages the extraction needs."""
        return ["jieba", "spacy"]

    def __init__(self, config: Dict[Text, Any]) -> None:
        """Creates the extractor.

        Args:
            config: the merged configuration (see :meth:`get_default_config`).
        """
        self._config = {**self.get_default_config(), **config}
        self._time_zone: Text = self._config["time_zone"]
        wanted = self._config["entities"]
        unknown = set(wanted or ()) - set(ENTITY_NAMES)
        if unknown:
            raise ValueError(f"{self.name}: unknown entities {sorted(unknown)}")
        self._entities = frozenset(wanted or ENTITY_NAMES)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> InvoiceEntityExtractor:
        """Creates the component and builds the spaCy pipeline.

        The pipeline is built here, at model load time, rather than on the first message:
        loading the user dictionary changes the global jieba, and doing it before any
        message is tokenised keeps every message's tokens consistent.
        """
        component = cls(config)
        path = component._config["user_dictionary"]
        load_user_dictionary(Path(path) if path else None)
        get_nlp()
        return component

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the extracted entities to each message.

        An entity is not added when the message already holds an entity of the same type
        over an overlapping span (from another extractor, or given explicitly).

        Args:
            messages: the messages to process.

        Returns:
            The same messages, modified in place.
        """
        today = china_today(self._time_zone)
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            existing = message.get(ENTITIES, [])
            new = [
                entity
                for entity in self._entities_of(text, today)
                if not _duplicates(entity, existing)
            ]
            if not new:
                continue
            message.set(
                ENTITIES, existing + self.add_extractor_name(new), add_to_output=True
            )
        return messages

    def _entities_of(self, text: Text, today: Any) -> List[Dict[Text, Any]]:
        return [
            {
                ENTITY_ATTRIBUTE_TYPE: entity.entity,
                ENTITY_ATTRIBUTE_START: entity.start,
                ENTITY_ATTRIBUTE_END: entity.end,
                ENTITY_ATTRIBUTE_VALUE: entity.value,
                ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: entity.confidence,
            }
            for entity in extract(text, today)
            if entity.entity in self._entities
        ]


def _duplicates(entity: Dict[Text, Any], existing: List[Dict[Text, Any]]) -> bool:
    """True when ``existing`` holds the same entity type over an overlapping span."""
    for other in existing:
        if other.get(ENTITY_ATTRIBUTE_TYPE) != entity[ENTITY_ATTRIBUTE_TYPE]:
            continue
        start, end = other.get(ENTITY_ATTRIBUTE_START), other.get(ENTITY_ATTRIBUTE_END)
        if start is None or end is None:
            if other.get(ENTITY_ATTRIBUTE_VALUE) == entity[ENTITY_ATTRIBUTE_VALUE]:
                return True  # e.g. /inform{"invoice_number": "12345678"} has no offsets
            continue
        if start < entity[ENTITY_ATTRIBUTE_END] and entity[ENTITY_ATTRIBUTE_START] < end:
            return True
    return False
