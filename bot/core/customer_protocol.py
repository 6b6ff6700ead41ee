"""The customer protocol: socket.io event names and payload shapes.

Compatible with Rasa's socketio channel (``session_request`` / ``session_confirm``,
``user_uttered`` / ``bot_uttered``), so existing Rasa chat widgets work, plus our
extensions. docs/protocol.md describes it for widget authors; this module is
what the gateway enforces.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.core.conversations import CUSTOMER_VISIBLE, Sender, TranscriptEntry
from bot.core.languages import Language, parse_language_tag
from bot.core.text import clean_text

__all__ = [
    "CustomerEvent",
    "HandoffState",
    "ProtocolError",
    "ProtocolErrorCode",
    "SessionRequest",
    "UserMessage",
    "ack_payload",
    "agent_uttered_payload",
    "bot_uttered_payload",
    "conversation_room",
    "error_payload",
    "handoff_assigned_payload",
    "handoff_ended_payload",
    "handoff_queued_payload",
    "history_payload",
    "message_ack_payload",
    "parse_session_request",
    "parse_user_message",
    "rasa_reply_payload",
    "typing_payload",
    "welcome_payload",
]

MAX_CLIENT_ID_CHARS: Final = 64
MAX_METADATA_KEYS: Final = 20


class CustomerEvent(enum.StrEnum):
    """Events on the customer namespace ``/``."""

    # client -> server
    SESSION_REQUEST = "session_request"
    USER_UTTERED = "user_uttered"
    HISTORY_REQUEST = "history_request"
    REQUEST_HANDOFF = "request_handoff"
    RATING = "rating"
    OFFLINE_TICKET = "offline_ticket"
    #: Email me this conversation: ``{email}``, acknowledged once the SMTP server took it.
    TRANSCRIPT_EMAIL = "transcript_email"
    # server -> client
    SESSION_CONFIRM = "session_confirm"
    BOT_UTTERED = "bot_uttered"
    HANDOFF_STATUS = "handoff_status"
    MESSAGE_ACK = "message_ack"
    TYPING = "typing"
    HISTORY = "history"
    ERROR = "error_message"
    #: The greeting and starting quick replies, from the served model's ``utter_welcome``.
    WELCOME = "welcome"


class HandoffState(enum.StrEnum):
    """``handoff_status.state``: where the customer stands."""

    QUEUED = "queued"
    ASSIGNED = "assigned"
    #: Handed back to the assistant.
    BOT = "bot"
    RESOLVED = "resolved"


def conversation_room(conversation_id: str) -> str:
    """Every customer socket of one conversation (namespace ``/``)."""
    return f"conversation:{conversation_id}"


class ProtocolErrorCode(enum.StrEnum):
    MALFORMED = "malformed"
    EMPTY = "message_empty"
    TOO_LONG = "message_too_long"
    SERVICE_UNAVAILABLE = "service_unavailable"
    #: No room for a new conversation now (Redis is nearly full); existing ones go on.
    SERVICE_BUSY = "service_busy"
    RATE_LIMITED = "rate_limited"
    #: The page sent an identity without a valid signature: the chat goes on, not linked to the account.
    IDENTITY_REFUSED = "identity_refused"
    #: No email could be sent (none configured, or the SMTP server failed).
    EMAIL_UNAVAILABLE = "email_unavailable"


class ProtocolError(Exception):
    """A customer event the gateway refuses; carries what the client is told."""

    def __init__(self, code: ProtocolErrorCode, detail: str = "", **params: Any) -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail
        self.params = params


@dataclass(frozen=True)
class SessionRequest:
    session_id: str | None
    #: The page's language, for a new session (our widget sends it).
    language: Language | None = None
    #: ``{user: {id, name?, email?}, signature}`` as the shop's page gave it, unverified.
    identity: object = None


@dataclass(frozen=True)
class UserMessage:
    text: str
    session_id: str | None
    language: Language | None
    client_message_id: str | None
    metadata: dict[str, Any]


def parse_session_request(data: object) -> SessionRequest:
    """``{session_id?, language?, identity?}``; anything else counts as a request for a new session."""
    if not isinstance(data, dict):
        return SessionRequest(None)
    session_id = data.get("session_id")
    language = parse_language_tag(data.get("language"))
    session_id = session_id[:200] if isinstance(session_id, str) and session_id else None
    return SessionRequest(session_id, language, data.get("identity"))


def _metadata_of(data: dict[str, Any]) -> dict[str, Any]:
    # Rasa's widgets send per-message metadata as `customData`; accept both.
    raw = data.get("customData")
    if not isinstance(raw, dict):
        raw = data.get("metadata")
    if not isinstance(raw, dict):
        return {}
    return {str(key)[:64]: value for key, value in list(raw.items())[:MAX_METADATA_KEYS]}


def parse_user_message(data: object, max_chars: int) -> UserMessage:
    """Validate a ``user_uttered`` payload: ``{message, session_id, metadata?}``."""
    if not isinstance(data, dict):
        raise ProtocolError(ProtocolErrorCode.MALFORMED, "payload must be an object")
    text = data.get("message")
    if not isinstance(text, str):
        raise ProtocolError(ProtocolErrorCode.MALFORMED, "message must be a string")
    text = clean_text(text)
    if not text:
        raise ProtocolError(ProtocolErrorCode.EMPTY)
    if len(text) > max_chars:
        raise ProtocolError(ProtocolErrorCode.TOO_LONG, max=max_chars)
    metadata = _metadata_of(data)
    client_id = data.get("client_message_id", metadata.get("client_message_id"))
    if not (isinstance(client_id, str) and 0 < len(client_id) <= MAX_CLIENT_ID_CHARS):
        client_id = None
    session_id = data.get("session_id")
    return UserMessage(
        text=text,
        session_id=session_id if isinstance(session_id, str) and session_id else None,
        language=parse_language_tag(metadata.get("language")),
        client_message_id=client_id,
        metadata=metadata,
    )


def rasa_reply_payload(message: dict[str, Any]) -> dict[str, Any]:
    """Turn one Rasa REST reply into the fields of a ``bot_uttered`` payload, as Rasa's channel does."""
    payload: dict[str, Any] = {}
    if isinstance(message.get("text"), str):
        payload["text"] = message["text"]
    buttons = message.get("buttons")
    if isinstance(buttons, list) and buttons:
        payload["quick_replies"] = [
            {"content_type": "text", "title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in buttons
            if isinstance(b, dict)
        ]
    if isinstance(message.get("image"), str):
        payload["attachment"] = {"type": "image", "payload": {"src": message["image"]}}
    return payload


# --- server -> customer payloads --------------------------------------------
def bot_uttered_payload(entry: TranscriptEntry) -> dict[str, Any]:
    """``bot_uttered`` for an assistant's reply kept in the transcript."""
    payload: dict[str, Any] = {"text": entry.text, **entry.extra}
    payload["metadata"] = {"sender": Sender.BOT.value, "seq": entry.seq, "language": entry.language}
    return payload


def welcome_payload(language: str, variation: Mapping[str, Any]) -> dict[str, Any]:
    """``welcome``: a response variation (``utter_welcome``) as the widget shows it before any message."""
    payload = rasa_reply_payload(dict(variation))
    return {"text": payload.get("text", ""), "quick_replies": payload.get("quick_replies", []), "language": language}


def agent_uttered_payload(entry: TranscriptEntry, agent_name: str) -> dict[str, Any]:
    """``bot_uttered`` for an agent's reply: old widgets show it like any answer."""
    metadata = {"sender": Sender.AGENT.value, "agent_name": agent_name, "seq": entry.seq, "language": entry.language}
    return {"text": entry.text, "metadata": metadata}


def message_ack_payload(client_message_id: str | None, seq: int, duplicate: bool) -> dict[str, Any]:
    """``message_ack``: the message is stored (or was, the first time it was sent)."""
    return {"client_message_id": client_message_id, "seq": seq, "duplicate": duplicate}


def error_payload(code: ProtocolErrorCode, message: str) -> dict[str, Any]:
    """``error_message``: what went wrong, in the customer's language."""
    return {"code": code.value, "message": message}


def ack_payload(ok: bool, code: ProtocolErrorCode | None = None) -> dict[str, Any]:
    """The acknowledgement of ``rating``, ``offline_ticket``, ``transcript_email`` and of refused events."""
    return {"ok": ok} if code is None else {"ok": ok, "error": code.value}


def typing_payload(sender: Sender, on: bool) -> dict[str, Any]:
    return {"sender": sender.value, "on": on}


def history_payload(entries: list[TranscriptEntry], after_seq: int = 0) -> dict[str, Any]:
    """``history``: the transcript entries after ``after_seq`` a customer may see again.

    ``last_seq`` is the last entry read, shown or not (agents' notes are not): the
    widget knows it missed nothing up to there, and asks again when a message
    arrives with a seq beyond it that does not follow on (socket.io's Redis
    pub/sub delivers at most once).
    """
    return {
        "messages": [entry.to_public() for entry in entries if entry.sender in CUSTOMER_VISIBLE],
        "last_seq": entries[-1].seq if entries else after_seq,
    }


def handoff_queued_payload(
    reason: str, position: int, estimated_wait_s: float, agents_online: int, team_available: bool
) -> dict[str, Any]:
    return {
        "state": HandoffState.QUEUED.value,
        "reason": reason,
        "position": position,
        "estimated_wait_s": round(estimated_wait_s),
        "agents_online": agents_online,
        # False: nobody can answer now; the widget offers to leave a message.
        "team_available": team_available,
    }


def handoff_assigned_payload(agent_name: str) -> dict[str, Any]:
    return {"state": HandoffState.ASSIGNED.value, "agent": agent_name}


def handoff_ended_payload(resolved: bool, transcript_email: bool = False) -> dict[str, Any]:
    """Resolved (the widget asks for a rating) or handed back to the assistant.

    ``transcript_email``: the gateway can email the customer a copy (the widget offers it).
    """
    payload: dict[str, Any] = {"state": (HandoffState.RESOLVED if resolved else HandoffState.BOT).value}
    if resolved and transcript_email:
        payload["transcript_email"] = True
    return payload
