"""The Redis key schema: every key the gateway writes is built here.

All keys share one prefix so a deployment can share a Redis with other tools.
Rasa's tracker and lock stores use their own prefix (``rasa``, endpoints.yml).
"""

from __future__ import annotations

from typing import Final

PREFIX: Final = "support"


def conversation_key(conversation_id: str) -> str:
    """Hash: the conversation's state, language and handoff fields."""
    return f"{PREFIX}:conversation:{conversation_id}"


def transcript_key(conversation_id: str) -> str:
    """List of JSON entries: every customer, assistant, agent and system message."""
    return f"{PREFIX}:transcript:{conversation_id}"


def client_message_ids_key(conversation_id: str) -> str:
    """Set of client message ids already accepted, so resends are ignored."""
    return f"{PREFIX}:client-ids:{conversation_id}"


def rate_key(scope: str, subject: str, window: int) -> str:
    """Counter of messages from one session or address in one time window."""
    return f"{PREFIX}:rate:{scope}:{subject}:{window}"


def socketio_channel() -> str:
    """Pub/sub channel python-socketio's Redis manager uses between gateways."""
    return f"{PREFIX}:socketio"
