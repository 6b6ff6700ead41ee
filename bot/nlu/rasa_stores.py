"""Rasa's Redis tracker and lock stores, able to follow a Redis Sentinel failover.

Loaded by Rasa itself (``type: bot.nlu.rasa_stores.RedisTrackerStore`` in
endpoints.yml), so it runs in Rasa's environment (redis-py 4.6) and imports only
Rasa and redis. With ``sentinels`` empty they are Rasa's own Redis stores,
unchanged. With ``sentinels`` (``host:port,host:port``) and ``sentinel_service``
they ask the sentinels where the primary is, and ask again after a failover, so
a Rasa worker keeps serving when Redis's primary moves; the turn that met the
failed primary fails (the gateway tells the customer), the next ones go through.
The supervisor fills both from a ``redis+sentinel://`` ``REDIS_URL``.
"""

from __future__ import annotations

from typing import Any

import redis
from rasa.core.lock_store import DEFAULT_SOCKET_TIMEOUT_IN_SECONDS
from rasa.core.lock_store import RedisLockStore as RasaRedisLockStore
from rasa.core.tracker_store import RedisTrackerStore as RasaRedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig
from redis.sentinel import Sentinel

__all__ = ["RedisLockStore", "RedisTrackerStore", "parse_sentinels"]

SENTINEL_TIMEOUT_S = 1.0


def parse_sentinels(value: str | None) -> list[tuple[str, int]]:
    """``"host:port,host:port"`` as pairs; empty or None gives none."""
    sentinels = []
    for host_port in (value or "").split(","):
        if host_port.strip():
            host, _, port = host_port.strip().rpartition(":")
            sentinels.append((host, int(port)))
    return sentinels


def sentinel_primary(
    sentinels: list[tuple[str, int]], service: str, options: dict[str, Any], **client_options: Any
) -> redis.Redis:
    """A client of the primary the sentinels name for ``service``, found again after a failover."""
    sentinel = Sentinel(sentinels, socket_timeout=SENTINEL_TIMEOUT_S)
    return sentinel.master_for(
        service,
        db=int(options.get("db") or 0),
        username=options.get("username") or None,
        password=options.get("password") or None,
        **client_options,
    )


class RedisTrackerStore(RasaRedisTrackerStore):
    """Rasa's Redis tracker store; through Sentinel when ``sentinels`` is set."""

    def __init__(
        self,
        domain: Domain,
        host: str = "localhost",
        sentinels: str | None = None,
        sentinel_service: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, host=host, **kwargs)
        found = parse_sentinels(sentinels)
        if found:
            self.red = sentinel_primary(found, sentinel_service or "mymaster", kwargs, decode_responses=True)


class RedisLockStore(RasaRedisLockStore):
    """Rasa's Redis lock store; through Sentinel when ``sentinels`` is set.

    Rasa builds a custom lock store from its endpoint configuration alone.
    """

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options = dict(endpoint_config.kwargs)
        found = parse_sentinels(options.pop("sentinels", None))
        service = options.pop("sentinel_service", None) or "mymaster"
        super().__init__(host=endpoint_config.url or "localhost", **options)
        if found:
            timeout = options.get("socket_timeout", DEFAULT_SOCKET_TIMEOUT_IN_SECONDS)
            self.red = sentinel_primary(found, service, {"db": 1, **options}, socket_timeout=timeout)
