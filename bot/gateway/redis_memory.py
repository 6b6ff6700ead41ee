"""Room in Redis for new conversations: refuse new sessions before memory runs out.

Redis runs with ``maxmemory`` and the ``noeviction`` policy (the private Redis
of ``make run`` does): it never evicts a conversation silently, it refuses
writes instead. So that conversations in progress keep room, the gateway stops
opening new sessions once Redis uses :attr:`RedisMemory.share` of its
``maxmemory``; customers are told to try again. The reading is cached for
:data:`CACHE_S`, so a flood of session requests costs one ``INFO`` a second.
"""

from __future__ import annotations

import logging
import time
from typing import Final

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.core.logs import log_fields

__all__ = ["RedisMemory"]

log = logging.getLogger(__name__)

CACHE_S: Final = 1.0


class RedisMemory:
    def __init__(self, redis: Redis, share: float) -> None:
        self.redis = redis
        self.share = share
        self._checked_at = 0.0
        self._room = True

    async def has_room(self) -> bool:
        """Whether a new session may be opened (always, without a ``maxmemory``)."""
        if time.monotonic() - self._checked_at < CACHE_S:
            return self._room
        try:
            info = await self.redis.info("memory")
        except RedisError as error:
            log.warning("memory not read: redis: %s", error)
            return self._room
        used, limit = int(info.get("used_memory", 0)), int(info.get("maxmemory", 0))
        room = limit == 0 or used < limit * self.share
        if room != self._room:
            log.warning(
                "new sessions " + ("open again" if room else "refused"), extra=log_fields(used=used, limit=limit)
            )
        self._room, self._checked_at = room, time.monotonic()
        return room
