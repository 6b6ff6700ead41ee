"""Agent assist's plain core: suggested replies and the summary of a conversation.

Functions over what the served model gives (its parse data for a message, its
domain's responses, a conversation's tracker events) and the canned answers;
no Redis and no sockets (:mod:`handoff.assist` does the rest).

Ranking: every intent the model reads in the message has a confidence, and a
``faq`` one is split into its answers, each scored P(faq) x P(answer | faq).
An FAQ answer scores its key; a canned answer scores the best of the intents
it replies to. The best three, in the customer's language, are suggested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.core.conversations import Conversation
from bot.core.languages import Language
from bot.core.signals import FALLBACK_INTENT
from bot.nlu.responses import variation_language
from handoff.canned import CannedAnswer

__all__ = [
    "MAX_SUGGESTIONS",
    "AnswerBook",
    "Suggestion",
    "SuggestionSource",
    "conversation_summary",
    "intent_scores",
    "key_sentence",
    "rank_suggestions",
]

MAX_SUGGESTIONS: Final = 3
#: A suggestion the model gives less than this is noise, not help.
MIN_SCORE: Final = 0.05
RETRIEVAL_INTENT: Final = "faq"
FAQ_RESPONSE_PREFIX: Final = "utter_faq/"
#: The summary lists at most this many of the customer's last questions.
MAX_QUESTIONS: Final = 10
KEY_SENTENCE_CHARS: Final = 160
ANSWER_CHARS: Final = 200
# Latin, Persian (؟) and Armenian (։ full stop; ՞ ՜ marks sit on a word, inside the sentence).
_SENTENCE_END = re.compile(r"(?<=[.!?؟։…])\s+")
_QUESTION_MARKS: Final = ("?", "؟", "՞")


class SuggestionSource:
    ASSISTANT: Final = "assistant"
    CANNED: Final = "canned"


@dataclass(frozen=True)
class Suggestion:
    text: str
    #: :class:`SuggestionSource`: one of the assistant's answers or a canned answer.
    source: str
    #: The FAQ key (``faq/refund_status``) or the canned answer's title.
    label: str
    confidence: float

    def to_public(self) -> dict[str, Any]:
        return {"text": self.text, "source": self.source, "label": self.label, "confidence": round(self.confidence, 4)}


class AnswerBook:
    """The assistant's FAQ answers in each language, read from the served model's domain."""

    def __init__(self, answers: Mapping[str, Mapping[Language, str]]) -> None:
        self._answers = {key: dict(texts) for key, texts in answers.items()}

    @classmethod
    def from_domain(cls, domain: Mapping[str, Any]) -> AnswerBook:
        """Each ``utter_faq/<key>`` response's first variation per language.

        A variation without a ``language`` condition is the English one (domain.yml's rule).
        """
        answers: dict[str, dict[Language, str]] = {}
        responses = domain.get("responses")
        for name, variations in (responses if isinstance(responses, Mapping) else {}).items():
            if (
                not isinstance(name, str)
                or not name.startswith(FAQ_RESPONSE_PREFIX)
                or not isinstance(variations, list)
            ):
                continue
            texts = answers.setdefault(name.removeprefix("utter_"), {})
            for variation in variations:
                text = variation.get("text") if isinstance(variation, Mapping) else None
                language = variation_language(variation)
                if isinstance(text, str) and text.strip() and language is not None:
                    texts.setdefault(language, text.strip())
        return cls(answers)

    def answer(self, key: str, language: Language) -> str | None:
        """The answer for ``faq/<key>`` in ``language``; None where there is none in it."""
        return self._answers.get(key, {}).get(language)

    @property
    def keys(self) -> list[str]:
        return sorted(self._answers)


def intent_scores(parse_data: Mapping[str, Any]) -> dict[str, float]:
    """How sure the model is of each intent in a message; ``faq`` split into its keys.

    Rasa's fallback (``nlu_fallback``) is no intent and is left out.
    """
    scores: dict[str, float] = {}
    for item in parse_data.get("intent_ranking") or []:
        name, confidence = item.get("name"), item.get("confidence")
        if isinstance(name, str) and name != FALLBACK_INTENT and isinstance(confidence, int | float):
            scores.setdefault(name, float(confidence))
    retrieval = scores.pop(RETRIEVAL_INTENT, 0.0)
    selector = (parse_data.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    for item in selector.get("ranking") or []:
        key, confidence = item.get("intent_response_key"), item.get("confidence")
        if isinstance(key, str) and isinstance(confidence, int | float):
            scores.setdefault(key, retrieval * float(confidence))
    return scores


def rank_suggestions(
    parse_data: Mapping[str, Any],
    language: Language,
    answers: AnswerBook,
    canned: Iterable[CannedAnswer],
    limit: int = MAX_SUGGESTIONS,
) -> list[Suggestion]:
    """Up to ``limit`` replies to a customer's message, in ``language``, most likely first."""
    scores = intent_scores(parse_data)
    candidates = []
    for key, score in scores.items():
        text = answers.answer(key, language) if key.startswith(f"{RETRIEVAL_INTENT}/") else None
        if text:
            candidates.append(Suggestion(text, SuggestionSource.ASSISTANT, key, score))
    for answer in canned:
        score = max((scores.get(intent, 0.0) for intent in answer.intents), default=0.0)
        candidates.append(Suggestion(answer.text, SuggestionSource.CANNED, answer.title, score))
    ranked, seen = [], set()
    for suggestion in sorted(candidates, key=lambda s: s.confidence, reverse=True):
        if suggestion.confidence < MIN_SCORE or suggestion.text in seen:
            continue
        seen.add(suggestion.text)
        ranked.append(suggestion)
    return ranked[:limit]


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def key_sentence(text: str, limit: int = KEY_SENTENCE_CHARS) -> str:
    """The customer's own words that carry the question: the first sentence asking one, else the longest."""
    sentences = [sentence.strip() for sentence in _SENTENCE_END.split(text) if sentence.strip()]
    if not sentences:
        return ""
    asking = [sentence for sentence in sentences if any(mark in sentence for mark in _QUESTION_MARKS)]
    return shorten(asking[0] if asking else max(sentences, key=len), limit)


def _understood_as(parse_data: Mapping[str, Any]) -> tuple[str, float]:
    """The intent the assistant acted on (``faq`` by its key), and its confidence."""
    intent = parse_data.get("intent") or {}
    name, confidence = str(intent.get("name") or FALLBACK_INTENT), float(intent.get("confidence") or 0.0)
    if name == RETRIEVAL_INTENT:
        selected = ((parse_data.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}).get("response") or {}
        key = selected.get("intent_response_key")
        if isinstance(key, str) and key:
            return key, confidence * float(selected.get("confidence") or 0.0)
    return name, confidence


def _questions(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The customer's messages as the assistant read them, each with what it answered."""
    questions: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = str(event.get("text") or "")
            intent, confidence = _understood_as(event.get("parse_data") or {})
            guesses = [
                {"name": name, "confidence": round(score, 4)}
                for name, score in sorted(
                    intent_scores(event.get("parse_data") or {}).items(), key=lambda item: item[1], reverse=True
                )[:2]
            ]
            questions.append(
                {
                    # A button's payload ("/request_human") is no sentence of theirs.
                    "text": "" if text.startswith("/") else key_sentence(text),
                    "button": text.startswith("/"),
                    "intent": intent,
                    "confidence": round(confidence, 4),
                    "understood": intent != FALLBACK_INTENT,
                    "guesses": guesses if intent == FALLBACK_INTENT else [],
                    "answers": [],
                }
            )
        elif kind == "bot" and questions and isinstance(event.get("text"), str) and event["text"].strip():
            questions[-1]["answers"].append(shorten(event["text"], ANSWER_CHARS))
    return questions[-MAX_QUESTIONS:]


def conversation_summary(
    conversation: Conversation, events: Sequence[Mapping[str, Any]] | None, now: float
) -> dict[str, Any]:
    """What an agent taking the conversation should know, so the customer is not asked again.

    ``events``: the tracker's events (None when the assistant could not be asked;
    the summary then says so and holds what the gateway knows itself).
    """
    waited_s = None
    if conversation.queued_at:
        waited_s = max(0.0, (conversation.assigned_at or now) - conversation.queued_at)
    questions = _questions(events) if events is not None else []
    return {
        "conversation_id": conversation.id,
        "reason": conversation.handoff_reason,
        "language": conversation.language,
        "waited_s": round(waited_s, 1) if waited_s is not None else None,
        "since_s": round(max(0.0, now - conversation.created_at), 1) if conversation.created_at else None,
        "questions": questions,
        "unsure_turns": sum(1 for question in questions if not question["understood"]),
        "complete": events is not None,
    }
