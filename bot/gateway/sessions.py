"""Customer session ids: issued by the server, signed, unguessable.

An id is ``<random>.<signature>``. A forged or altered id fails the signature
check, and an id the server signed but no longer knows (expired) is replaced
too: a customer never joins a conversation that was not issued to them.

The session id is the customer's credential and stays between the widget and the
gateway. Everything else (Redis keys, Rasa's sender id, the agent console, the
trainers' inbox, logs) names the conversation by its ``<random>`` part only,
which opens nothing: without the signature, made with the server's secret, it is
not a session id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

RANDOM_BYTES: Final = 18
SIGNATURE_BYTES: Final = 16


def _signature(secret: str, token: str) -> str:
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_session_id(secret: str) -> str:
    """A new session id, signed with ``secret``."""
    token = secrets.token_urlsafe(RANDOM_BYTES)
    return f"{token}.{_signature(secret, token)}"


def session_id_for(secret: str, conversation_id: str) -> str:
    """The session id of an existing conversation: for a verified customer resuming it on another device."""
    return f"{conversation_id}.{_signature(secret, conversation_id)}"


def conversation_id_of(session_id: str) -> str:
    """The conversation's id: the random part of its session id, which staff may see."""
    return session_id.partition(".")[0]


def is_signed_session_id(secret: str, session_id: str) -> bool:
    """Whether ``session_id`` was signed with ``secret`` (not whether it is still live)."""
    token, dot, signature = session_id.partition(".")
    if not token or not dot or len(session_id) > 100:
        return False
    return hmac.compare_digest(signature, _signature(secret, token))
