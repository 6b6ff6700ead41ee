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
from typing import Any, Final

from redis.asyncio import Redis

from bot.core import keys
from bot.core.languages import DEFAULT_LANGUAGE, Language, parse_language_tag

__all__ = ["Conversation", "ConversationState", "ConversationStore", "Sender", "TranscriptEntry"]


class ConversationState(enum.StrEnum):
    """Who answers the customer: the assistant, nobody yet (waiting), or an agent."""

    BOT = "bot"
    QUEUED = "queued"
    ASSIGNED = "assigned"


class Sender(enum.StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    #: An agent's internal note: never sent to the customer.
    NOTE = "note"
    SYSTEM = "system"


#: What a customer's widget may replay; notes and system lines are for agents.
CUSTOMER_VISIBLE = frozenset({Sender.CUSTOMER, Sender.BOT, Sender.AGENT})


@dataclass(frozen=True)
class Conversation:
    id: str
    language: Language
    state: ConversationState
    created_at: float
    handoff_reason: str | None = None
    handoff_priority: int | None = None
    agent: str | None = None
    handoff_intents: list[dict[str, Any]] = field(default_factory=list)


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


#: Pages a customer visited, as a JSON list on the conversation's hash.
PAGES_FIELD: Final = "pages"
MAX_PAGES_KEPT: Final = 10

# KEYS[1] conversation hash
# ARGV[1] field, ARGV[2] page URL, ARGV[3] how many pages to keep
# Appends the page unless it is the last one already; keeps the newest ARGV[3]. Returns 1 if added.
REMEMBER_PAGE_SCRIPT: Final = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local pages = {}
if raw and raw ~= '' then pages = cjson.decode(raw) end
if #pages > 0 and pages[#pages] == ARGV[2] then return 0 end
table.insert(pages, ARGV[2])
while #pages > tonumber(ARGV[3]) do table.remove(pages, 1) end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(pages))
return 1
"""


class ConversationStore:
    """Reads and writes conversations; every method is one or two Redis round trips."""

    def __init__(self, redis: Redis, ttl_s: int) -> None:
        self.redis = redis
        self.ttl_s = ttl_s
        self._remember_page = redis.register_script(REMEMBER_PAGE_SCRIPT)

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
            agent=fields.get("agent") or None,
            handoff_intents=json.loads(fields.get("handoff_intents") or "[]"),
        )

    async def set_language(self, conversation_id: str, language: Language) -> None:
        await self.redis.hset(keys.conversation_key(conversation_id), "language", language)

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

    async def remember_page(self, conversation_id: str, page: str) -> bool:
        """Add a page the customer is on to the conversation's last few (one atomic script)."""
        key = keys.conversation_key(conversation_id)
        return bool(await self._remember_page(keys=[key], args=[PAGES_FIELD, page, MAX_PAGES_KEPT]))

    async def pages(self, conversation_id: str) -> list[str]:
        """The pages the customer visited, oldest first."""
        raw = await self.get_field(conversation_id, PAGES_FIELD)
        pages = json.loads(raw) if raw else []
        # cjson encodes an empty table as an object
        return [str(page) for page in pages] if isinstance(pages, list) else []

    async def get_field(self, conversation_id: str, name: str) -> str | None:
        value = await self.redis.hget(keys.conversation_key(conversation_id), name)
        return value.decode() if isinstance(value, bytes) else value

    async def recent(self, conversation_id: str, count: int) -> list[TranscriptEntry]:
        """The last ``count`` entries, oldest first."""
        key = keys.transcript_key(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.llen(key)
            pipe.lrange(key, -count, -1)
            length, raw = await pipe.execute()
        first_seq = int(length) - len(raw) + 1
        return [TranscriptEntry.from_json(item, first_seq + index) for index, item in enumerate(raw)]

    async def accept_client_message_id(self, conversation_id: str, client_message_id: str) -> bool:
        """True the first time an id is seen in this conversation, False for a resend."""
        key = keys.client_message_ids_key(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, client_message_id)
            pipe.expire(key, self.ttl_s)
            added, _ = await pipe.execute()
        return bool(added)
