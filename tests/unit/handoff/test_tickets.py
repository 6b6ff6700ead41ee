"""Offline tickets: what is accepted, and that the newest are kept."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from handoff import tickets
from handoff.tickets import MAX_TICKET_CHARS, OfflineTickets, TicketRefused, TooManyTickets, parse_ticket


def test_an_email_and_a_message_are_required() -> None:
    assert parse_ticket(" anna@example.am ", " Իմ պատվերը \n") == ("anna@example.am", "Իմ պատվերը")
    for email, message in [
        ("anna", "hi"),
        ("a@b", "hi"),
        ("a b@c.d", "hi"),
        (None, "hi"),
        ("a@b.cd", ""),
        ("a@b.cd", "x" * (MAX_TICKET_CHARS + 1)),
        ("a@b.cd", 42),
        ("x" * 250 + "@b.cd", "hi"),
    ]:
        with pytest.raises(TicketRefused):
            parse_ticket(email, message)


async def test_newest_first_and_trimmed(redis_client: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tickets, "MAX_TICKETS_KEPT", 3)
    store = OfflineTickets(redis_client)
    for number in range(5):
        await store.add(f"c{number}", "a@b.cd", f"message {number}", "ms")
    assert [ticket["conversation_id"] for ticket in await store.newest()] == ["c4", "c3", "c2"]
    assert [ticket["conversation_id"] for ticket in await store.newest(1)] == ["c4"]


async def test_one_conversation_cannot_flood_the_list(redis_client: Redis) -> None:
    store = OfflineTickets(redis_client)
    await store.add("real", "anna@shop.am", "my order", "hy")
    for number in range(tickets.MAX_TICKETS_PER_CONVERSATION):
        await store.add("script", "x@y.zz", f"spam {number}", "en")
    with pytest.raises(TooManyTickets):
        await store.add("script", "x@y.zz", "one more", "en")
    kept = await store.newest()
    assert len(kept) == tickets.MAX_TICKETS_PER_CONVERSATION + 1 and kept[-1]["conversation_id"] == "real"
