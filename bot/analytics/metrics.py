"""Prometheus metrics of one gateway process, served at ``/metrics``.

The counters and histograms count what *this* process handled; with several
gateways, sum them in Prometheus (``sum by (language) (rate(...))``). They are
incremented by :class:`bot.analytics.recorder.AnalyticsRecorder`, in the same call that
writes the Redis totals the dashboard reads, so each event has one hook.
The two gauges (queue length, agents online) are read from Redis at scrape
time: every gateway reports the same value, so take ``max`` of them, not the sum.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import math
from collections.abc import Callable
from typing import Final

from aiohttp import web
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.core import keys
from bot.core.languages import SUPPORTED_LANGUAGES
from bot.core.signals import HandoffReason

__all__ = ["METRICS_PATH", "Metrics", "register_metrics_route"]

log = logging.getLogger(__name__)

METRICS_PATH: Final = "/metrics"
RATING_SCORES: Final = (1, 2, 3, 4, 5)
# Seconds: a customer waits from seconds to an hour; a first reply takes seconds to
# minutes; a conversation with a person lasts minutes to hours.
WAITING_BUCKETS: Final = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)
FIRST_RESPONSE_BUCKETS: Final = (5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)
HANDLING_BUCKETS: Final = (30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0)


class Metrics:
    """The process's own registry: counters labelled by language (and reason, score)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.conversations = Counter(
            "support_conversations", "Conversations started (first customer message)", ["language"], registry=r
        )
        self.assistant_turns = Counter(
            "support_assistant_turns", "Customer messages answered by the assistant", ["language"], registry=r
        )
        self.low_confidence_turns = Counter(
            "support_low_confidence_turns", "Assistant turns that were low-confidence", ["language"], registry=r
        )
        self.handoffs = Counter(
            "support_handoffs", "Conversations put in line for a person", ["language", "reason"], registry=r
        )
        self.resolutions = Counter(
            "support_resolutions", "Conversations resolved by a person", ["language"], registry=r
        )
        self.handbacks = Counter(
            "support_handbacks", "Conversations a person handed back to the assistant", ["language"], registry=r
        )
        self.ratings = Counter(
            "support_ratings", "Satisfaction ratings given, by score 1-5", ["language", "score"], registry=r
        )
        self.waiting_seconds = Histogram(
            "support_waiting_seconds",
            "Customer's wait from queued to claimed by an agent",
            ["language"],
            buckets=WAITING_BUCKETS,
            registry=r,
        )
        self.first_response_seconds = Histogram(
            "support_first_response_seconds",
            "From claimed to the agent's first reply to the customer",
            ["language"],
            buckets=FIRST_RESPONSE_BUCKETS,
            registry=r,
        )
        self.handling_seconds = Histogram(
            "support_handling_seconds",
            "From claimed to resolved or handed back",
            ["language"],
            buckets=HANDLING_BUCKETS,
            registry=r,
        )
        self.queue_length = Gauge("support_queue_length", "Conversations waiting for a person (Redis)", registry=r)
        self.agents_online = Gauge("support_agents_online", "Agents online with a console open (Redis)", registry=r)
        self._create_series()

    def _create_series(self) -> None:
        """Every label combination exists from the start, at zero: no series appears out of nowhere."""
        for language in SUPPORTED_LANGUAGES:
            for labelled in (
                self.conversations,
                self.assistant_turns,
                self.low_confidence_turns,
                self.resolutions,
                self.handbacks,
                self.waiting_seconds,
                self.first_response_seconds,
                self.handling_seconds,
            ):
                labelled.labels(language)
            for reason in HandoffReason:
                self.handoffs.labels(language, reason.value)
            for score in RATING_SCORES:
                self.ratings.labels(language, str(score))

    async def read_gauges(self, redis: Redis) -> None:
        """Queue length and agents online, from Redis; NaN when Redis cannot be asked."""
        try:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.zcard(keys.handoff_queue_key())
                pipe.scard(keys.online_agents_key())
                waiting, online = await pipe.execute()
        except RedisError as error:
            log.warning("metrics: gauges not read: redis: %s", error)
            waiting = online = math.nan
        self.queue_length.set(float(waiting))
        self.agents_online.set(float(online))

    def exposition(self) -> bytes:
        """The registry in Prometheus' classic text exposition format (0.0.4), which every scraper reads."""
        return generate_latest(self.registry)


def _from_this_machine(request: web.Request) -> bool:
    try:
        loopback = ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False
    return loopback and "X-Forwarded-For" not in request.headers and "Forwarded" not in request.headers


def register_metrics_route(
    app: web.Application, get_metrics: Callable[[], Metrics], get_redis: Callable[[], Redis], token: str
) -> None:
    """``GET /metrics``: with a ``token``, only for ``Authorization: Bearer <token>``; without
    one, only for a scraper on this machine (loopback, not forwarded by a proxy)."""

    async def metrics(request: web.Request) -> web.Response:
        if token:
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
                raise web.HTTPUnauthorized(text="unauthorized\n")
        elif not _from_this_machine(request):
            raise web.HTTPForbidden(text="set METRICS_TOKEN to read /metrics from another machine\n")
        collected = get_metrics()
        await collected.read_gauges(get_redis())
        return web.Response(
            body=collected.exposition(), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4, "Cache-Control": "no-store"}
        )

    app.router.add_get(METRICS_PATH, metrics)
