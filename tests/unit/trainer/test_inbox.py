"""The trainers' inbox against a real Redis."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from bot.trainer.inbox import MAX_ITEMS_PER_CONVERSATION, InboxReason, NluInbox, clean_guesses


async def add(inbox: NluInbox, seq: int, text: str = "kedai buka pukul berapa", **extra: object) -> object:
    return await inbox.add(
        text=text,
        language="ms",
        reason=InboxReason.LOW_CONFIDENCE,
        conversation_id="conv-1",
        seq=seq,
        intents=[{"name": "faq/support_hours", "confidence": 0.41}, {"name": "greet", "confidence": 0.2}],
        **extra,  # type: ignore[arg-type]
    )


async def test_an_item_keeps_text_language_guesses_and_origin(redis_client: Redis) -> None:
    inbox = NluInbox(redis_client)
    await add(inbox, 3)
    [item] = await inbox.items()
    assert (item.text, item.language, item.reason, item.conversation_id, item.seq) == (
        "kedai buka pukul berapa",
        "ms",
        InboxReason.LOW_CONFIDENCE,
        "conv-1",
        3,
    )
    assert item.predicted == "faq/support_hours"
    assert item.to_public()["intents"][0] == {"name": "faq/support_hours", "confidence": 0.41}


async def test_one_message_is_one_item_even_when_triggered_twice(redis_client: Redis) -> None:
    inbox = NluInbox(redis_client)
    assert await add(inbox, 3) is not None
    assert await add(inbox, 3) is None
    assert await inbox.count() == 1
    # Labelled and gone: a late second trigger does not bring it back.
    [item] = await inbox.items()
    assert await inbox.take(item.item_id) is not None
    assert await add(inbox, 3) is None
    assert await inbox.count() == 0


async def test_two_trainers_taking_one_item_one_wins(redis_client: Redis) -> None:
    inbox = NluInbox(redis_client)
    await add(inbox, 1)
    [item] = await inbox.items()
    results = await asyncio.gather(*(inbox.take(item.item_id) for _ in range(5)))
    assert [r for r in results if r is not None] == [item]
    await inbox.put_back(item)
    assert [i.item_id for i in await inbox.items()] == [item.item_id]


async def test_oldest_first_and_trimmed_to_the_limit(redis_client: Redis) -> None:
    inbox = NluInbox(redis_client, max_items=3)
    for seq in range(1, 6):
        await add(inbox, seq, text=f"message {seq}")
    assert [item.text for item in await inbox.items()] == ["message 3", "message 4", "message 5"]
    assert await redis_client.hlen("support:nlu-inbox:items") == 3


def test_guesses_from_outside_are_checked() -> None:
    raw = [
        {"name": "greet", "confidence": "0.5"},
        {"name": 7, "confidence": 1},
        {"confidence": 0.3},
        {"name": "deny", "confidence": "high"},
        "faq",
        {"name": "x" * 300, "confidence": 0.1},
    ]
    assert clean_guesses(raw) == [{"name": "greet", "confidence": 0.5}, {"name": "x" * 100, "confidence": 0.1}]
    assert clean_guesses("not a list") == []


async def test_one_conversation_cannot_flood_the_inbox_but_agents_flags_always_count(redis_client: Redis) -> None:
    inbox = NluInbox(redis_client)
    for seq in range(1, MAX_ITEMS_PER_CONVERSATION + 3):
        await inbox.add(
            text=f"zzq {seq}", language="en", reason=InboxReason.LOW_CONFIDENCE, conversation_id="bot", seq=seq
        )
    await inbox.add(text="real", language="hy", reason=InboxReason.LOW_CONFIDENCE, conversation_id="person", seq=1)
    flagged = await inbox.add(text="flag", language="en", reason=InboxReason.FLAGGED, conversation_id="bot", seq=99)
    assert flagged is not None
    by_conversation = [item.conversation_id for item in await inbox.items()]
    assert by_conversation.count("bot") == MAX_ITEMS_PER_CONVERSATION + 1 and "person" in by_conversation
