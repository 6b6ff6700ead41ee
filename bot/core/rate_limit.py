"""Flood protection: fixed-window event counters in Redis, shared by every gateway.

Customers' messages and events (``bot.gateway.customer_socket``) and agents'
console requests (``handoff.agent_socket``) are counted here.
"""

from __future__ import annotations

import time

from redis.asyncio import Redis

from bot.core import keys

__all__ = ["RateLimiter"]


class RateLimiter:
    """Allows ``limit`` events per ``window_s`` seconds per subject."""

    def __init__(self, redis: Redis, scope: str, limit: int, window_s: int) -> None:
        self.redis = redis
        self.scope = scope
        self.limit = limit
        self.window_s = window_s

    async def allow(self, subject: str, now: float | None = None) -> bool:
        """Count one event; False once the subject is over its limit in this window."""
        window = int((time.time() if now is None else now) // self.window_s)
        key = keys.rate_key(self.scope, subject, window)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.window_s * 2)
            count, _ = await pipe.execute()
        return int(count) <= self.limit
