"""The /metrics endpoint: text exposition of the process's counters, gauges read from Redis, the token."""

from __future__ import annotations

from aiohttp import test_utils, web
from redis.asyncio import Redis

from bot.analytics.metrics import Metrics, register_metrics_route
from bot.core import keys


async def scrape(redis: Redis, token: str, headers: dict[str, str] | None = None) -> tuple[int, str, Metrics]:
    metrics = Metrics()
    metrics.handoffs.labels("fa", "complaint").inc()
    app = web.Application()
    register_metrics_route(app, lambda: metrics, lambda: redis, token)
    async with test_utils.TestClient(test_utils.TestServer(app)) as client:
        response = await client.get("/metrics", headers=headers or {})
        return response.status, await response.text(), metrics


async def test_metrics_are_text_with_counters_and_gauges_from_redis(redis_client: Redis) -> None:
    await redis_client.zadd(keys.handoff_queue_key(), {"a": 1, "b": 2})
    await redis_client.sadd(keys.online_agents_key(), "anna")
    status, text, _ = await scrape(redis_client, "")
    assert status == 200
    assert 'support_handoffs_total{language="fa",reason="complaint"} 1.0' in text
    assert 'support_handoffs_total{language="en",reason="customer_request"} 0.0' in text
    assert "support_queue_length 2.0" in text and "support_agents_online 1.0" in text
    assert "# TYPE support_waiting_seconds histogram" in text


async def test_metrics_token_is_required_when_set(redis_client: Redis) -> None:
    assert (await scrape(redis_client, "s3cret"))[0] == 401
    assert (await scrape(redis_client, "s3cret", {"Authorization": "Bearer wrong"}))[0] == 401
    assert (await scrape(redis_client, "s3cret", {"Authorization": "Bearer s3cret"}))[0] == 200


async def test_without_a_token_only_this_machine_may_scrape(redis_client: Redis) -> None:
    assert (await scrape(redis_client, ""))[0] == 200, "the test client is on loopback"
    assert (await scrape(redis_client, "", {"X-Forwarded-For": "203.0.113.9"}))[0] == 403, "through a proxy"
    assert (await scrape(redis_client, "", {"Forwarded": "for=203.0.113.9"}))[0] == 403
