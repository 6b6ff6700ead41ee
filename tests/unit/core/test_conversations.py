import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.core import keys
from bot.core.conversations import MAX_PAGES_KEPT, ConversationState, ConversationStore, Sender, TranscriptEntry


async def test_create_and_read_back(redis_client: Redis) -> None:
    store = ConversationStore(redis_client, ttl_s=60)
    await store.create("c1", "fa")
    conversation = await store.get("c1")
    assert conversation is not None
    assert conversation.language == "fa"
    assert conversation.state is ConversationState.BOT
    assert await store.get("missing") is None


async def test_transcript_keeps_order_and_numbers_entries(redis_client: Redis) -> None:
    store = ConversationStore(redis_client, ttl_s=60)
    await store.create("c1")
    first = await store.append("c1", TranscriptEntry(Sender.CUSTOMER, "سلام", "fa"))
    second = await store.append("c1", TranscriptEntry(Sender.BOT, "<b>hi</b>", "fa", extra={"quick_replies": []}))
    assert (first.seq, second.seq) == (1, 2)
    entries = await store.transcript("c1")
    assert [(e.seq, e.sender, e.text) for e in entries] == [(1, Sender.CUSTOMER, "سلام"), (2, Sender.BOT, "<b>hi</b>")]
    assert [e.seq for e in await store.transcript("c1", after_seq=1)] == [2]


async def test_everything_expires_after_the_ttl(redis_client: Redis) -> None:
    store = ConversationStore(redis_client, ttl_s=60)
    await store.create("c1")
    await store.append_once("c1", TranscriptEntry(Sender.CUSTOMER, "hi", "en", client_message_id="m1"))
    for key in (keys.conversation_key("c1"), keys.transcript_key("c1"), keys.client_message_ids_key("c1")):
        assert 0 < await redis_client.ttl(key) <= 60


async def test_a_message_is_stored_once_per_client_id(redis_client: Redis) -> None:
    store = ConversationStore(redis_client, ttl_s=60)
    first = await store.append_once("c1", TranscriptEntry(Sender.CUSTOMER, "hi", "en", client_message_id="m1"))
    assert first is not None and first.seq == 1
    assert await store.append_once("c1", TranscriptEntry(Sender.CUSTOMER, "hi", "en", client_message_id="m1")) is None
    other = await store.append_once("c2", TranscriptEntry(Sender.CUSTOMER, "hi", "en", client_message_id="m1"))
    assert other is not None, "ids are per conversation"
    without_id = await store.append_once("c1", TranscriptEntry(Sender.CUSTOMER, "again", "en"))
    assert without_id is not None and without_id.seq == 2
    assert [entry.text for entry in await store.transcript("c1")] == ["hi", "again"]


async def test_a_message_that_cannot_be_stored_is_not_marked_seen(redis_client: Redis) -> None:
    store = ConversationStore(redis_client, ttl_s=60)
    await redis_client.set(keys.transcript_key("c1"), "not a list")  # RPUSH fails inside the script
    with pytest.raises(ResponseError):
        await store.append_once("c1", TranscriptEntry(Sender.CUSTOMER, "hi", "en", client_message_id="m1"))
    await redis_client.delete(keys.transcript_key("c1"))
    stored = await store.append_once("c1", TranscriptEntry(Sender.CUSTOMER, "hi", "en", client_message_id="m1"))
    assert stored is not None, "the resend is stored, not taken for a duplicate"


async def test_a_new_session_is_kept_briefly_until_its_first_message(redis_client: Redis) -> None:
    store = ConversationStore(redis_client, ttl_s=3600, new_ttl_s=60)
    await store.create("c1")
    assert 0 < await redis_client.ttl(keys.conversation_key("c1")) <= 60
    await store.append_once("c1", TranscriptEntry(Sender.CUSTOMER, "hi", "en"))
    assert await redis_client.ttl(keys.conversation_key("c1")) > 60


async def test_recent_entries_keep_their_numbers(redis_client: Redis) -> None:
    store = ConversationStore(redis_client, ttl_s=60)
    for i in range(5):
        await store.append("c1", TranscriptEntry(Sender.CUSTOMER, f"m{i}", "en"))
    assert [(e.seq, e.text) for e in await store.recent("c1", 2)] == [(4, "m3"), (5, "m4")]


async def test_pages_visited_are_kept_in_order_without_repeats_and_bounded(redis_client: Redis) -> None:
    store = ConversationStore(redis_client, 60)
    assert not await store.remember_page("nobody", "https://shop/a"), "no conversation, nothing kept"
    await store.create("c1")
    assert await store.pages("c1") == []
    assert await store.remember_page("c1", "https://shop/a")
    assert not await store.remember_page("c1", "https://shop/a")
    for number in range(12):
        await store.remember_page("c1", f"https://shop/{number}")
    pages = await store.pages("c1")
    assert len(pages) == MAX_PAGES_KEPT and pages[-1] == "https://shop/11" and pages[0] == "https://shop/2"


async def test_waiting_for_a_replica_stores_once_and_says_when_none_confirmed(
    redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """This Redis has no replica: WAIT gives up after 50 ms, and the message is stored and acknowledged anyway."""
    store = ConversationStore(redis_client, ttl_s=60, replica_ack_ms=50)
    await store.create("c1")
    first = await store.append_once("c1", TranscriptEntry(Sender.CUSTOMER, "hello", "en", client_message_id="m1"))
    again = await store.append_once("c1", TranscriptEntry(Sender.CUSTOMER, "hello", "en", client_message_id="m1"))
    assert first is not None and first.seq == 1 and again is None
    assert [e.text for e in await store.transcript("c1")] == ["hello"]
    assert "no replica confirmed a message in time" in caplog.text
