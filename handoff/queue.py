"""The handoff queue in Redis: who waits, in what order, and who has whom.

Rules:
- waiting conversations are served by priority (complaints and outages first),
  then by how long they have waited;
- a claim is atomic (:data:`CLAIM_SCRIPT`): of two agents claiming at once,
  one wins and the other is told;
- an agent has a capacity of concurrent conversations;
- conversations of an agent who vanished go back to the *front* of the queue.
Plain async functions over Redis; no sockets here.
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass
from typing import Any, Final

from redis.asyncio import Redis

from bot.core import keys
from bot.core.redis_values import as_text
from bot.core.signals import HandoffSignal

# Score = (PRIORITY_SPAN - priority) * PRIORITY_WEIGHT + queued_at: every
# higher-priority conversation sorts before any lower one.
PRIORITY_SPAN: Final = 10
PRIORITY_WEIGHT: Final = 1e10
RECENT_WAITS_KEPT: Final = 50
DEFAULT_WAIT_PER_POSITION_S: Final = 120.0
MIN_ESTIMATE_S: Final = 30.0

# KEYS[1] queue, KEYS[2] conversation hash, KEYS[3] the agent's conversation set
# ARGV[1] conversation id, ARGV[2] agent username, ARGV[3] now, ARGV[4] capacity
# Returns 1 claimed, 0 not waiting (someone else won), -1 agent at capacity.
# KEYS[1] a key of the conversation, KEYS[2] another: the second expires with the first.
EXPIRE_WITH_SCRIPT: Final = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
"""

