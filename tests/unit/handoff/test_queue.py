import asyncio

from redis.asyncio import Redis

from bot.core import keys
from bot.core.conversations import ConversationStore
from bot.core.signals import HandoffReason, HandoffSignal
from handoff.queue import ClaimResult, HandoffQueue
from tests.helpers import as_text

REQUEST = HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST)
COMPLAINT = HandoffSignal.for_reason(HandoffReason.COMPLAINT)


async def make(redis: Redis, *ids: str) -> HandoffQueue:
    store = ConversationStore(redis, 60)
    for conversation_id in ids:
        await store.create(conversation_id)
    return HandoffQueue(redis)


async def test_served_by_priority_then_waiting_time(redis_client: Redis) -> None:
    queue = await make(redis_client, "a", "b", "c")
    await queue.enqueue("a", REQUEST, now=100.0)
    await queue.enqueue("b", REQUEST, now=50.0)
    await queue.enqueue("c", COMPLAINT, now=200.0)
    assert [w.conversation_id for w in await queue.waiting()] == ["c", "b", "a"]
    assert await queue.position("a") == 3
    assert await queue.position("nobody") is None


async def test_enqueue_twice_keeps_the_first_place(redis_client: Redis) -> None:
    queue = await make(redis_client, "a", "b")
    assert await queue.enqueue("a", REQUEST, now=1.0)
    await queue.enqueue("b", REQUEST, now=2.0)
    assert not await queue.enqueue("a", REQUEST, now=3.0)
    assert await queue.position("a") == 1


async def test_two_agents_claiming_at_once_one_wins(redis_client: Redis) -> None:
    queue = await make(redis_client, "a")
    await queue.enqueue("a", REQUEST)
    results = await asyncio.gather(*(queue.claim("a", f"agent{i}", 3) for i in range(10)))
    assert results.count(ClaimResult.CLAIMED) == 1
    assert results.count(ClaimResult.ALREADY_CLAIMED) == 9
    winner = as_text(await redis_client.hget(keys.conversation_key("a"), "agent"))
    assert await queue.assigned_to(winner) == ["a"]


async def test_capacity_is_respected(redis_client: Redis) -> None:
    queue = await make(redis_client, "a", "b")
    await queue.enqueue("a", REQUEST)
    await queue.enqueue("b", REQUEST)
    assert await queue.claim("a", "anna", 1) is ClaimResult.CLAIMED
    assert await queue.claim("b", "anna", 1) is ClaimResult.AT_CAPACITY
    assert await queue.position("b") == 1


async def test_claim_next_takes_the_first_in_line(redis_client: Redis) -> None:
    queue = await make(redis_client, "a", "b")
    assert await queue.claim_next("anna", 3) == (ClaimResult.QUEUE_EMPTY, None)
    await queue.enqueue("a", REQUEST, now=1.0)
    await queue.enqueue("b", COMPLAINT, now=2.0)
    assert await queue.claim_next("anna", 3) == (ClaimResult.CLAIMED, "b")


async def test_requeue_puts_the_conversation_at_the_very_front(redis_client: Redis) -> None:
    queue = await make(redis_client, "a", "b", "c")
    await queue.enqueue("a", REQUEST, now=1.0)
    await queue.claim("a", "anna", 3)
    await queue.enqueue("b", COMPLAINT, now=2.0)
    await queue.enqueue("c", REQUEST, now=3.0)
    assert await queue.requeue_front("a", "anna")
    assert [w.conversation_id for w in await queue.waiting()] == ["a", "b", "c"]
    assert await queue.assigned_to("anna") == []
    assert not await queue.requeue_front("a", "anna")  # no longer hers


async def test_release_records_the_episode_and_rating_once(redis_client: Redis) -> None:
    queue = await make(redis_client, "a")
    await queue.enqueue("a", REQUEST)
    await queue.claim("a", "anna", 3)
    assert await queue.release("a", "bob", resolved=True) is None
    episode = await queue.release("a", "anna", resolved=True)
    assert episode is not None and episode["outcome"] == "resolved"
    assert await queue.record_rating("a", 5, "quick, thanks")
    assert not await queue.record_rating("a", 1, "again")
    episodes = await queue.episodes("a")
    assert episodes[0]["rating"]["score"] == 5
    assert (await redis_client.hget(keys.conversation_key("a"), "state")) == b"bot"
    conversation_ttl = await redis_client.ttl(keys.conversation_key("a"))
    assert 0 < await redis_client.ttl(keys.episodes_key("a")) <= conversation_ttl, "episodes go with the conversation"


async def test_estimated_wait_uses_recent_waits(redis_client: Redis) -> None:
    queue = await make(redis_client, "a")
    assert await queue.estimated_wait_s(2) == 240.0
    await redis_client.lpush(keys.recent_waits_key(), 60, 120)
    assert await queue.estimated_wait_s(2) == 180.0


async def test_reassign_moves_an_assigned_conversation_only(redis_client: Redis) -> None:
    queue = await make(redis_client, "a")
    await queue.enqueue("a", REQUEST)
    await queue.claim("a", "anna", 3)
    assert await queue.reassign("a", "bob", "carl", 3) is ClaimResult.ALREADY_CLAIMED
    assert await queue.reassign("a", "anna", "bob", 0) is ClaimResult.AT_CAPACITY
    assert await queue.reassign("a", "anna", "bob", 3) is ClaimResult.CLAIMED
    assert await queue.assigned_to("anna") == [] and await queue.assigned_to("bob") == ["a"]
