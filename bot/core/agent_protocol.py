"""The agent console protocol (namespace ``/agent``, docs/agent-protocol.md):
event names, rooms, roles, error codes, request checks and every payload the
console receives, each built by one function here.

The console's JavaScript reads the same names from the generated
``bot/staff/pages/constants.js`` (``python -m bot.core.shared_constants``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Final

from bot.core.conversations import TranscriptEntry
from bot.core.text import clean_text

__all__ = [
    "AGENTS_ROOM",
    "AGENT_NAMESPACE",
    "MAX_AGENT_TEXT_CHARS",
    "SUPERVISORS_ROOM",
    "AgentErrorCode",
    "AgentEvent",
    "AgentRequestError",
    "AgentRole",
    "AgentStatus",
    "agent_room",
    "conversation_id_of",
    "conversation_update_payload",
    "customer_typing_payload",
    "message_payload",
    "my_conversations_payload",
    "queue_payload",
    "suggestions_payload",
    "text_of",
]

MAX_AGENT_TEXT_CHARS: Final = 5000
AGENT_NAMESPACE: Final = "/agent"
#: Every console socket: the queue and offline tickets are told here.
AGENTS_ROOM: Final = "agents"
#: Supervisors' sockets: they hear every conversation.
SUPERVISORS_ROOM: Final = "supervisors"


def agent_room(username: str) -> str:
    """Every console socket of one agent."""
    return f"agent:{username}"


class AgentEvent(enum.StrEnum):
    # client -> server (each answers through the acknowledgement)
    SET_STATUS = "set_status"
    CLAIM = "claim"
    OPEN = "open"
    REPLY = "reply"
    NOTE = "note"
    TYPING = "typing"
    RESOLVE = "resolve"
    HANDBACK = "handback"
    CANNED = "canned"
    REASSIGN = "reassign"
    FLAG = "flag"
    #: Agent assist's summary of a conversation (docs/agent-protocol.md).
    SUMMARY = "summary"
    #: Answer an offline ticket by email: ``{ticket_id, text}``.
    ANSWER_TICKET = "answer_ticket"
    # server -> client
    QUEUE = "queue"
    MY_CONVERSATIONS = "my_conversations"
    MESSAGE = "message"
    CUSTOMER_TYPING = "customer_typing"
    CONVERSATION_UPDATE = "conversation_update"
    OFFLINE_TICKET = "offline_ticket"
    #: A ticket changed (an agent answered it): the whole ticket.
    TICKET_UPDATED = "ticket_updated"
    #: Agent assist's suggested replies to a customer's message.
    SUGGESTIONS = "suggestions"


class AgentRole(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    #: Labels the inbox and retrains the assistant; takes no chats.
    TRAINER = "trainer"


class AgentStatus(enum.StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class AgentErrorCode(enum.StrEnum):
    """The ``error`` of a refused request's ``{ok: false, error, message}``."""

    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    BAD_REQUEST = "bad_request"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"
    NOT_ASSIGNED = "not_assigned"
    UNAVAILABLE = "unavailable"
    RATE_LIMITED = "rate_limited"
    # what a claim can lose to (the queue's ClaimResult)
    ALREADY_CLAIMED = "already_claimed"
    AT_CAPACITY = "at_capacity"
    QUEUE_EMPTY = "queue_empty"


class AgentRequestError(Exception):
    """A console request the gateway refuses; becomes ``{ok: false, error, message}``."""

    def __init__(self, code: AgentErrorCode, message: str = "") -> None:
        super().__init__(message or code.value)
        self.code = code
        self.message = message or code.value.replace("_", " ")

    def to_ack(self) -> dict[str, Any]:
        return {"ok": False, "error": self.code.value, "message": self.message}


def conversation_id_of(data: object) -> str:
    if isinstance(data, dict):
        value = data.get("conversation_id")
        if isinstance(value, str) and 0 < len(value) <= 100:
            return value
    raise AgentRequestError(AgentErrorCode.BAD_REQUEST, "conversation_id is required")


def text_of(data: object) -> str:
    text = data.get("text") if isinstance(data, dict) else None
    text = clean_text(text) if isinstance(text, str) else ""
    if not text:
        raise AgentRequestError(AgentErrorCode.BAD_REQUEST, "text is required")
    if len(text) > MAX_AGENT_TEXT_CHARS:
        raise AgentRequestError(AgentErrorCode.TOO_LONG, f"at most {MAX_AGENT_TEXT_CHARS} characters")
    return text


# --- server -> console payloads ---------------------------------------------
def queue_payload(waiting: Iterable[Mapping[str, Any]], agents_online: int) -> dict[str, Any]:
    """``queue``: the waiting conversations in the order they will be served."""
    return {"waiting": list(waiting), "agents_online": agents_online}


def my_conversations_payload(conversations: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {"conversations": list(conversations)}


def message_payload(conversation_id: str, entry: TranscriptEntry) -> dict[str, Any]:
    """``message``: a transcript entry the console shows live."""
    return {"conversation_id": conversation_id, "entry": entry.to_public()}


def customer_typing_payload(conversation_id: str, on: bool) -> dict[str, Any]:
    return {"conversation_id": conversation_id, "on": on}


def conversation_update_payload(summary: Mapping[str, Any]) -> dict[str, Any]:
    return {"conversation": dict(summary)}


def suggestions_payload(conversation_id: str, seq: int, suggestions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``suggestions``: up to three replies to the customer's message ``seq``, most likely first."""
    return {"conversation_id": conversation_id, "seq": seq, "suggestions": list(suggestions)}
