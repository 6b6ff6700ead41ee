"""The trainers' inbox: customer messages the assistant did not understand.

A message lands here when it fell below the confidence threshold, when it led
to a handoff, or when an agent flagged it from the console. Each item keeps
the text, its language, the model's best guesses with their confidences and
where it came from. Trainers label an item (it becomes a training example) or
discard it; taking an item out is atomic, so two trainers never label one
message twice.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Final, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.core import keys
from bot.core.languages import DEFAULT_LANGUAGE, Language, parse_language_tag
from bot.core.logs import log_fields

__all__ = ["InboxItem", "InboxReason", "NluInbox"]

#: The oldest items are dropped beyond this many: the inbox is a work list, not an archive.
MAX_ITEMS: Final = 5000
MAX_ITEMS_PER_CONVERSATION: Final = 10
MAX_GUESSES: Final = 5


log = logging.getLogger(__name__)


class InboxReason(enum.StrEnum):
    LOW_CONFIDENCE = "low_confidence"
    HANDOFF = "handoff"
    FLAGGED = "flagged"


@dataclass(frozen=True)
class InboxItem:
    """One message waiting for a trainer."""

    item_id: str
    text: str
    language: Language
    reason: InboxReason
    conversation_id: str
    seq: int
    #: The model's best guesses, ``[{"name": "faq/warranty", "confidence": 0.41}, ...]``.
    intents: list[dict[str, Any]] = field(default_factory=list)
    #: For handoffs, why (``customer_request``...); for flags, the agent who flagged it.
    detail: str = ""
    created_at: float = field(default_factory=time.time)

    @property
    def predicted(self) -> str:
        """The best guess's name, or ``""`` when the model gave none."""
        return str(self.intents[0].get("name") or "") if self.intents else ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> InboxItem:
        data = json.loads(raw)
        data["reason"] = InboxReason(data["reason"])
        return cls(**data)

    def to_public(self) -> dict[str, Any]:
        return {**asdict(self), "predicted": self.predicted}


def item_id_for(conversation_id: str, seq: int) -> str:
    """One item per customer message: a second trigger for the same message is not a second item."""
    return hashlib.sha256(f"{conversation_id}:{seq}".encode()).hexdigest()[:20]


def clean_guesses(intents: object) -> list[dict[str, Any]]:
    """The guesses as the action server sent them, checked: names and confidences only."""
    guesses: list[dict[str, Any]] = []
    for guess in intents if isinstance(intents, list) else []:
        if not isinstance(guess, dict) or not isinstance(guess.get("name"), str):
            continue
        try:
            confidence = round(float(guess.get("confidence", 0.0)), 4)
        except (TypeError, ValueError):
            continue
        guesses.append({"name": guess["name"][:100], "confidence": confidence})
    return guesses[:MAX_GUESSES]


