"""Who of the staff is here: console sockets kept alive by heartbeats, in Redis.

Each console socket is a member of the agent's sorted set, scored by when its
heartbeat runs out (``ttl_s`` after the last beat). Its gateway beats for it
(:meth:`AgentPresence.heartbeat`) while it is open and removes it when it
closes; the sockets of a gateway that died simply run out. An agent is online
when they chose "online" and a socket of theirs is alive; :meth:`online_count`
drops from the online set whoever has none left, so a dead gateway's agents go
offline within ``ttl_s``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Final

from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentStatus
from bot.core.redis_values import as_text

__all__ = ["DEFAULT_PRESENCE_TTL_S", "AgentPresence"]

DEFAULT_PRESENCE_TTL_S: Final = 90.0
STATUS_FIELD: Final = "status"
LAST_SEEN_FIELD: Final = "last_seen"


class AgentPresence:
    def __init__(self, redis: Redis, ttl_s: float = DEFAULT_PRESENCE_TTL_S) -> None:
        self.redis = redis
        self.ttl_s = ttl_s

    async def socket_connected(self, username: str, sid: str, status: AgentStatus = AgentStatus.ONLINE) -> None:
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(keys.agent_sockets_key(username), {sid: now + self.ttl_s})
            pipe.hset(keys.agent_presence_key(username), mapping={STATUS_FIELD: status.value, LAST_SEEN_FIELD: now})
            if status is AgentStatus.ONLINE:
                pipe.sadd(keys.online_agents_key(), username)
            await pipe.execute()

    async def heartbeat(self, sockets: Iterable[tuple[str, str]]) -> None:
        """Keep these ``(username, sid)`` sockets alive for another ``ttl_s``."""
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            for username, sid in sockets:
                pipe.zadd(keys.agent_sockets_key(username), {sid: now + self.ttl_s}, xx=True)
                pipe.hset(keys.agent_presence_key(username), LAST_SEEN_FIELD, now)
            await pipe.execute()

    async def socket_disconnected(self, username: str, sid: str) -> int:
        """Sockets the agent still has alive (0: gone, unless they come back)."""
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(keys.agent_sockets_key(username), sid)
            pipe.hset(keys.agent_presence_key(username), LAST_SEEN_FIELD, now)
            await pipe.execute()
        remaining = await self.open_sockets(username)
        if remaining == 0:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(keys.agent_presence_key(username), STATUS_FIELD, AgentStatus.OFFLINE.value)
                pipe.srem(keys.online_agents_key(), username)
                await pipe.execute()
        return remaining

    async def open_sockets(self, username: str) -> int:
        """The agent's sockets whose heartbeat has not run out."""
        key = keys.agent_sockets_key(username)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", time.time())
            pipe.zcard(key)
            _, count = await pipe.execute()
        return int(count)

    async def last_seen(self, username: str) -> float | None:
        """When a console of the agent was last heard of (connected, beat or closed)."""
        value = as_text(await self.redis.hget(keys.agent_presence_key(username), LAST_SEEN_FIELD))
        return float(value) if value else None

    async def status(self, username: str) -> AgentStatus:
        value = as_text(await self.redis.hget(keys.agent_presence_key(username), STATUS_FIELD))
        if not value or await self.open_sockets(username) == 0:
            return AgentStatus.OFFLINE
        return AgentStatus(value)

    async def set_status(self, username: str, status: AgentStatus) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.agent_presence_key(username), STATUS_FIELD, status.value)
            if status is AgentStatus.ONLINE:
                pipe.sadd(keys.online_agents_key(), username)
            else:
                pipe.srem(keys.online_agents_key(), username)
            await pipe.execute()

    async def online_count(self) -> int:
        """Agents online with a live console; whoever has none left is dropped from the online set."""
        online = [as_text(username) for username in await self.redis.smembers(keys.online_agents_key())]
        gone = [username for username in online if await self.open_sockets(username) == 0]
        if gone:
            await self.redis.srem(keys.online_agents_key(), *gone)
            async with self.redis.pipeline(transaction=False) as pipe:
                for username in gone:
                    pipe.hset(keys.agent_presence_key(username), STATUS_FIELD, AgentStatus.OFFLINE.value)
                await pipe.execute()
        return len(online) - len(gone)
