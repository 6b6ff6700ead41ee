"""Offline tickets: a message and an email address left while nobody could answer.

Kept newest first in one Redis list, trimmed to :data:`MAX_TICKETS_KEPT`; the
console lists them and agents are told of each new one.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from typing import Any, Final

from redis.asyncio import Redis

from bot.core import keys
from bot.core.languages import Language
from bot.core.text import clean_text

__all__ = ["MAX_TICKET_CHARS", "OfflineTicket", "OfflineTickets", "TicketRefused", "parse_ticket"]

MAX_TICKET_CHARS: Final = 4000
MAX_EMAIL_CHARS: Final = 254
MAX_TICKETS_KEPT: Final = 1000
EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class TicketRefused(ValueError):
    """The email address or the message is not one we can keep."""


@dataclass(frozen=True)
class OfflineTicket:
    conversation_id: str
    email: str
    message: str
    language: Language
    created_at: float

    def to_public(self) -> dict[str, Any]:
        return asdict(self)


def parse_ticket(email: object, message: object) -> tuple[str, str]:
    """The cleaned ``(email, message)``; :class:`TicketRefused` when either is unusable."""
    if not (isinstance(email, str) and len(email) <= MAX_EMAIL_CHARS and EMAIL.fullmatch(email.strip())):
        raise TicketRefused("email")
    text = clean_text(message) if isinstance(message, str) else ""
    if not text or len(text) > MAX_TICKET_CHARS:
        raise TicketRefused("message")
    return email.strip(), text


class OfflineTickets:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def add(self, conversation_id: str, email: str, message: str, language: Language) -> OfflineTicket:
        ticket = OfflineTicket(conversation_id, email, message, language, time.time())
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(keys.offline_tickets_key(), json.dumps(ticket.to_public(), ensure_ascii=False))
            pipe.ltrim(keys.offline_tickets_key(), 0, MAX_TICKETS_KEPT - 1)
            await pipe.execute()
        return ticket

    async def newest(self, limit: int = 100) -> list[dict[str, Any]]:
        raw = await self.redis.lrange(keys.offline_tickets_key(), 0, limit - 1)
        return [json.loads(item) for item in raw]
