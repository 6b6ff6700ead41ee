"""Offline tickets: a message and an email address left while nobody could answer.

Kept newest first in one Redis list, trimmed to :data:`MAX_TICKETS_KEPT`; the
console lists them and agents are told of each new one. One conversation may
leave :data:`MAX_TICKETS_PER_CONVERSATION` a day, so a script cannot push real
customers' tickets out of the list. An agent answers a ticket once: the answer
is marked on it (:meth:`OfflineTickets.mark_answered`, atomic, so two agents
never both send one) before it is emailed, and unmarked if the email fails.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Final

from redis.asyncio import Redis

from bot.core import keys
from bot.core.identity import Customer
from bot.core.languages import Language
from bot.core.text import clean_text, is_email_address

__all__ = [
    "MAX_TICKET_CHARS",
    "AlreadyAnswered",
    "OfflineTicket",
    "OfflineTickets",
    "TicketNotFound",
    "TicketRefused",
    "TooManyTickets",
    "parse_ticket",
]

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

# KEYS[1] tickets list
# ARGV[1] ticket id, ARGV[2] JSON of the fields to set, ARGV[3] 'mark' or 'unmark', ARGV[4] the agent
# 'mark' sets the fields of an unanswered ticket; 'unmark' those of one this agent marked.
# Returns {1, ticket JSON} when set, {0, ticket JSON} when not, {-1, ''} when there is no such ticket.
ANSWER_TICKET_SCRIPT: Final = """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
for i, raw in ipairs(items) do
  local ticket = cjson.decode(raw)
  if ticket.id == ARGV[1] then
    local by = ticket.answered_by
    local answered = type(by) == 'string' and by ~= ''
    if (ARGV[3] == 'mark' and answered) or (ARGV[3] == 'unmark' and by ~= ARGV[4]) then return {0, raw} end
    for name, value in pairs(cjson.decode(ARGV[2])) do ticket[name] = value end
    local updated = cjson.encode(ticket)
    redis.call('LSET', KEYS[1], i - 1, updated)
    return {1, updated}
  end
end
return {-1, ''}
"""

# KEYS[1] tickets list; ARGV: tickets' JSON as stored. Removes each; returns how many were removed.
REMOVE_TICKETS_SCRIPT: Final = """
local removed = 0
for _, raw in ipairs(ARGV) do removed = removed + redis.call('LREM', KEYS[1], 0, raw) end
return removed
"""


class TicketRefused(ValueError):
    """The email address or the message is not one we can keep."""


class TooManyTickets(Exception):
    """This conversation left its share of tickets for today."""


class TicketNotFound(LookupError):
    """No ticket has this id (any more: the oldest are trimmed)."""


class AlreadyAnswered(Exception):
    """Another agent answered the ticket first; ``ticket`` says who."""

    def __init__(self, ticket: dict[str, Any]) -> None:
        super().__init__(ticket.get("answered_by", ""))
        self.ticket = ticket


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
    #: Names the ticket for an answer (tickets kept before answers existed have none).
    id: str = ""
    #: The agent's answer, emailed to the customer: who (username, and the name they sign with), when, what.
    answered_by: str = ""
    answered_by_name: str = ""
    answered_at: float | None = None
    answer: str = ""

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
        self._set_answer = redis.register_script(ANSWER_TICKET_SCRIPT)
        self._remove = redis.register_script(REMOVE_TICKETS_SCRIPT)

    async def add(
        self, conversation_id: str, email: str, message: str, language: Language, customer: Customer | None = None
    ) -> OfflineTicket:
        """Keep a ticket; :class:`TooManyTickets` when the conversation left its share."""
        ticket = OfflineTicket(conversation_id, email, message, language, time.time(), id=secrets.token_urlsafe(12))
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

    async def mark_answered(self, ticket_id: str, username: str, display_name: str, answer: str) -> dict[str, Any]:
        """Mark the ticket answered by an agent; :class:`TicketNotFound` or :class:`AlreadyAnswered` if not."""
        fields: dict[str, Any] = {"answered_by": username, "answered_by_name": display_name, "answer": answer}
        fields["answered_at"] = time.time()
        return await self._answer(ticket_id, fields, "mark", username)

    async def unmark_answered(self, ticket_id: str, username: str) -> None:
        """Undo :meth:`mark_answered` (the email could not be sent): another try, by anyone, may follow."""
        fields = {"answered_by": "", "answered_by_name": "", "answered_at": None, "answer": ""}
        try:
            await self._answer(ticket_id, fields, "unmark", username)
        except (TicketNotFound, AlreadyAnswered):
            pass  # pushed out of the list, or not this agent's mark

    async def _answer(self, ticket_id: str, fields: dict[str, Any], mode: str, username: str) -> dict[str, Any]:
        args = [ticket_id, json.dumps(fields, ensure_ascii=False), mode, username]
        done, raw = await self._set_answer(keys=[keys.offline_tickets_key()], args=args)
        if int(done) < 0:
            raise TicketNotFound(ticket_id)
        ticket: dict[str, Any] = json.loads(raw)
        if not int(done):
            raise AlreadyAnswered(ticket)
        return ticket

    async def stored(self) -> list[tuple[str, dict[str, Any]]]:
        """Every ticket kept, newest first: its JSON as stored (to :meth:`remove` it) and read."""
        raw = await self.redis.lrange(keys.offline_tickets_key(), 0, -1)
        return [(item.decode() if isinstance(item, bytes) else item, json.loads(item)) for item in raw]

    async def remove(self, stored: list[str]) -> int:
        """Remove tickets given as :meth:`stored` gave them; how many were still there."""
        if not stored:
            return 0
        return int(await self._remove(keys=[keys.offline_tickets_key()], args=stored))

    async def remove_older_than(self, cutoff: float) -> int:
        """Remove the tickets left before ``cutoff`` (unix seconds): the retention."""
        return await self.remove([raw for raw, ticket in await self.stored() if float(ticket["created_at"]) < cutoff])

    async def newest(self, limit: int = 100) -> list[dict[str, Any]]:
        raw = await self.redis.lrange(keys.offline_tickets_key(), 0, limit - 1)
        return [json.loads(item) for item in raw]
