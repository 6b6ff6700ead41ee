"""Support analytics: what happened each UTC day, per language, kept in Redis.

Recording: :class:`AnalyticsRecorder` has one method per event (a customer's
message, an assistant turn, a handoff, a claim, an agent's reply, the end of a
person's part, a rating). Each adds, in one MULTI of HINCRBY/HINCRBYFLOAT, to
one hash per UTC day and language (:func:`bot.core.keys.analytics_day_key`, expiring
:data:`bot.core.keys.ANALYTICS_TTL_S` after its last write), and increments the
process's Prometheus counters (:mod:`bot.analytics.metrics`): one hook per event.
Times are read from what the queue already keeps: ``queued_at`` and
``assigned_at`` on the conversation, the episode it records when a person's
part ends. A few marker fields on the conversation (``analytics_*``) make each
fact count once. A recorder never raises: an error is logged and the customer's
conversation goes on.

The figures are read back by :mod:`bot.analytics.report`.
"""

from __future__ import annotations

import enum
import functools
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any, Concatenate, Final, ParamSpec

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.analytics.metrics import RATING_SCORES, Metrics
from bot.core import keys
from bot.core.languages import DEFAULT_LANGUAGE, Language, parse_language_tag
from bot.core.logs import log_fields
from bot.core.signals import HandoffReason

__all__ = ["AnalyticsRecorder", "Counted", "handoff_reason_field", "rating_field", "utc_day"]

log = logging.getLogger(__name__)


class Counted(enum.StrEnum):
    """Fields of a day's hash (besides ``handoffs:<reason>`` and ``ratings:<score>``)."""

    #: Conversations whose customer wrote (or asked for a person) for the first time this day.
    CONVERSATIONS = "conversations"
    #: Of those, the ones that went to a person at least once (counted on the day they started).
    HANDED_OFF = "conversations_handed_off"
    ASSISTANT_TURNS = "assistant_turns"
    LOW_CONFIDENCE_TURNS = "low_confidence_turns"
    HANDOFFS = "handoffs"
    WAITS = "waits"
    WAIT_S = "wait_s"
    FIRST_RESPONSES = "first_responses"
    FIRST_RESPONSE_S = "first_response_s"
    HANDLED = "handled"
    HANDLING_S = "handling_s"
    RESOLUTIONS = "resolutions"
    HANDBACKS = "handbacks"
    RATINGS = "ratings"
    RATING_SUM = "rating_sum"


def handoff_reason_field(reason: HandoffReason) -> str:
    return f"handoffs:{reason.value}"


def rating_field(score: int) -> str:
    return f"ratings:{score}"


# Marker fields on the conversation hash (keys.conversation_key).
#: "YYYY-MM-DD/<language>": the day and language the conversation was counted under.
STARTED_FIELD: Final = "analytics_started"
#: Set once the conversation went to a person.
HANDED_OFF_FIELD: Final = "analytics_handed_off"
#: The queued_at whose wait was counted: a conversation put back in line keeps it.
WAIT_COUNTED_FIELD: Final = "analytics_wait_counted"
#: Set at the agent's first reply since the claim; cleared by the next claim.
FIRST_REPLY_FIELD: Final = "analytics_first_reply"

# KEYS[1] conversation hash
# ARGV[1] marker field, ARGV[2] value
# Sets the marker on a conversation that exists and has none yet. Returns
# {the marker's value now, 1 if this call set it else 0}; false if the conversation is gone.
MARK_ONCE_SCRIPT: Final = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local fresh = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
return {redis.call('HGET', KEYS[1], ARGV[1]), fresh}
"""

# KEYS[1] conversation hash
# ARGV[1] first-reply marker field, ARGV[2] wait-counted marker field
# After a claim: a new episode begins (the first-reply marker is cleared) and the
# wait since queued_at is marked counted. Returns {queued_at, assigned_at, language,
# 1 if the wait is to be counted now else 0}; false if the conversation is gone.
CLAIMED_SCRIPT: Final = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
local f = redis.call('HMGET', KEYS[1], 'queued_at', 'assigned_at', 'language', ARGV[2])
local fresh = 0
if f[1] and f[1] ~= f[4] then
  redis.call('HSET', KEYS[1], ARGV[2], f[1])
  fresh = 1
end
return {f[1] or '', f[2] or '', f[3] or '', fresh}
"""

