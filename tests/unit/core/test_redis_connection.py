from __future__ import annotations

import pytest
from redis.asyncio import BlockingConnectionPool
from redis.asyncio.sentinel import SentinelConnectionPool

from bot.core.redis_connection import SentinelAddress, connect, is_sentinel_url, parse_sentinel_url
from bot.supervisor.stack import rasa_redis_environment


def test_a_sentinel_url_names_the_sentinels_the_db_and_the_service() -> None:
    url = "redis+sentinel://:s%40cret@10.0.0.1:26379,10.0.0.2:26380/2/support"
    assert is_sentinel_url(url) and not is_sentinel_url("redis://127.0.0.1:6379/0")
    assert parse_sentinel_url(url) == SentinelAddress(
        sentinels=(("10.0.0.1", 26379), ("10.0.0.2", 26380)), service="support", db=2, password="s@cret"
    )


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",  # not a sentinel URL
        "redis+sentinel://10.0.0.1/0/support",  # no port
        "redis+sentinel://10.0.0.1:26379/support",  # no db
        "redis+sentinel://10.0.0.1:26379/0",  # no service
        "redis+sentinel://10.0.0.1:x/0/support",
    ],
)
def test_a_malformed_sentinel_url_is_refused_with_the_reason(url: str) -> None:
    with pytest.raises(ValueError):
        parse_sentinel_url(url)


async def test_connect_waits_for_a_connection_in_turn_with_or_without_sentinel() -> None:
    plain = connect("redis://127.0.0.1:6379/3", max_connections=7, wait_s=2.0)
    sentinel = connect("redis+sentinel://127.0.0.1:26379/3/support", max_connections=7, wait_s=2.0)
    try:
        for client in (plain, sentinel):
            pool = client.connection_pool
            assert isinstance(pool, BlockingConnectionPool) and pool.max_connections == 7 and pool.timeout == 2.0
            assert pool.connection_kwargs["db"] == 3
        assert isinstance(sentinel.connection_pool, SentinelConnectionPool)
        assert sentinel.connection_pool.service_name == "support"
    finally:
        await plain.aclose()
        await sentinel.aclose()


def test_rasa_gets_the_sentinels_or_the_plain_server() -> None:
    env = rasa_redis_environment("redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:26379/1/support", 3600)
    assert env["RASA_REDIS_SENTINELS"] == "10.0.0.1:26379,10.0.0.2:26379"
    assert env["RASA_REDIS_SERVICE"] == "support" and env["RASA_REDIS_DB"] == "1" and env["RASA_REDIS_PASSWORD"] == "pw"
    plain = rasa_redis_environment("redis://:pw@10.0.0.9:6380/4", 3600)
    assert plain["RASA_REDIS_SENTINELS"] == "" and plain["RASA_REDIS_HOST"] == "10.0.0.9"
    assert (
        plain["RASA_REDIS_PORT"] == "6380" and plain["RASA_REDIS_DB"] == "4" and plain["RASA_TRACKER_TTL_S"] == "3600"
    )
