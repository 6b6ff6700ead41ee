"""Custom Rasa NLU components: text normalisation and the language entity.

Loaded by Rasa (its own environment) from ``config.yml``:

- ``bot.nlu.components.TextNormaliser`` runs before the tokenizer and folds
  Persian and Armenian spelling variants (see :mod:`bot.nlu.normalise`).
- ``bot.nlu.components.LanguageExtractor`` runs last and adds a ``language``
  entity: the language the gateway sent in the message metadata, else the one
  detected from the text. The ``language`` slot is filled from it, and the
  responses are chosen by that slot. Text whose language cannot be told adds no
  entity, so the slot keeps the conversation's language.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.languages import parse_language_tag
from bot.nlu.language_detection import detect_language
from bot.nlu.normalise import normalise_text

LANGUAGE_ENTITY = "language"
METADATA = "metadata"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormaliser(GraphComponent):
    """Rewrites each message's text to its normalised spelling."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormaliser:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalise(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalise(message)
        return messages

    @staticmethod
    def _normalise(message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and text:
            message.set(TEXT, normalise_text(text))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageExtractor(GraphComponent):
    """Adds the message's language as a ``language`` entity."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageExtractor:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            language = self._language_of(message)
            if language is None:
                continue
            entity = {
                "entity": LANGUAGE_ENTITY,
                "value": language,
                "start": 0,
                "end": 0,
                "confidence_entity": 1.0,
                "extractor": self.__class__.__name__,
            }
            message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
        return messages

    @staticmethod
    def _language_of(message: Message) -> str | None:
        metadata = message.get(METADATA) or {}
        if isinstance(metadata, dict):
            from_page = parse_language_tag(metadata.get(LANGUAGE_ENTITY))
            if from_page:
                return from_page
        text = message.get(TEXT)
        return detect_language(text) if isinstance(text, str) else None