CLAIM_SCRIPT: Final = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then return 0 end
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[4]) then return -1 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'state', 'assigned', 'agent', ARGV[2], 'assigned_at', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
"""

# KEYS[1] queue, KEYS[2] conversation hash
# ARGV[1] conversation id, ARGV[2] score, ARGV[3] now, ARGV[4] reason, ARGV[5] priority, ARGV[6] intents JSON
# Returns 1 queued, 0 already queued or with an agent (nothing changes).
ENQUEUE_SCRIPT: Final = """
local state = redis.call('HGET', KEYS[2], 'state')
if state == 'queued' or state == 'assigned' then return 0 end
redis.call('HSET', KEYS[2], 'state', 'queued', 'queued_at', ARGV[3], 'handoff_reason', ARGV[4],
           'handoff_priority', ARGV[5], 'handoff_intents', ARGV[6], 'agent', '')
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
"""

# KEYS[1] queue, KEYS[2] conversation hash, KEYS[3] the agent's conversation set
# ARGV[1] conversation id, ARGV[2] agent username
# Puts an assigned conversation back at the very front. Returns 1, or 0 if the
# conversation is no longer this agent's.
REQUEUE_FRONT_SCRIPT: Final = """
if redis.call('HGET', KEYS[2], 'agent') ~= ARGV[2] or redis.call('HGET', KEYS[2], 'state') ~= 'assigned' then
  return 0
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local score = 0
if first[2] then score = tonumber(first[2]) - 1 end
redis.call('HSET', KEYS[2], 'state', 'queued', 'agent', '')
redis.call('ZADD', KEYS[1], score, ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
return 1
"""


# KEYS[1] conversation hash, KEYS[2] current agent's set, KEYS[3] new agent's set
# ARGV[1] conversation id, ARGV[2] current agent, ARGV[3] new agent, ARGV[4] new agent's capacity, ARGV[5] now
# Returns 1 moved, 0 not with the current agent any more, -1 new agent at capacity.
REASSIGN_SCRIPT: Final = """
if redis.call('HGET', KEYS[1], 'state') ~= 'assigned' or redis.call('HGET', KEYS[1], 'agent') ~= ARGV[2] then
  return 0
end
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[4]) then return -1 end
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[1], 'agent', ARGV[3], 'assigned_at', ARGV[5])
return 1
"""


class ClaimResult(enum.StrEnum):
    CLAIMED = "claimed"
    ALREADY_CLAIMED = "already_claimed"
    AT_CAPACITY = "at_capacity"
    QUEUE_EMPTY = "queue_empty"


@dataclass(frozen=True)
class Waiting:
    """A conversation in the queue, as agents see it."""

    conversation_id: str
    language: str
    reason: str
    priority: int
    waiting_s: float

    def to_public(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "language": self.language,
            "reason": self.reason,
            "priority": self.priority,
            "waiting_s": round(self.waiting_s, 1),
        }


class HandoffQueue:
    """The queue's operations; each is atomic on its own."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._claim = redis.register_script(CLAIM_SCRIPT)
        self._enqueue = redis.register_script(ENQUEUE_SCRIPT)
        self._requeue_front = redis.register_script(REQUEUE_FRONT_SCRIPT)
        self._reassign = redis.register_script(REASSIGN_SCRIPT)

    async def enqueue(self, conversation_id: str, signal: HandoffSignal, now: float | None = None) -> bool:
        """Put a conversation in line; False if it already waits or is with an agent."""
        now = time.time() if now is None else now
        score = (PRIORITY_SPAN - int(signal.priority)) * PRIORITY_WEIGHT + now
        queued = await self._enqueue(
            keys=[keys.handoff_queue_key(), keys.conversation_key(conversation_id)],
            args=[conversation_id, score, now, signal.reason.value, int(signal.priority), json.dumps(signal.intents)],
        )
        return bool(queued)

    async def position(self, conversation_id: str) -> int | None:
        """1 for the next in line; None if not waiting."""
        rank = await self.redis.zrank(keys.handoff_queue_key(), conversation_id)
        return None if rank is None else int(rank) + 1  # type: ignore[arg-type]

    async def wait_per_position_s(self) -> float:
        """Average of recent waits, shared by the agents online: what one place in line costs."""
        raw = await self.redis.lrange(keys.recent_waits_key(), 0, -1)
        waits = [float(as_text(item)) for item in raw]
        per_position = sum(waits) / len(waits) if waits else DEFAULT_WAIT_PER_POSITION_S
        online = max(1, int(await self.redis.scard(keys.online_agents_key())))
        return per_position / online

    async def estimated_wait_s(self, position: int, per_position_s: float | None = None) -> float:
        """Estimated wait of the customer at ``position``, at least 30 seconds."""
        per_position = await self.wait_per_position_s() if per_position_s is None else per_position_s
        return max(MIN_ESTIMATE_S, per_position * position)

    async def waiting(self, limit: int = 200) -> list[Waiting]:
        """The queue, first in line first."""
        members: list[bytes] = await self.redis.zrange(keys.handoff_queue_key(), 0, limit - 1)  # type: ignore[assignment]
        ids = [as_text(i) for i in members]
        now = time.time()
        result = []
        for conversation_id in ids:
            data = await self.redis.hmget(
                keys.conversation_key(conversation_id), ["language", "handoff_reason", "handoff_priority", "queued_at"]
            )
            language, reason, priority, queued_at = (as_text(v) for v in data)
            result.append(
                Waiting(conversation_id, language or "en", reason, int(priority or 1), now - float(queued_at or now))
            )
        return result

    async def claim(self, conversation_id: str, agent: str, capacity: int) -> ClaimResult:
        """Give a waiting conversation to ``agent``, atomically."""
        now = time.time()
        result = await self._claim(
            keys=[
                keys.handoff_queue_key(),
                keys.conversation_key(conversation_id),
                keys.agent_conversations_key(agent),
            ],
            args=[conversation_id, agent, now, capacity],
        )
        if result == 1:
            queued_at = as_text(await self.redis.hget(keys.conversation_key(conversation_id), "queued_at"))
            if queued_at:
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.lpush(keys.recent_waits_key(), round(now - float(queued_at), 1))
                    pipe.ltrim(keys.recent_waits_key(), 0, RECENT_WAITS_KEPT - 1)
                    await pipe.execute()
            return ClaimResult.CLAIMED
        return ClaimResult.AT_CAPACITY if result == -1 else ClaimResult.ALREADY_CLAIMED

    async def claim_next(self, agent: str, capacity: int, attempts: int = 5) -> tuple[ClaimResult, str | None]:
        """Claim whoever is first in line; retried if another agent takes them first."""
        for _ in range(attempts):
            first = await self.redis.zrange(keys.handoff_queue_key(), 0, 0)
            if not first:
                return ClaimResult.QUEUE_EMPTY, None
            conversation_id = as_text(first[0])  # type: ignore[arg-type]
            result = await self.claim(conversation_id, agent, capacity)
            if result is not ClaimResult.ALREADY_CLAIMED:
                return result, conversation_id
        return ClaimResult.ALREADY_CLAIMED, None

    async def requeue_front(self, conversation_id: str, agent: str) -> bool:
        """Put ``agent``'s conversation back at the front of the queue."""
        keys_ = [keys.handoff_queue_key(), keys.conversation_key(conversation_id), keys.agent_conversations_key(agent)]
        return bool(await self._requeue_front(keys=keys_, args=[conversation_id, agent]))

    async def reassign(self, conversation_id: str, current: str, new: str, capacity: int) -> ClaimResult:
        """Move an assigned conversation from ``current`` to ``new`` (a supervisor's decision)."""
        result = await self._reassign(
            keys=[
                keys.conversation_key(conversation_id),
                keys.agent_conversations_key(current),
                keys.agent_conversations_key(new),
            ],
            args=[conversation_id, current, new, capacity, time.time()],
        )
        if result == 1:
            return ClaimResult.CLAIMED
        return ClaimResult.AT_CAPACITY if result == -1 else ClaimResult.ALREADY_CLAIMED

    async def assigned_to(self, agent: str) -> list[str]:
        return sorted(as_text(i) for i in await self.redis.smembers(keys.agent_conversations_key(agent)))

    async def release(self, conversation_id: str, agent: str, *, resolved: bool) -> dict[str, Any] | None:
        """End the agent's part: back to the assistant, recording the episode. None if not theirs."""
        key = keys.conversation_key(conversation_id)
        fields = [
            as_text(v)
            for v in await self.redis.hmget(key, ["state", "agent", "queued_at", "assigned_at", "handoff_reason"])
        ]
        state, owner, queued_at, assigned_at, reason = fields
        if state != "assigned" or owner != agent:
            return None
        episode = {
            "agent": agent,
            "reason": reason,
            "queued_at": float(queued_at or 0),
            "assigned_at": float(assigned_at or 0),
            "ended_at": time.time(),
            "outcome": "resolved" if resolved else "handed_back",
            "rating": None,
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"state": "bot", "agent": "", "awaiting_rating": "1" if resolved else ""})
            pipe.srem(keys.agent_conversations_key(agent), conversation_id)
            pipe.rpush(keys.episodes_key(conversation_id), json.dumps(episode))
            # Episodes go with the conversation (ConversationStore refreshes both with every message).
            pipe.eval(EXPIRE_WITH_SCRIPT, 2, key, keys.episodes_key(conversation_id))
            await pipe.execute()
        return episode

    async def forget(self, conversation_id: str, agent: str | None) -> bool:
        """Take a conversation out of the queue and its agent's list (its data is being deleted); whether it was in."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(keys.handoff_queue_key(), conversation_id)
            if agent:
                pipe.srem(keys.agent_conversations_key(agent), conversation_id)
            removed = await pipe.execute()
        return any(int(count) for count in removed)

    async def episodes(self, conversation_id: str) -> list[dict[str, Any]]:
        return [
            json.loads(as_text(item)) for item in await self.redis.lrange(keys.episodes_key(conversation_id), 0, -1)
        ]

    async def record_rating(self, conversation_id: str, score: int, comment: str) -> bool:
        """Store the customer's rating on the latest resolved episode, once."""
        key = keys.conversation_key(conversation_id)
        if as_text(await self.redis.hget(key, "awaiting_rating")) != "1":
            return False
        raw = await self.redis.lindex(keys.episodes_key(conversation_id), -1)
        if raw is None:
            return False
        episode = json.loads(as_text(raw))
        episode["rating"] = {"score": score, "comment": comment, "at": time.time()}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lset(keys.episodes_key(conversation_id), -1, json.dumps(episode, ensure_ascii=False))
            pipe.hset(key, "awaiting_rating", "")
            await pipe.execute()
        return True
