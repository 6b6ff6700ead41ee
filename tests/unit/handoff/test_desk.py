"""What agents do, over a real Redis (socket.io recorded): each action tells the right rooms."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.core.agent_protocol import AgentErrorCode, AgentEvent, AgentRequestError, AgentRole, agent_room
from bot.core.conversations import Sender, TranscriptEntry
from bot.core.customer_protocol import CustomerEvent, HandoffState, conversation_room
from bot.core.signals import HandoffReason, HandoffSignal
from bot.staff.accounts import Agent
from bot.trainer.inbox import NluInbox
from handoff.desk import AgentDesk
from handoff.service import HandoffService
from tests.fakes import RecordingEmitter, handoff_parts

REQUEST = HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST)


@pytest.fixture
def emitter() -> RecordingEmitter:
    return RecordingEmitter()


@pytest.fixture
async def desk_and_service(redis_client: Redis, emitter: RecordingEmitter) -> tuple[AgentDesk, HandoffService]:
    async def guesses(text: str) -> list[dict[str, object]]:
        return [{"name": "faq/warranty", "confidence": 0.5}]

    parts = handoff_parts(redis_client, emitter, inbox=NluInbox(redis_client), guesses=guesses)
    return AgentDesk(parts), HandoffService(parts)


async def waiting_conversation(service: HandoffService, conversation_id: str = "c1") -> None:
    await service.store.create(conversation_id, "ms")
    await service.store.append(conversation_id, TranscriptEntry(Sender.CUSTOMER, "barang rosak", "ms"))
    await service.request(conversation_id, REQUEST)


async def agent(service: HandoffService, username: str, role: AgentRole = AgentRole.AGENT) -> Agent:
    return await service.agents.add(username, f"pw-{username}-123", role, username.title())


async def test_claim_tells_the_customer_who_joined_and_the_agent_the_conversation(
    desk_and_service: tuple[AgentDesk, HandoffService], emitter: RecordingEmitter
) -> None:
    desk, service = desk_and_service
    await waiting_conversation(service)
    anna = await agent(service, "anna")
    emitter.emitted.clear()
    summary = await desk.claim(anna, None)
    assert (summary["conversation_id"], summary["state"], summary["agent"]) == ("c1", "assigned", "anna")
    customer = [e.data for e in emitter.emitted if e.room == conversation_room("c1")]
    assert {"state": HandoffState.ASSIGNED, "agent": "Anna"} in customer
    [update] = [e for e in emitter.emitted if e.event == AgentEvent.CONVERSATION_UPDATE]
    assert agent_room("anna") in update.room
    [*_, joined] = await service.store.transcript("c1")
    assert joined.sender is Sender.SYSTEM and "Anna joined" in joined.text


async def test_a_lost_claim_answers_with_the_queue_reason(desk_and_service: tuple[AgentDesk, HandoffService]) -> None:
    desk, service = desk_and_service
    await waiting_conversation(service)
    anna, ben = await agent(service, "anna"), await agent(service, "ben")
    await desk.claim(anna, "c1")
    with pytest.raises(AgentRequestError) as lost:
        await desk.claim(ben, "c1")
    assert lost.value.code is AgentErrorCode.ALREADY_CLAIMED
    assert lost.value.to_ack() == {"ok": False, "error": "already_claimed", "message": "already claimed"}
    with pytest.raises(AgentRequestError) as empty:
        await desk.claim(ben, None)
    assert empty.value.code is AgentErrorCode.QUEUE_EMPTY


async def test_reply_reaches_the_customer_as_the_agent_and_a_note_never_does(
    desk_and_service: tuple[AgentDesk, HandoffService], emitter: RecordingEmitter
) -> None:
    desk, service = desk_and_service
    await waiting_conversation(service)
    anna = await agent(service, "anna")
    await desk.claim(anna, "c1")
    emitter.emitted.clear()
    await desk.reply(anna, "c1", "Boleh hantar gambar?")
    await desk.note(anna, "c1", "customer sounds upset")
    [uttered] = emitter.payloads(CustomerEvent.BOT_UTTERED)
    assert uttered["text"] == "Boleh hantar gambar?"
    assert uttered["metadata"]["sender"] == "agent" and uttered["metadata"]["agent_name"] == "Anna"
    to_customer = [e.data for e in emitter.emitted if e.room == conversation_room("c1")]
    assert all("upset" not in str(payload) for payload in to_customer)
    assert [p["entry"]["sender"] for p in emitter.payloads(AgentEvent.MESSAGE)] == ["agent", "note"]


async def test_only_the_owner_or_a_supervisor_acts_on_a_conversation(
    desk_and_service: tuple[AgentDesk, HandoffService],
) -> None:
    desk, service = desk_and_service
    await waiting_conversation(service)
    anna, ben = await agent(service, "anna"), await agent(service, "ben")
    sam = await agent(service, "sam", AgentRole.SUPERVISOR)
    await desk.claim(anna, "c1")
    with pytest.raises(AgentRequestError) as refused:
        await desk.reply(ben, "c1", "hi")
    assert refused.value.code is AgentErrorCode.NOT_YOURS
    with pytest.raises(AgentRequestError) as forbidden:
        await desk.reassign(anna, "c1", "ben")
    assert forbidden.value.code is AgentErrorCode.FORBIDDEN
    assert (await desk.reassign(sam, "c1", "ben"))["agent"] == "ben"
    assert [c["conversation_id"] for c in await desk.my_conversations(sam)] == ["c1"]


async def test_resolve_asks_the_customer_for_a_rating_and_ends_the_agents_part(
    desk_and_service: tuple[AgentDesk, HandoffService], emitter: RecordingEmitter
) -> None:
    desk, service = desk_and_service
    await waiting_conversation(service)
    anna = await agent(service, "anna")
    await desk.claim(anna, "c1")
    await desk.release(anna, "c1", resolved=True)
    assert emitter.payloads(CustomerEvent.HANDOFF_STATUS)[-1] == {"state": HandoffState.RESOLVED}
    assert await service.rate("c1", 5, "terima kasih")
    with pytest.raises(AgentRequestError) as again:
        await desk.release(anna, "c1", resolved=False)
    assert again.value.code is AgentErrorCode.NOT_YOURS, "the conversation is no longer hers"


async def test_flagging_keeps_a_customer_message_with_the_models_guesses(
    desk_and_service: tuple[AgentDesk, HandoffService],
) -> None:
    desk, service = desk_and_service
    await waiting_conversation(service)
    anna = await agent(service, "anna")
    await desk.claim(anna, "c1")
    assert await desk.flag_for_trainers(anna, "c1", 1)
    assert not await desk.flag_for_trainers(anna, "c1", 1), "once"
    with pytest.raises(AgentRequestError):
        await desk.flag_for_trainers(anna, "c1", 2)  # the system note, not a customer's message
    assert desk.inbox is not None
    [item] = await desk.inbox.items()
    assert (item.text, item.reason, item.intents[0]["name"]) == ("barang rosak", "flagged", "faq/warranty")


def test_canned_answers_are_in_the_language_and_signed() -> None:
    anna = Agent("anna", "Anna", AgentRole.AGENT, 3)
    answers = AgentDesk.canned("fa", anna)
    assert answers and all("{agent}" not in answer["text"] for answer in answers)
    assert any("Anna" in answer["text"] for answer in answers)
    assert answers != AgentDesk.canned("hy", anna)
