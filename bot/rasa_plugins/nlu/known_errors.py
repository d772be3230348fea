"""``KnownErrorClassifier``: a pasted error message decides the problem before the statistical model's guess does.

Error texts are full of words that mislead a statistical model (a UKey PIN error contains
开具, a login binding error contains 未查询到). When the message quotes an entry of the error
catalogue (knowledge/content/errors.yml, matched by `knowledge.error_catalogue`), this
component, placed after the intent classifier and the fallback classifier, sets the intent to the entry's problem
with confidence 1 and adds a ``known_error`` entity holding the entry's key; the actions then
start the troubleshooting at that error's specific fix.

The catalogue is read from the knowledge content directory when the model is loaded, and read
again when ``errors.yml`` changes on disk (checked at most every ``reload_seconds``), so an
edited catalogue takes effect without retraining or restarting the Rasa server.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.app.settings import Settings
from bot.rasa_plugins.nlu.input_guard import FULL_TEXT
from knowledge.error_catalogue import CATALOGUE_FILE, ErrorCatalogue, load_catalogue
from knowledge.errors import KnowledgeError

logger = logging.getLogger(__name__)

KNOWN_ERROR_ENTITY = "known_error"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class KnownErrorClassifier(GraphComponent, IntentClassifier):
    """Sets the intent of messages that quote a catalogued error to that error's problem."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """``content_dir``: the knowledge content (default: ``KNOWLEDGE_CONTENT_DIR``);
        ``reload_seconds``: how often ``errors.yml`` is checked for changes."""
        return {"content_dir": None, "reload_seconds": 5.0}

    def __init__(self, config: Dict[Text, Any]) -> None:
        content_dir = config.get("content_dir") or Settings.from_env().knowledge_content_dir
        self._path = Path(content_dir) / CATALOGUE_FILE
        self._reload_seconds = float(config["reload_seconds"])
        self._catalogue = ErrorCatalogue(())
        self._loaded_mtime: Optional[float] = None
        self._checked_at = 0.0
        self._refresh(force=True)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "KnownErrorClassifier":
        """Builds the component and reads the catalogue."""
        return cls(config)

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_at < self._reload_seconds:
            return
        self._checked_at = now
        try:
            mtime = os.stat(self._path).st_mtime
        except OSError:
            if force:
                logger.warning("No error catalogue at %s: pasted errors are left to the intent classifier", self._path)
            return
        if mtime == self._loaded_mtime:
            return
        try:
            self._catalogue = load_catalogue(self._path.parent)
        except KnowledgeError as error:  # keep the previous catalogue; say why
            logger.error("Error catalogue not (re)loaded: %s", error)
            return
        self._loaded_mtime = mtime
        logger.info("Error catalogue: %d entries from %s", len(self._catalogue), self._path)

    def process(self, messages: List[Message]) -> List[Message]:
        """Overrides the intent of messages that quote a catalogued error."""
        self._refresh()
        for message in messages:
            text = message.get(FULL_TEXT) or message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            match = self._catalogue.match(text)
            if match is None:
                continue
            intent = {"name": match.error.problem, "confidence": 1.0}
            ranking = [intent] + [r for r in message.get(INTENT_RANKING_KEY) or []
                                  if r.get("name") != match.error.problem]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != KNOWN_ERROR_ENTITY]
            entities.append({
                "entity": KNOWN_ERROR_ENTITY, "value": match.error.key,
                "start": 0, "end": len(message.get(TEXT) or ""),
                "confidence_entity": match.score, "extractor": type(self).__name__,
            })
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
