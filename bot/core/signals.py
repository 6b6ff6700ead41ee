"""Why a conversation is handed to a person, and how the assistant says so.

The action server signals a handoff by sending a custom payload
``{"handoff": {"reason": ..., "priority": ..., "intents": [...]}}``; the gateway
reads it from Rasa's reply with :func:`parse_handoff_signal`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "HANDOFF_PAYLOAD_KEY",
    "LOW_CONFIDENCE_PAYLOAD_KEY",
    "HandoffPriority",
    "HandoffReason",
    "HandoffSignal",
    "low_confidence_payload",
    "model_guesses",
    "parse_handoff_signal",
    "parse_low_confidence",
]

HANDOFF_PAYLOAD_KEY: Final = "handoff"
#: The first low-confidence turn (the assistant asks to rephrase) is told to the
#: gateway too, with the intents the model guessed: it counts towards the
#: fallback rate and the message goes to the trainers' inbox.
LOW_CONFIDENCE_PAYLOAD_KEY: Final = "low_confidence"


class HandoffReason(enum.StrEnum):
    CUSTOMER_REQUEST = "customer_request"
    LOW_CONFIDENCE = "low_confidence"
    COMPLAINT = "complaint"
    ASSISTANT_UNAVAILABLE = "assistant_unavailable"


class HandoffPriority(enum.IntEnum):
    """Higher numbers are served first."""

    NORMAL = 1
    HIGH = 2


DEFAULT_PRIORITY: Final[dict[HandoffReason, HandoffPriority]] = {
    HandoffReason.CUSTOMER_REQUEST: HandoffPriority.NORMAL,
    HandoffReason.LOW_CONFIDENCE: HandoffPriority.NORMAL,
    HandoffReason.COMPLAINT: HandoffPriority.HIGH,
    HandoffReason.ASSISTANT_UNAVAILABLE: HandoffPriority.HIGH,
}


@dataclass(frozen=True)
class HandoffSignal:
    """A request from the assistant to hand the conversation to a person."""

    reason: HandoffReason
    priority: HandoffPriority
    intents: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def for_reason(cls, reason: HandoffReason, intents: list[dict[str, Any]] | None = None) -> HandoffSignal:
        return cls(reason, DEFAULT_PRIORITY[reason], intents or [])

    def to_payload(self) -> dict[str, Any]:
        """The custom payload the action server sends."""
        return {
            HANDOFF_PAYLOAD_KEY: {
                "reason": self.reason.value,
                "priority": int(self.priority),
                "intents": self.intents,
            }
        }


def parse_handoff_signal(custom: object) -> HandoffSignal | None:
    """Read a handoff signal from a bot message's ``custom`` field, if it is one."""
    if not isinstance(custom, dict):
        return None
    body = custom.get(HANDOFF_PAYLOAD_KEY)
    if not isinstance(body, dict):
        return None
    try:
        reason = HandoffReason(str(body.get("reason")))
        priority = HandoffPriority(int(body.get("priority", DEFAULT_PRIORITY[reason])))
    except (ValueError, TypeError):
        return None
    intents = body.get("intents")
    return HandoffSignal(reason, priority, intents if isinstance(intents, list) else [])


def low_confidence_payload(intents: list[dict[str, Any]]) -> dict[str, Any]:
    """The custom payload the action server sends when it asks the customer to rephrase."""
    return {LOW_CONFIDENCE_PAYLOAD_KEY: {"intents": intents}}


def parse_low_confidence(custom: object) -> list[dict[str, Any]] | None:
    """The guessed intents of a low-confidence notice, or None if ``custom`` is not one."""
    if not isinstance(custom, dict):
        return None
    body = custom.get(LOW_CONFIDENCE_PAYLOAD_KEY)
    if not isinstance(body, dict):
        return None
    intents = body.get("intents")
    return intents if isinstance(intents, list) else []


FALLBACK_INTENT: Final = "nlu_fallback"


def model_guesses(parse_data: object, limit: int = 3) -> list[dict[str, Any]]:
    """The model's few best guesses in Rasa's parse data, for the agent and the trainer.

    The fallback's own ``nlu_fallback`` is left out (it is no guess), and a
    ``faq`` guess is named by its key (``faq/warranty``) from the response selector.
    """
    if not isinstance(parse_data, dict):
        return []
    ranking = [item for item in parse_data.get("intent_ranking") or [] if item.get("name") != FALLBACK_INTENT]
    selected = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    guesses = []
    for item in ranking[:limit]:
        name = item.get("name")
        if name == "faq" and selected.get("intent_response_key"):
            name = selected["intent_response_key"]
        guesses.append({"name": name, "confidence": round(float(item.get("confidence", 0.0)), 4)})
    return guesses
