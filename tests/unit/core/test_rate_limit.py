from redis.asyncio import Redis

from bot.core.rate_limit import RateLimiter


async def test_allows_the_limit_then_refuses_until_the_next_window(redis_client: Redis) -> None:
    limiter = RateLimiter(redis_client, "session", limit=3, window_s=60)
    assert [await limiter.allow("s1", now=120.0) for _ in range(4)] == [True, True, True, False]
    assert await limiter.allow("s2", now=120.0)
    assert await limiter.allow("s1", now=180.0)
