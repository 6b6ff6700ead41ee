"""Custom Rasa NLU components: text normalisation and the language entity.

Loaded by Rasa (its own environment) from ``config.yml``:

- ``bot.nlu.components.TextNormaliser`` runs before the tokenizer and folds
  Persian and Armenian spelling variants (see :mod:`bot.nlu.normalise`).
- ``bot.nlu.components.RetrievalConfidenceGate`` runs after the response
  selector: an FAQ question whose answer the selector is unsure of (below
  ``threshold``) becomes ``nlu_fallback``, as the FallbackClassifier does for
  intents. Out-of-scope questions that share an FAQ's words ("track my
  friend's flight") land here instead of in an unrelated answer.
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
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.languages import parse_language_tag
from bot.nlu.language_detection import detect_language
from bot.nlu.normalise import normalise_text

LANGUAGE_ENTITY = "language"
METADATA = "metadata"
FALLBACK_INTENT = "nlu_fallback"
RESPONSE_SELECTOR = "response_selector"


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


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RetrievalConfidenceGate(GraphComponent):
    """Turns a retrieval intent whose selected answer is below ``threshold`` into ``nlu_fallback``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"retrieval_intent": "faq", "threshold": 0.5}

    def __init__(self, config: dict[str, Any]) -> None:
        self.retrieval_intent = str(config["retrieval_intent"])
        self.threshold = float(config["threshold"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RetrievalConfidenceGate:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != self.retrieval_intent:
                continue
            selected = (message.get(RESPONSE_SELECTOR) or {}).get(self.retrieval_intent, {}).get("response", {})
            confidence = selected.get("confidence")
            if isinstance(confidence, int | float) and confidence < self.threshold:
                fallback = {INTENT_NAME_KEY: FALLBACK_INTENT, "confidence": self.threshold}
                message.set(INTENT, fallback, add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY, [fallback, *(message.get(INTENT_RANKING_KEY) or [])], add_to_output=True
                )
        return messages