# KEYS[1] conversation hash
# ARGV[1] first-reply marker field
# Returns {assigned_at, language} at the agent's first reply since the claim, else false.
FIRST_REPLY_SCRIPT: Final = """
if redis.call('HGET', KEYS[1], 'state') ~= 'assigned' then return false end
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 0 then return false end
local f = redis.call('HMGET', KEYS[1], 'assigned_at', 'language')
return {f[1] or '', f[2] or ''}
"""

Amounts = dict[str, int | float]
P = ParamSpec("P")


def utc_day(ts: float) -> str:
    """``YYYY-MM-DD`` of a Unix time, in UTC."""
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode()
    return "" if value is None else str(value)


def _language(value: object) -> Language:
    return parse_language_tag(_text(value)) or DEFAULT_LANGUAGE


def _seconds(later: object, earlier: object) -> float | None:
    """``later - earlier`` from two stored timestamps, never negative; None if either is missing."""
    try:
        return max(0.0, float(_text(later)) - float(_text(earlier)))
    except ValueError:
        return None


def _never_raises(
    method: Callable[Concatenate[AnalyticsRecorder, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[AnalyticsRecorder, P], Coroutine[Any, Any, None]]:
    """Analytics must never break a customer's conversation: errors are logged, not raised."""

    @functools.wraps(method)
    async def guarded(self: AnalyticsRecorder, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await method(self, *args, **kwargs)
        except RedisError as error:
            log.warning("analytics not recorded: redis: %s", error, extra=log_fields(event=method.__name__))
        except Exception:
            log.exception("analytics not recorded", extra=log_fields(event=method.__name__))

    return guarded


class AnalyticsRecorder:
    """One method per event; each writes the Redis totals and the Prometheus counters."""

    def __init__(self, redis: Redis, metrics: Metrics | None = None) -> None:
        self.redis = redis
        self.metrics = metrics
        self._mark_once = redis.register_script(MARK_ONCE_SCRIPT)
        self._claimed = redis.register_script(CLAIMED_SCRIPT)
        self._first_reply = redis.register_script(FIRST_REPLY_SCRIPT)

    async def _add(self, *changes: tuple[str, Language, Amounts]) -> None:
        """Add ``amounts`` to the hash of each (day, language), all in one transaction."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for day, language, amounts in changes:
                key = keys.analytics_day_key(day, language)
                for name, amount in amounts.items():
                    if isinstance(amount, int):
                        pipe.hincrby(key, name, amount)
                    else:
                        pipe.hincrbyfloat(key, name, amount)
                pipe.expire(key, keys.ANALYTICS_TTL_S)
            await pipe.execute()

    async def _start(self, conversation_id: str, language: Language, now: float) -> tuple[str, Language] | None:
        """Count the conversation as started, once; the (day, language) it is counted under."""
        marked = await self._mark_once(
            keys=[keys.conversation_key(conversation_id)], args=[STARTED_FIELD, f"{utc_day(now)}/{language}"]
        )
        if not marked:
            return None
        day, _, start_language = _text(marked[0]).partition("/")
        started = (day, _language(start_language))
        if marked[1] == 1:
            await self._add((*started, {Counted.CONVERSATIONS: 1}))
            if self.metrics:
                self.metrics.conversations.labels(started[1]).inc()
        return started

    @_never_raises
    async def customer_message(self, conversation_id: str, language: Language, *, now: float | None = None) -> None:
        """A customer's message was stored: the first one starts the conversation."""
        await self._start(conversation_id, language, time.time() if now is None else now)

    @_never_raises
    async def assistant_turn(self, language: Language, *, low_confidence: bool, now: float | None = None) -> None:
        """The assistant answered a customer's message (``low_confidence``: it was not sure what they meant)."""
        amounts: Amounts = {Counted.ASSISTANT_TURNS: 1, Counted.LOW_CONFIDENCE_TURNS: int(low_confidence)}
        await self._add((utc_day(time.time() if now is None else now), language, amounts))
        if self.metrics:
            self.metrics.assistant_turns.labels(language).inc()
            if low_confidence:
                self.metrics.low_confidence_turns.labels(language).inc()

    @_never_raises
    async def handoff(
        self, conversation_id: str, reason: HandoffReason, language: Language | None = None, *, now: float | None = None
    ) -> None:
        """The conversation was put in line for a person (call only when the queue took it)."""
        now = time.time() if now is None else now
        if language is None:
            language = _language(await self.redis.hget(keys.conversation_key(conversation_id), "language"))
        # The widget's button may come before any message: that starts the conversation too.
        started = await self._start(conversation_id, language, now)
        amounts: Amounts = {Counted.HANDOFFS: 1, handoff_reason_field(reason): 1}
        changes = [(utc_day(now), language, amounts)]
        first_time = await self._mark_once(keys=[keys.conversation_key(conversation_id)], args=[HANDED_OFF_FIELD, "1"])
        if started is not None and first_time and first_time[1] == 1:
            changes.append((*started, {Counted.HANDED_OFF: 1}))
        await self._add(*changes)
        if self.metrics:
            self.metrics.handoffs.labels(language, reason.value).inc()

    @_never_raises
    async def claimed(self, conversation_id: str) -> None:
        """An agent claimed the conversation: the customer's wait ends, the agent's first response is awaited."""
        claim = await self._claimed(
            keys=[keys.conversation_key(conversation_id)], args=[FIRST_REPLY_FIELD, WAIT_COUNTED_FIELD]
        )
        if not claim:
            return
        queued_at, assigned_at, language_text, wait_not_counted = claim
        waited = _seconds(assigned_at, queued_at)
        if wait_not_counted != 1 or waited is None:
            return
        language = _language(language_text)
        day = utc_day(float(_text(assigned_at)))
        await self._add((day, language, {Counted.WAITS: 1, Counted.WAIT_S: waited}))
        if self.metrics:
            self.metrics.waiting_seconds.labels(language).observe(waited)

    @_never_raises
    async def agent_replied(self, conversation_id: str, *, now: float | None = None) -> None:
        """An agent wrote to the customer; the first time since the claim is the first response."""
        now = time.time() if now is None else now
        first = await self._first_reply(keys=[keys.conversation_key(conversation_id)], args=[FIRST_REPLY_FIELD])
        if not first:
            return
        assigned_at, language_text = first
        responded = _seconds(now, assigned_at)
        if responded is None:
            return
        language = _language(language_text)
        await self._add((utc_day(now), language, {Counted.FIRST_RESPONSES: 1, Counted.FIRST_RESPONSE_S: responded}))
        if self.metrics:
            self.metrics.first_response_seconds.labels(language).observe(responded)

    @_never_raises
    async def released(self, conversation_id: str, episode: Mapping[str, Any], *, resolved: bool) -> None:
        """A person's part ended (``episode`` as the queue recorded it): resolved, or handed back."""
        language = _language(await self.redis.hget(keys.conversation_key(conversation_id), "language"))
        ended_at = float(episode.get("ended_at") or time.time())
        amounts: Amounts = {Counted.RESOLUTIONS if resolved else Counted.HANDBACKS: 1}
        handled = _seconds(ended_at, episode.get("assigned_at")) if episode.get("assigned_at") else None
        if handled is not None:
            amounts |= {Counted.HANDLED: 1, Counted.HANDLING_S: handled}
        await self._add((utc_day(ended_at), language, amounts))
        if self.metrics:
            (self.metrics.resolutions if resolved else self.metrics.handbacks).labels(language).inc()
            if handled is not None:
                self.metrics.handling_seconds.labels(language).observe(handled)

    @_never_raises
    async def rated(self, conversation_id: str, score: int, *, now: float | None = None) -> None:
        """The customer rated the person's help (1-5); call once the rating was stored."""
        if score not in RATING_SCORES:
            return
        language = _language(await self.redis.hget(keys.conversation_key(conversation_id), "language"))
        amounts: Amounts = {Counted.RATINGS: 1, Counted.RATING_SUM: score, rating_field(score): 1}
        await self._add((utc_day(time.time() if now is None else now), language, amounts))
        if self.metrics:
            self.metrics.ratings.labels(language, str(score)).inc()
