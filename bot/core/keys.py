"""The Redis key schema: every key the gateway writes is built here.

All keys share one prefix so a deployment can share a Redis with other tools.
Rasa's tracker and lock stores use their own prefix (``rasa``, endpoints.yml).
"""

from __future__ import annotations

import hashlib
from typing import Final

PREFIX: Final = "support"


def conversation_key(conversation_id: str) -> str:
    """Hash: the conversation's state, language and handoff fields."""
    return f"{PREFIX}:conversation:{conversation_id}"


def transcript_key(conversation_id: str) -> str:
    """List of JSON entries: every customer, assistant, agent and system message."""
    return f"{PREFIX}:transcript:{conversation_id}"


def suggestions_key(conversation_id: str) -> str:
    """String (JSON): the last replies agent assist suggested for the conversation; expires with it."""
    return f"{PREFIX}:suggestions:{conversation_id}"


def customer_conversation_key(customer_id: str) -> str:
    """String: the latest conversation of a verified customer (their shop's id, hashed), so it follows them to
    another device; expires with the conversation."""
    digest = hashlib.sha256(customer_id.encode()).hexdigest()[:32]
    return f"{PREFIX}:customer:{digest}"


def customer_conversations_key(customer_id: str) -> str:
    """Set: every conversation of a verified customer (their shop's id, hashed), for their data to be exported or
    deleted; expires with the last of them."""
    digest = hashlib.sha256(customer_id.encode()).hexdigest()[:32]
    return f"{PREFIX}:customer-conversations:{digest}"


def retention_sweep_lock_key() -> str:
    """String with a TTL: the gateway that set it sweeps old tickets and inbox items this interval."""
    return f"{PREFIX}:retention-sweep-lock"


def attachment_key(attachment_id: str) -> str:
    """String (JSON): what an attachment is (its conversation, type, name, size); expires with the retention."""
    return f"{PREFIX}:attachment:{attachment_id}"


def conversation_attachments_key(conversation_id: str) -> str:
    """Set of the attachment ids of one conversation, for its data to be exported or deleted."""
    return f"{PREFIX}:attachments-of:{conversation_id}"


def client_message_ids_key(conversation_id: str) -> str:
    """Set of client message ids already accepted, so resends are ignored."""
    return f"{PREFIX}:client-ids:{conversation_id}"


def rate_key(scope: str, subject: str, window: int) -> str:
    """Counter of messages from one session or address in one time window."""
    return f"{PREFIX}:rate:{scope}:{subject}:{window}"


def socketio_channel() -> str:
    """Pub/sub channel python-socketio's Redis manager uses between gateways."""
    return f"{PREFIX}:socketio"


def handoff_queue_key() -> str:
    """Sorted set of waiting conversation ids; lower score is served first."""
    return f"{PREFIX}:handoff:queue"


def recent_waits_key() -> str:
    """List of the latest waiting times in seconds, newest first (for estimates)."""
    return f"{PREFIX}:handoff:recent-waits"


def episodes_key(conversation_id: str) -> str:
    """List of JSON records of the conversation's finished handoffs (agent, times, rating)."""
    return f"{PREFIX}:handoff:episodes:{conversation_id}"


def agent_key(username: str) -> str:
    """Hash: an agent's display name, role, capacity and password hash."""
    return f"{PREFIX}:agent:{username}"


def agents_key() -> str:
    """Set of every agent's username."""
    return f"{PREFIX}:agents"


def agent_token_key(token_hash: str) -> str:
    """String: the username a console session token (stored hashed) belongs to."""
    return f"{PREFIX}:agent-token:{token_hash}"


def agent_presence_key(username: str) -> str:
    """Hash: an agent's chosen status and when a console of theirs was last seen."""
    return f"{PREFIX}:agent-presence:{username}"


def agent_sockets_key(username: str) -> str:
    """Sorted set: an agent's console sockets, scored by when their heartbeat runs out."""
    return f"{PREFIX}:agent-sockets:{username}"


def presence_sweep_lock_key() -> str:
    """String, expiring: one gateway at a time requeues the chats of agents who vanished."""
    return f"{PREFIX}:presence-sweep-lock"


def agent_conversations_key(username: str) -> str:
    """Set of conversation ids assigned to an agent."""
    return f"{PREFIX}:agent-conversations:{username}"


def agent_tokens_key(username: str) -> str:
    """Set of the hashes of an agent's live session tokens, so they can all be revoked."""
    return f"{PREFIX}:agent-tokens:{username}"


def online_agents_key() -> str:
    """Set of usernames whose status is online with at least one console open."""
    return f"{PREFIX}:agents-online"


def login_failures_key(subject: str) -> str:
    """Counter of failed logins for one username or address."""
    return f"{PREFIX}:login-failures:{subject}"


def offline_tickets_key() -> str:
    """List of JSON offline tickets (message and email left while no one could answer), newest first."""
    return f"{PREFIX}:handoff:offline-tickets"


def transcript_emails_key(conversation_id: str) -> str:
    """Counter: transcripts emailed for one conversation today (a customer's own address; bounded against spam)."""
    return f"{PREFIX}:transcript-emails:{conversation_id}"


def conversation_tickets_key(conversation_id: str) -> str:
    """Counter of the offline tickets one conversation left (capped, so one session cannot flood the list)."""
    return f"{PREFIX}:handoff:tickets-of:{conversation_id}"


def inbox_items_key() -> str:
    """Hash: the trainers' inbox, item id to JSON item (message, language, guesses, origin)."""
    return f"{PREFIX}:nlu-inbox:items"


def inbox_order_key() -> str:
    """Sorted set of inbox item ids by arrival time."""
    return f"{PREFIX}:nlu-inbox:order"


def inbox_count_key(conversation_id: str) -> str:
    """Counter, expiring: inbox items one conversation brought in today (capped against floods)."""
    return f"{PREFIX}:nlu-inbox:count:{conversation_id}"


def inbox_seen_key(item_id: str) -> str:
    """String, expiring: the message was put in the inbox once already."""
    return f"{PREFIX}:nlu-inbox:seen:{item_id}"


def training_job_key() -> str:
    """Hash: the trainers' current or last training job (state, stage, progress, results)."""
    return f"{PREFIX}:trainer:job"


def training_lock_key() -> str:
    """String, expiring: held while a training job runs, so only one runs across gateways."""
    return f"{PREFIX}:trainer:lock"


#: Analytics counters are kept this long after their last write (a little over a year).
ANALYTICS_TTL_S: Final = 400 * 24 * 3600


def analytics_day_key(day: str, language: str) -> str:
    """Hash of counters and sums for one UTC day (``YYYY-MM-DD``) and one language (bot/analytics/recorder.py)."""
    return f"{PREFIX}:analytics:{day}:{language}"
