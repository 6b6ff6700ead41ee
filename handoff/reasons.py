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
    "HandoffPriority",
    "HandoffReason",
    "HandoffSignal",
    "parse_handoff_signal",
]

HANDOFF_PAYLOAD_KEY: Final = "handoff"


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
