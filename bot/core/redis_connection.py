"""Connecting to Redis from ``REDIS_URL``: one server, or the primary a Redis Sentinel names.

``REDIS_URL`` takes redis-py's forms (``redis://[:password@]host:port/db``,
``rediss://`` for TLS, ``unix://``) and, for a Redis with replicas watched by
Sentinel, python-socketio's form, which its Redis manager reads as well::

    redis+sentinel://[:password@]sentinel1:26379,sentinel2:26379/db/service

The password is the Redis servers'; the sentinels are asked without one. The
client asks the sentinels where the primary is and asks again after a failover:
the command that met the failed primary raises ``ConnectionError``, later ones
go to the new primary once the sentinels have promoted it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

__all__ = ["SentinelAddress", "connect", "is_sentinel_url", "parse_sentinel_url"]

SENTINEL_SCHEME = "redis+sentinel"
#: How long a sentinel may take to say where the primary is.
SENTINEL_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class SentinelAddress:
    """Where the sentinels are, the service they watch, and how to log in to its servers."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None


def is_sentinel_url(url: str) -> bool:
    return urlsplit(url).scheme == SENTINEL_SCHEME


def parse_sentinel_url(url: str) -> SentinelAddress:
    """``redis+sentinel://[:password@]host:port,host:port/db/service``; ``ValueError`` if it is not one."""
    parts = urlsplit(url)
    if parts.scheme != SENTINEL_SCHEME:
        raise ValueError(f"not a {SENTINEL_SCHEME}:// URL")
    credentials, _, hosts = parts.netloc.rpartition("@")
    sentinels = []
    for host_port in hosts.split(","):
        host, separator, port = host_port.strip().rpartition(":")
        if not separator or not host or not port.isdigit():
            raise ValueError(f"a sentinel must be host:port, not {host_port!r}")
        sentinels.append((host.strip("[]"), int(port)))
    path = [part for part in parts.path.split("/") if part]
    if len(path) != 2 or not path[0].isdigit():
        raise ValueError("a sentinel URL ends in /db/service, for example /0/mymaster")
    username, _, password = credentials.partition(":")
    return SentinelAddress(
        sentinels=tuple(sentinels),
        service=path[1],
        db=int(path[0]),
        username=unquote(username) or None,
        password=unquote(password) or None,
    )


class _SentinelBlockingPool(SentinelConnectionPool, BlockingConnectionPool):
    """The primary's connections, found through Sentinel, and waited for in turn when all are busy."""


class _SentinelPrimary(Redis):
    """A client of the primary that also closes its connections to the sentinels."""

    sentinel_manager: Sentinel | None = None

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        if self.sentinel_manager is not None:
            await self.sentinel_manager.aclose()


def connect(url: str, max_connections: int | None = None, wait_s: float | None = None) -> Redis:
    """A client for ``url``. With ``max_connections``, a burst waits up to ``wait_s`` for a connection.

    Connecting is lazy: nothing is asked of Redis or the sentinels until the first command.
    """
    pool_options: dict[str, Any] = {}
    if max_connections is not None:
        pool_options = {"max_connections": max_connections, "timeout": wait_s}
    if not is_sentinel_url(url):
        if not pool_options:
            return Redis.from_url(url)
        return Redis.from_pool(BlockingConnectionPool.from_url(url, **pool_options))
    address = parse_sentinel_url(url)
    sentinel = Sentinel(list(address.sentinels), socket_timeout=SENTINEL_TIMEOUT_S)  # type: ignore[no-untyped-call]
    primary: _SentinelPrimary = sentinel.master_for(
        address.service,
        redis_class=_SentinelPrimary,
        connection_pool_class=_SentinelBlockingPool if pool_options else SentinelConnectionPool,
        db=address.db,
        username=address.username,
        password=address.password,
        **pool_options,
    )
    primary.sentinel_manager = sentinel
    return primary
