"""Room for new sessions, read from a real Redis's memory figures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.gateway import redis_memory
from bot.gateway.redis_memory import RedisMemory


@pytest.fixture
async def limited(redis_client: Redis) -> AsyncIterator[Redis]:
    yield redis_client
    await redis_client.config_set("maxmemory", 0)


async def test_room_without_a_limit_and_none_near_it(limited: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_memory, "CACHE_S", 0.0)
    memory = RedisMemory(limited, share=0.9)
    await limited.config_set("maxmemory", 0)
    assert await memory.has_room()
    used = int((await limited.info("memory"))["used_memory"])
    await limited.config_set("maxmemory", used * 100)
    assert await memory.has_room()
    await limited.config_set("maxmemory", int(used * 1.05))  # over 90 % of the limit
    assert not await memory.has_room()


async def test_the_reading_is_cached(limited: Redis) -> None:
    memory = RedisMemory(limited, share=0.9)
    assert await memory.has_room()
    await limited.config_set("maxmemory", 1024 * 1024)  # far below what Redis uses
    assert await memory.has_room(), "still the cached reading"
