"""Conversations and their transcripts, kept in Redis.

The gateway keeps no conversation state in memory: any gateway process can
serve any message. A conversation is a hash (state, language, handoff fields)
and a list of transcript entries; both expire ``ttl_s`` after the last write.
"""

from __future__ import annotations

import enum
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from redis.asyncio import Redis

from bot.core import keys
from bot.core.identity import Customer
from bot.core.languages import DEFAULT_LANGUAGE, Language, parse_language_tag

__all__ = ["Conversation", "ConversationState", "ConversationStore", "Sender", "TranscriptEntry"]

log = logging.getLogger(__name__)


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
    #: When it last went into the queue, and when an agent took it (unix seconds).
    queued_at: float | None = None
    assigned_at: float | None = None
    #: Who the customer is, when the shop's server vouched for it (:mod:`bot.core.identity`).
    customer: Customer | None = None
    #: The page's own ``customData`` fields, as last sent.
    attributes: dict[str, Any] = field(default_factory=dict)


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


#: The verified customer, on the conversation's hash.
CUSTOMER_FIELDS: Final = {"id": "customer_id", "name": "customer_name", "email": "customer_email"}
#: The customer's attributes, as a JSON object on the conversation's hash.
ATTRIBUTES_FIELD: Final = "attributes"
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

# KEYS[1] conversation hash, KEYS[2] (optional) a key to point at the conversation, KEYS[3] (optional) a set of them
# ARGV[1] JSON object of fields, ARGV[2] the conversation id, ARGV[3] the pointer's and the set's ttl in seconds
# Sets the fields only on a conversation that exists (an expired one must not come
# back as a hash that never expires), then the pointer and the set. Returns 1 if set.
SET_IF_LIVE_SCRIPT: Final = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for name, value in pairs(cjson.decode(ARGV[1])) do redis.call('HSET', KEYS[1], name, value) end
if KEYS[2] then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
if KEYS[3] then
  redis.call('SADD', KEYS[3], ARGV[2])
  redis.call('EXPIRE', KEYS[3], ARGV[3])
