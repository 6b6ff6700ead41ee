"""The one door into the queue, and the customer's side, over a real Redis (socket.io recorded)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from bot.analytics.recorder import AnalyticsRecorder
from bot.analytics.report import read_report
from bot.core import keys
from bot.core.agent_protocol import AGENT_NAMESPACE, AGENTS_ROOM, AgentEvent, AgentRole
from bot.core.conversations import ConversationState, Sender
from bot.core.customer_protocol import CustomerEvent, HandoffState, conversation_room
from bot.core.identity import Customer
from bot.core.signals import HandoffReason, HandoffSignal
from bot.trainer.inbox import NluInbox
from handoff.service import CustomerMessage, HandoffService
from tests.fakes import RecordingEmitter, handoff_service

COMPLAINT = HandoffSignal.for_reason(HandoffReason.COMPLAINT)
REQUEST = HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST)


@pytest.fixture
def emitter() -> RecordingEmitter:
    return RecordingEmitter()


@pytest.fixture
def service(redis_client: Redis, emitter: RecordingEmitter) -> HandoffService:
    return handoff_service(
        redis_client, emitter, inbox=NluInbox(redis_client), analytics=AnalyticsRecorder(redis_client)
    )


async def test_request_queues_records_keeps_for_trainers_and_tells_everyone(
    service: HandoffService, emitter: RecordingEmitter
) -> None:
    await service.store.create("c1", "fa")
    message = CustomerMessage("خیلی بده", 1, [{"name": "complain", "confidence": 0.91}])
    assert await service.request("c1", COMPLAINT, language="fa", message=message)
    conversation = await service.store.get("c1")
    assert conversation is not None and conversation.state is ConversationState.QUEUED
    [status] = [e.data for e in emitter.emitted if e.room == conversation_room("c1")]
    assert (status["state"], status["position"], status["reason"]) == (HandoffState.QUEUED, 1, "complaint")
    [queue] = emitter.payloads(AgentEvent.QUEUE)
    assert [item["conversation_id"] for item in queue["waiting"]] == ["c1"]
    assert emitter.emitted[-1].room == AGENTS_ROOM and emitter.emitted[-1].namespace == AGENT_NAMESPACE
    [item] = await service.inbox.items() if service.inbox else []
    assert (item.text, item.reason, item.detail, item.language) == ("خیلی بده", "handoff", "complaint", "fa")
    today = datetime.now(UTC).date()
    report = await read_report(service.store.redis, today - timedelta(days=1), today)
    figures = next(row for row in report.totals if row["language"] == "fa")
    assert (figures["handoffs"], figures["handoffs_complaint"]) == (1, 1)


async def test_a_second_request_keeps_the_place_and_counts_once(service: HandoffService) -> None:
    await service.store.create("c1")
    await service.store.create("c2")
    assert await service.request("c1", REQUEST)
    assert await service.request("c2", COMPLAINT)
    assert not await service.request("c1", COMPLAINT)
    waiting = [item.conversation_id for item in await service.queue.waiting()]
    assert waiting == ["c2", "c1"], "a complaint goes first; a repeated request does not move c1"


async def test_an_outage_handoff_keeps_nothing_for_the_trainers(service: HandoffService) -> None:
    await service.store.create("c1")
    assert await service.request("c1", HandoffSignal.for_reason(HandoffReason.ASSISTANT_UNAVAILABLE))
    assert service.inbox is not None and await service.inbox.items() == []


async def test_a_reconnecting_customer_is_told_where_they_stand(
    service: HandoffService, emitter: RecordingEmitter
) -> None:
    await service.store.create("c1")
    assert await service.customer_resumed("c1") is None, "with the assistant: nothing to say"
    await service.request("c1", REQUEST)
    emitter.emitted.clear()
    assert await service.customer_resumed("c1") is None
    assert emitter.payloads(CustomerEvent.HANDOFF_STATUS)[0]["position"] == 1, "told through the queue update"
    await service.agents.add("anna", "pw-anna-123", AgentRole.AGENT, "Anna")
    await service.queue.claim("c1", "anna", 3)
    assert await service.customer_resumed("c1") == {"state": HandoffState.ASSIGNED, "agent": "Anna"}


async def test_offline_ticket_is_kept_and_told_to_agents_and_bad_ones_refused(
    service: HandoffService, emitter: RecordingEmitter
) -> None:
    await service.store.create("c1", "hy")
    assert not await service.leave_offline_ticket("c1", "not-an-email", "Բարև")
    assert not await service.leave_offline_ticket("c1", "a@b.am", "   ")
    assert not await service.leave_offline_ticket("nobody", "a@b.am", "hi")
    assert await service.leave_offline_ticket("c1", " a@b.am ", "Պատվերս ուշանում է")
    [ticket] = await service.tickets.newest()
    assert (ticket["email"], ticket["language"], ticket["conversation_id"]) == ("a@b.am", "hy", "c1")
    assert emitter.payloads(AgentEvent.OFFLINE_TICKET) == [ticket]
    [entry] = await service.store.transcript("c1")
    assert entry.sender is Sender.CUSTOMER and entry.extra == {"email": "a@b.am"}
    assert (ticket["name"], ticket["customer_id"]) == ("", "")


async def test_a_verified_customers_ticket_carries_their_name(service: HandoffService) -> None:
    await service.store.create("c2", "fa")
    await service.store.identify("c2", Customer("shop-42", "Sara Karimi", "sara@example.com"))
    assert await service.leave_offline_ticket("c2", "sara@example.com", "سفارشم نرسیده")
    [ticket] = await service.tickets.newest()
    assert (ticket["name"], ticket["customer_id"], ticket["email"]) == ("Sara Karimi", "shop-42", "sara@example.com")


async def test_ratings_are_checked(service: HandoffService) -> None:
    await service.store.create("c1")
    for bad in (0, 6, "5", True, None):
        assert not await service.rate("c1", bad, "")
    assert not await service.rate("c1", 5, "no resolved episode yet")


async def test_an_agent_who_vanished_loses_their_chats_to_the_front_of_the_queue(service: HandoffService) -> None:
    await service.agents.add("anna", "pw-anna-123", AgentRole.AGENT, "Anna")
    for conversation_id in ("mine", "waiting"):
        await service.store.create(conversation_id)
    await service.request("mine", REQUEST)
    await service.queue.claim("mine", "anna", 3)
    await service.request("waiting", COMPLAINT)
    await service.agent_gone("anna", 0)
    assert [item.conversation_id for item in await service.queue.waiting()] == ["mine", "waiting"]
    [*_, note] = await service.store.transcript("mine")
    assert note.sender is Sender.SYSTEM and "anna disconnected" in note.text


async def test_chats_of_an_agent_whose_gateway_died_are_requeued_after_the_grace(service: HandoffService) -> None:
    service.agents.presence.ttl_s = 0.3
    await service.agents.add("anna", "pw-anna-123", AgentRole.AGENT, "Anna")
    await service.store.create("c1")
    await service.request("c1", REQUEST)
    await service.queue.claim("c1", "anna", 3)
    await service.agents.presence.socket_connected("anna", "sid-on-dead-gateway")
    assert await service.requeue_vanished_agents(grace_s=0.2) == 0, "her console is alive"
    await asyncio.sleep(0.4)  # no heartbeat: the socket runs out
    await service.store.redis.delete(keys.presence_sweep_lock_key())
    assert await service.requeue_vanished_agents(grace_s=10) == 0, "within the grace period"
    await asyncio.sleep(0.2)
    await service.store.redis.delete(keys.presence_sweep_lock_key())
    assert await service.requeue_vanished_agents(grace_s=0.5) == 1
    assert [item.conversation_id for item in await service.queue.waiting()] == ["c1"]
    assert await service.agents.presence.online_count() == 0
