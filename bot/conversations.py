"""Conversations and their transcripts, kept in Redis.

The gateway keeps no conversation state in memory: any gateway process can
serve any message. A conversation is a hash (state, language, handoff fields)
and a list of transcript entries; both expire ``ttl_s`` after the last write.
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from redis.asyncio import Redis

from bot import keys
from bot.language import DEFAULT_LANGUAGE, Language, parse_language_tag
from handoff.reasons import HandoffSignal

__all__ = ["Conversation", "ConversationState", "ConversationStore", "Sender", "TranscriptEntry"]


class ConversationState(enum.StrEnum):
    BOT = "bot"
    HANDOFF_REQUESTED = "handoff_requested"


class Sender(enum.StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass(frozen=True)
class Conversation:
    id: str
    language: Language
    state: ConversationState
    created_at: float
    handoff_reason: str | None = None
    handoff_priority: int | None = None


@dataclass
class TranscriptEntry:
    """One message in a conversation; ``seq`` is its position, set when stored."""

    sender: Sender
    text: str
    language: Language
    ts: float = field(default_factory=time.time)
    seq: int = 0
    client_message_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """Stored form; ``seq`` is the entry's position in the list, so it is not stored."""
        data = asdict(self)
        del data["seq"]
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes, seq: int) -> TranscriptEntry:
        data = json.loads(raw)
        data["sender"] = Sender(data["sender"])
        return cls(**data, seq=seq)

    def to_public(self) -> dict[str, Any]:
        """What a customer's widget is sent when the transcript is replayed."""
        data = asdict(self)
        data["sender"] = self.sender.value
        return data


class ConversationStore:
    """Reads and writes conversations; every method is one or two Redis round trips."""

    def __init__(self, redis: Redis, ttl_s: int) -> None:
        self.redis = redis
        self.ttl_s = ttl_s

    async def create(self, conversation_id: str, language: Language = DEFAULT_LANGUAGE) -> Conversation:
        now = time.time()
        key = keys.conversation_key(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"language": language, "state": ConversationState.BOT.value, "created_at": now})
            pipe.expire(key, self.ttl_s)
            await pipe.execute()
        return Conversation(conversation_id, language, ConversationState.BOT, now)

    async def get(self, conversation_id: str) -> Conversation | None:
        data = await self.redis.hgetall(keys.conversation_key(conversation_id))
        if not data:
            return None
        fields = {
            k.decode() if isinstance(k, bytes) else k: v.decode() if isinstance(v, bytes) else v
            for k, v in data.items()
        }
        priority = fields.get("handoff_priority")
        return Conversation(
            id=conversation_id,
            language=parse_language_tag(fields.get("language")) or DEFAULT_LANGUAGE,
            state=ConversationState(fields.get("state", ConversationState.BOT.value)),
            created_at=float(fields.get("created_at", 0.0)),
            handoff_reason=fields.get("handoff_reason"),
            handoff_priority=int(priority) if priority else None,
        )

    async def set_language(self, conversation_id: str, language: Language) -> None:
        await self.redis.hset(keys.conversation_key(conversation_id), "language", language)

    async def record_handoff_signal(self, conversation_id: str, signal: HandoffSignal) -> None:
        """Mark the conversation as waiting for a person (the queue picks it up from here)."""
        await self.redis.hset(
            keys.conversation_key(conversation_id),
            mapping={
                "state": ConversationState.HANDOFF_REQUESTED.value,
                "handoff_reason": signal.reason.value,
                "handoff_priority": int(signal.priority),
                "handoff_at": time.time(),
                "handoff_intents": json.dumps(signal.intents),
            },
        )

    async def append(self, conversation_id: str, entry: TranscriptEntry) -> TranscriptEntry:
        """Store ``entry`` at the end of the transcript and set its ``seq``."""
        key = keys.transcript_key(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, entry.to_json())
            pipe.expire(key, self.ttl_s)
            pipe.expire(keys.conversation_key(conversation_id), self.ttl_s)
            length, _, _ = await pipe.execute()
        entry.seq = int(length)
        return entry

    async def transcript(self, conversation_id: str, after_seq: int = 0) -> list[TranscriptEntry]:
        """Entries with ``seq`` greater than ``after_seq``, oldest first."""
        raw = await self.redis.lrange(keys.transcript_key(conversation_id), after_seq, -1)
        return [TranscriptEntry.from_json(item, after_seq + index + 1) for index, item in enumerate(raw)]

    async def accept_client_message_id(self, conversation_id: str, client_message_id: str) -> bool:
        """True the first time an id is seen in this conversation, False for a resend."""
        key = keys.client_message_ids_key(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, client_message_id)
            pipe.expire(key, self.ttl_s)
            added, _ = await pipe.execute()
        return bool(added)
