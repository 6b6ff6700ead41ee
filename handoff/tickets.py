"""Offline tickets: a message and an email address left while nobody could answer.

Kept newest first in one Redis list, trimmed to :data:`MAX_TICKETS_KEPT`; the
console lists them and agents are told of each new one. One conversation may
leave :data:`MAX_TICKETS_PER_CONVERSATION` a day, so a script cannot push real
customers' tickets out of the list.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Final

from redis.asyncio import Redis

from bot.core import keys
from bot.core.identity import Customer
from bot.core.languages import Language
from bot.core.text import clean_text, is_email_address

__all__ = ["MAX_TICKET_CHARS", "OfflineTicket", "OfflineTickets", "TicketRefused", "TooManyTickets", "parse_ticket"]

MAX_TICKET_CHARS: Final = 4000
MAX_TICKETS_KEPT: Final = 1000
MAX_TICKETS_PER_CONVERSATION: Final = 3
TICKET_COUNT_TTL_S: Final = 24 * 3600

# KEYS[1] tickets list, KEYS[2] the conversation's ticket counter
# ARGV[1] ticket JSON, ARGV[2] cap per conversation, ARGV[3] tickets kept, ARGV[4] counter ttl
# Returns 1 when kept, 0 when the conversation reached its cap (nothing changes).
ADD_TICKET_SCRIPT: Final = """
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[2]) then return 0 end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[3]) - 1)
return 1
"""


class TicketRefused(ValueError):
    """The email address or the message is not one we can keep."""


class TooManyTickets(Exception):
    """This conversation left its share of tickets for today."""


@dataclass(frozen=True)
class OfflineTicket:
    conversation_id: str
    email: str
    message: str
    language: Language
    created_at: float
    #: The customer's name and their shop's id, when the shop's server vouched for them.
    name: str = ""
    customer_id: str = ""

    def to_public(self) -> dict[str, Any]:
        return asdict(self)


def parse_ticket(email: object, message: object) -> tuple[str, str]:
    """The cleaned ``(email, message)``; :class:`TicketRefused` when either is unusable."""
    if not (isinstance(email, str) and is_email_address(email.strip())):
        raise TicketRefused("email")
    text = clean_text(message) if isinstance(message, str) else ""
    if not text or len(text) > MAX_TICKET_CHARS:
        raise TicketRefused("message")
    return email.strip(), text


class OfflineTickets:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._add = redis.register_script(ADD_TICKET_SCRIPT)

    async def add(
        self, conversation_id: str, email: str, message: str, language: Language, customer: Customer | None = None
    ) -> OfflineTicket:
        """Keep a ticket; :class:`TooManyTickets` when the conversation left its share."""
        ticket = OfflineTicket(conversation_id, email, message, language, time.time())
        if customer is not None:
            ticket = replace(ticket, name=customer.name, customer_id=customer.id)
        kept = await self._add(
            keys=[keys.offline_tickets_key(), keys.conversation_tickets_key(conversation_id)],
            args=[
                json.dumps(ticket.to_public(), ensure_ascii=False),
                MAX_TICKETS_PER_CONVERSATION,
                MAX_TICKETS_KEPT,
                TICKET_COUNT_TTL_S,
            ],
        )
        if not kept:
            raise TooManyTickets(conversation_id)
        return ticket

    async def newest(self, limit: int = 100) -> list[dict[str, Any]]:
        raw = await self.redis.lrange(keys.offline_tickets_key(), 0, limit - 1)
        return [json.loads(item) for item in raw]