end
return 1
"""


# KEYS[1] the conversation's client message ids, KEYS[2] its transcript, KEYS[3] its hash, KEYS[4] its episodes
# ARGV[1] client message id ('' for none), ARGV[2] the entry's JSON, ARGV[3] ttl in seconds
# Appends the entry unless the client id was seen (a resend), and marks the id
# seen only after the entry is in (a script that fails half-way keeps what it
# did): a message is never marked seen without being stored. Returns its seq, or 0 for a resend.
APPEND_ONCE_SCRIPT: Final = """
if ARGV[1] ~= '' and redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
local seq = redis.call('RPUSH', KEYS[2], ARGV[2])
if ARGV[1] ~= '' then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('EXPIRE', KEYS[4], ARGV[3])
return seq
"""


class ConversationStore:
    """Reads and writes conversations; every method is one or two Redis round trips."""

    def __init__(self, redis: Redis, ttl_s: int, new_ttl_s: int | None = None, replica_ack_ms: int = 0) -> None:
        self.redis = redis
        #: With replicas (Redis Sentinel): a customer's message is acknowledged once a replica has it too,
        #: or this many milliseconds have passed, so that a failover loses no acknowledged message.
        self.replica_ack_ms = replica_ack_ms
        #: Kept this long after the last message.
        self.ttl_s = ttl_s
        #: A new conversation, until its first message: abandoned sessions go soon.
        self.new_ttl_s = min(ttl_s, new_ttl_s) if new_ttl_s else ttl_s
        self._remember_page = redis.register_script(REMEMBER_PAGE_SCRIPT)
        self._append_once = redis.register_script(APPEND_ONCE_SCRIPT)
        self._set_if_live = redis.register_script(SET_IF_LIVE_SCRIPT)

    async def create(self, conversation_id: str, language: Language = DEFAULT_LANGUAGE) -> Conversation:
        now = time.time()
        key = keys.conversation_key(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"language": language, "state": ConversationState.BOT.value, "created_at": now})
            pipe.expire(key, self.new_ttl_s)
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
            queued_at=_seconds(fields.get("queued_at")),
            assigned_at=_seconds(fields.get("assigned_at")),
            customer=_customer(fields),
            attributes=json.loads(fields.get(ATTRIBUTES_FIELD) or "{}"),
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
            pipe.expire(keys.episodes_key(conversation_id), self.ttl_s)  # a person's part of it, if any
            length, *_ = await pipe.execute()
        entry.seq = int(length)
        return entry

    async def append_once(self, conversation_id: str, entry: TranscriptEntry) -> TranscriptEntry | None:
        """Store a customer's ``entry`` unless its ``client_message_id`` was stored already (None then)."""
        script_keys = [
            keys.client_message_ids_key(conversation_id),
            keys.transcript_key(conversation_id),
            keys.conversation_key(conversation_id),
            keys.episodes_key(conversation_id),
        ]
        args: list[str | int] = [entry.client_message_id or "", entry.to_json(), self.ttl_s]
        if self.replica_ack_ms <= 0:
            seq = await self._append_once(keys=script_keys, args=args)
        else:
            # WAIT counts the writes of its own connection: one pipeline, one connection.
            async with self.redis.pipeline(transaction=False) as pipe:
                await self._append_once(keys=script_keys, args=args, client=pipe)
                pipe.wait(1, self.replica_ack_ms)
                seq, replicas = await pipe.execute()
            if not replicas:
                log.warning(
                    "no replica confirmed a message in time", extra={"fields": {"conversation": conversation_id}}
                )
        if not seq:
            return None
        entry.seq = int(seq)
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

    async def identify(self, conversation_id: str, customer: Customer) -> bool:
        """The conversation is ``customer``'s, and the one their other devices resume; False if it expired."""
        fields = {field_name: getattr(customer, name) for name, field_name in CUSTOMER_FIELDS.items()}
        script_keys = [
            keys.conversation_key(conversation_id),
            keys.customer_conversation_key(customer.id),
            keys.customer_conversations_key(customer.id),
        ]
        args: list[str | int] = [json.dumps(fields, ensure_ascii=False), conversation_id, self.ttl_s]
        return bool(await self._set_if_live(keys=script_keys, args=args))

    async def conversation_of(self, customer: Customer) -> str | None:
        """The conversation ``customer`` had last, if it was not forgotten."""
        value = await self.redis.get(keys.customer_conversation_key(customer.id))
        return value.decode() if isinstance(value, bytes) else value

    async def conversations_of(self, customer: Customer) -> list[str]:
        """Every conversation ``customer`` had that may still be kept (for their data to be exported or deleted)."""
        members = await self.redis.smembers(keys.customer_conversations_key(customer.id))
        return sorted(member.decode() if isinstance(member, bytes) else str(member) for member in members)

    async def forget_customer(self, customer: Customer) -> None:
        """No conversation is ``customer``'s any more (their data was deleted)."""
        pointer, index = keys.customer_conversation_key(customer.id), keys.customer_conversations_key(customer.id)
        await self.redis.delete(pointer, index)

    async def remember_attributes(self, conversation_id: str, attributes: dict[str, Any]) -> bool:
        """The page's latest ``customData`` fields (bounded by :func:`bot.core.identity.customer_attributes`)."""
        fields = {ATTRIBUTES_FIELD: json.dumps(attributes, ensure_ascii=False)}
        script_keys = [keys.conversation_key(conversation_id)]
        return bool(await self._set_if_live(keys=script_keys, args=[json.dumps(fields, ensure_ascii=False), "", 0]))

    async def length(self, conversation_id: str) -> int:
        """How many entries the transcript has."""
        return int(await self.redis.llen(keys.transcript_key(conversation_id)))

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


def _customer(fields: dict[str, str]) -> Customer | None:
    """The stored verified customer, if any."""
    values = {name: fields.get(field_name, "") for name, field_name in CUSTOMER_FIELDS.items()}
    return Customer(**values) if values["id"] else None


def _seconds(value: str | None) -> float | None:
    """A stored unix time; None where it was never set."""
    return float(value) if value else None
