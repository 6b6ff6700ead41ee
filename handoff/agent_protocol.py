"""The agent console protocol: event names and payload checks (docs/agent-protocol.md)."""

from __future__ import annotations

import enum
from typing import Any, Final

MAX_AGENT_TEXT_CHARS: Final = 5000


class AgentEvent(enum.StrEnum):
    # client -> server
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
    # server -> client
    QUEUE = "queue"
    MY_CONVERSATIONS = "my_conversations"
    MESSAGE = "message"
    CUSTOMER_TYPING = "customer_typing"
    CONVERSATION_UPDATE = "conversation_update"
    OFFLINE_TICKET = "offline_ticket"


class AgentRequestError(Exception):
    """A console request the gateway refuses; becomes ``{ok: false, error, message}``."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code.replace("_", " ")

    def to_ack(self) -> dict[str, Any]:
        return {"ok": False, "error": self.code, "message": self.message}


def conversation_id_of(data: object) -> str:
    if isinstance(data, dict):
        value = data.get("conversation_id")
        if isinstance(value, str) and 0 < len(value) <= 100:
            return value
    raise AgentRequestError("bad_request", "conversation_id is required")


def text_of(data: object) -> str:
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise AgentRequestError("bad_request", "text is required")
    if len(text) > MAX_AGENT_TEXT_CHARS:
        raise AgentRequestError("too_long", f"at most {MAX_AGENT_TEXT_CHARS} characters")
    return text.strip()