class NluInbox:
    """The inbox in Redis: a hash of items by id and a sorted set of ids by arrival."""

    def __init__(self, redis: Redis, max_items: int = MAX_ITEMS) -> None:
        self.redis = redis
        self.max_items = max_items

    async def add(
        self,
        *,
        text: str,
        language: str,
        reason: InboxReason,
        conversation_id: str,
        seq: int,
        intents: object = None,
        detail: str = "",
    ) -> InboxItem | None:
        """Keep a message for the trainers; None if that message is already in (or was) in the inbox."""
        item = InboxItem(
            item_id=item_id_for(conversation_id, seq),
            text=text,
            language=parse_language_tag(language) or DEFAULT_LANGUAGE,
            reason=reason,
            conversation_id=conversation_id,
            seq=seq,
            intents=clean_guesses(intents),
            detail=detail,
        )
        # The id is remembered a while after the item is labelled, so a late
        # second trigger for the same message does not bring it back.
        if not await self.redis.set(keys.inbox_seen_key(item.item_id), 1, nx=True, ex=30 * 24 * 3600):
            return None
        if reason is not InboxReason.FLAGGED and not await self._within_share(conversation_id):
            return None
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.inbox_items_key(), item.item_id, item.to_json())
            pipe.zadd(keys.inbox_order_key(), {item.item_id: item.created_at})
            await pipe.execute()
        await self._trim()
        return item

    async def keep(
        self,
        *,
        text: str,
        language: str,
        reason: InboxReason,
        conversation_id: str,
        seq: int,
        intents: object = None,
        detail: str = "",
    ) -> InboxItem | None:
        """:meth:`add` where the customer must not pay for it: a Redis error is logged, not raised."""
        try:
            return await self.add(
                text=text,
                language=language,
                reason=reason,
                conversation_id=conversation_id,
                seq=seq,
                intents=intents,
                detail=detail,
            )
        except RedisError as error:
            log.error("not kept for trainers: redis: %s", error, extra=log_fields(conversation=conversation_id))
            return None

    async def _within_share(self, conversation_id: str) -> bool:
        """One conversation brings at most :data:`MAX_ITEMS_PER_CONVERSATION` a day (agents' flags aside),
        so a script cannot push real customers' messages out of the inbox."""
        key = keys.inbox_count_key(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 24 * 3600, nx=True)
            count, _ = await pipe.execute()
        return int(count) <= MAX_ITEMS_PER_CONVERSATION

    async def _trim(self) -> None:
        excess = await self.redis.zcard(keys.inbox_order_key()) - self.max_items
        if excess > 0:
            oldest = cast(list[tuple[bytes, float]], await self.redis.zpopmin(keys.inbox_order_key(), excess))
            if oldest:
                await self.redis.hdel(keys.inbox_items_key(), *[item_id.decode() for item_id, _ in oldest])

    async def items(self, limit: int = 500) -> list[InboxItem]:
        """The oldest waiting items first."""
        ids = cast(list[bytes], await self.redis.zrange(keys.inbox_order_key(), 0, limit - 1))
        if not ids:
            return []
        raw = await self.redis.hmget(keys.inbox_items_key(), ids)
        return [InboxItem.from_json(value) for value in raw if value is not None]

    async def items_of(self, conversation_ids: set[str]) -> list[InboxItem]:
        """Every waiting item taken from these conversations' messages."""
        raw = await self.redis.hvals(keys.inbox_items_key())
        return [item for item in map(InboxItem.from_json, raw) if item.conversation_id in conversation_ids]

    async def remove(self, item_ids: list[str]) -> int:
        """Remove these items (a customer's data deleted, or too old); how many were there."""
        if not item_ids:
            return 0
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(keys.inbox_items_key(), *item_ids)
            pipe.zrem(keys.inbox_order_key(), *item_ids)
            removed, _ = await pipe.execute()
        return int(removed)

    async def remove_older_than(self, cutoff: float) -> int:
        """Remove the items kept before ``cutoff`` (unix seconds): the retention."""
        old = cast(list[bytes], await self.redis.zrangebyscore(keys.inbox_order_key(), "-inf", f"({cutoff}"))
        return await self.remove([item_id.decode() for item_id in old])

    async def count(self) -> int:
        return int(await self.redis.zcard(keys.inbox_order_key()))

    async def get(self, item_id: str) -> InboxItem | None:
        raw = await self.redis.hget(keys.inbox_items_key(), item_id)
        return InboxItem.from_json(raw) if raw is not None else None

    async def take(self, item_id: str) -> InboxItem | None:
        """Remove an item and return it; None if it is gone (another trainer took it first)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hget(keys.inbox_items_key(), item_id)
            pipe.hdel(keys.inbox_items_key(), item_id)
            pipe.zrem(keys.inbox_order_key(), item_id)
            raw, deleted, _ = await pipe.execute()
        return InboxItem.from_json(raw) if deleted and raw is not None else None

    async def put_back(self, item: InboxItem) -> None:
        """Return an item taken by :meth:`take` whose labelling failed."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.inbox_items_key(), item.item_id, item.to_json())
            pipe.zadd(keys.inbox_order_key(), {item.item_id: item.created_at})
            await pipe.execute()
