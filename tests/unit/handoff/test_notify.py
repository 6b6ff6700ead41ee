"""Who hears what when the queue changes: each waiting customer their place, agents the queue."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.core.agent_protocol import AGENT_NAMESPACE, AGENTS_ROOM, AgentEvent
from bot.core.conversations import Sender, TranscriptEntry
from bot.core.customer_protocol import CustomerEvent, conversation_room
from bot.core.signals import HandoffReason, HandoffSignal
from handoff.notify import QUEUE_PREVIEW_CHARS
from tests.fakes import RecordingEmitter, handoff_parts


async def test_each_waiting_customer_hears_their_own_place_and_agents_the_whole_queue(redis_client: Redis) -> None:
    emitter = RecordingEmitter()
    parts = handoff_parts(redis_client, emitter)
    for conversation_id, reason in (("first", HandoffReason.CUSTOMER_REQUEST), ("second", HandoffReason.COMPLAINT)):
        await parts.store.create(conversation_id, "hy")
        await parts.store.append(conversation_id, TranscriptEntry(Sender.CUSTOMER, "Ո՞ւր է " + "x" * 200, "hy"))
        await parts.store.append(conversation_id, TranscriptEntry(Sender.BOT, "bot reply", "hy"))
        await parts.queue.enqueue(conversation_id, HandoffSignal.for_reason(reason))
    await parts.notify.queue_changed()
    to_second = [e.data for e in emitter.emitted if e.room == conversation_room("second")]
    to_first = [e.data for e in emitter.emitted if e.room == conversation_room("first")]
    assert [(s["position"], s["reason"]) for s in to_second + to_first] == [(1, "complaint"), (2, "customer_request")]
    assert to_first[0]["estimated_wait_s"] >= to_second[0]["estimated_wait_s"] > 0
    assert to_first[0]["team_available"] is False, "no agent online"
    [queue] = [e for e in emitter.emitted if e.event == AgentEvent.QUEUE]
    assert (queue.room, queue.namespace) == (AGENTS_ROOM, AGENT_NAMESPACE)
    assert [item["conversation_id"] for item in queue.data["waiting"]] == ["second", "first"]
    preview = queue.data["waiting"][0]["preview"]
    assert preview.startswith("Ո՞ւր է") and len(preview) == QUEUE_PREVIEW_CHARS, "the customer's words, cut"
    assert emitter.events()[-1] == AgentEvent.QUEUE
    assert CustomerEvent.HANDOFF_STATUS in emitter.events(conversation_room("first"))
