"""Agent assist over a real Redis, with a scripted Rasa: suggestions reach the agent in the
background, the newest are kept, and a slow or absent assistant never holds up the chat."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentEvent, AgentRole, agent_room
from bot.core.conversations import Sender, TranscriptEntry
from bot.core.signals import HandoffReason, HandoffSignal
from handoff.assist import AgentAssist
from handoff.desk import AgentDesk
from handoff.service import HandoffService
from tests.fakes import RecordingEmitter, ScriptedAssistant, handoff_parts

REFUND_MS = "bila duit saya dipulangkan?"
DOMAIN = {
    "responses": {
        "utter_faq/refund_status": [
            {"text": "Refunds take 5 days."},
            {"text": "Bayaran balik dalam 5 hari.", "condition": [{"type": "slot", "name": "language", "value": "ms"}]},
        ]
    }
}
REFUND_PARSE: dict[str, Any] = {
    "intent": {"name": "faq", "confidence": 0.9},
    "intent_ranking": [{"name": "faq", "confidence": 0.9}, {"name": "complain", "confidence": 0.1}],
    "response_selector": {
        "faq": {
            "response": {"intent_response_key": "faq/refund_status", "confidence": 0.95},
            "ranking": [{"intent_response_key": "faq/refund_status", "confidence": 0.95}],
        }
    },
}


@pytest.fixture
def assistant() -> ScriptedAssistant:
    return ScriptedAssistant(parses={REFUND_MS: REFUND_PARSE}, domain_data=DOMAIN)


@pytest.fixture
def emitter() -> RecordingEmitter:
    return RecordingEmitter()


@pytest.fixture
def parts_of(redis_client: Redis, emitter: RecordingEmitter, assistant: ScriptedAssistant) -> Any:
    return handoff_parts(redis_client, emitter, assistant=assistant)


async def claimed_conversation(parts: Any, conversation_id: str = "c1") -> None:
    service, desk = HandoffService(parts), AgentDesk(parts)
    await service.store.create(conversation_id, "ms")
    await service.store.append(conversation_id, TranscriptEntry(Sender.CUSTOMER, "/request_human", "ms"))
    await service.request(conversation_id, HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST))
    anna = await service.agents.add("anna", "pw-anna-123", AgentRole.AGENT, "Anna")
    await desk.claim(anna, conversation_id)


async def customer_says(parts: Any, text: str, conversation_id: str = "c1") -> int:
    entry = await parts.store.append(conversation_id, TranscriptEntry(Sender.CUSTOMER, text, "ms"))
    await HandoffService(parts).customer_entry(conversation_id, entry.seq)
    return int(entry.seq)


async def settled(assist: AgentAssist) -> None:
    await asyncio.gather(*list(assist._pending), return_exceptions=True)


async def test_a_customer_message_to_an_agent_brings_suggestions_in_their_language(
    parts_of: Any, emitter: RecordingEmitter
) -> None:
    await claimed_conversation(parts_of)
    seq = await customer_says(parts_of, REFUND_MS)
    await settled(parts_of.assist)
    [sent] = [e for e in emitter.emitted if e.event == AgentEvent.SUGGESTIONS]
    assert agent_room("anna") in sent.room
    assert sent.data["seq"] == seq
    first = sent.data["suggestions"][0]
    assert (first["text"], first["source"]) == ("Bayaran balik dalam 5 hari.", "assistant")
    assert first["label"] == "faq/refund_status"
    # A reloaded console gets the same suggestions with the transcript.
    opened = await AgentDesk(parts_of).open(await parts_of.agents.get("anna"), "c1")
    assert opened["suggestions"] == sent.data


async def test_the_message_is_relayed_before_the_assistant_has_read_it(
    parts_of: Any, emitter: RecordingEmitter, assistant: ScriptedAssistant
) -> None:
    await claimed_conversation(parts_of)
    assistant.delay_s = 0.5
    await customer_says(parts_of, REFUND_MS)
    events = [e.event for e in emitter.emitted]
    assert AgentEvent.MESSAGE in events and AgentEvent.SUGGESTIONS not in events
    await settled(parts_of.assist)
    assert AgentEvent.SUGGESTIONS in [e.event for e in emitter.emitted]


async def test_an_assistant_too_slow_or_down_gives_no_suggestions_and_loses_nothing(
    parts_of: Any, emitter: RecordingEmitter, assistant: ScriptedAssistant
) -> None:
    await claimed_conversation(parts_of)
    parts_of.assist.timeout_s = 0.2
    assistant.delay_s = 1.0
    await customer_says(parts_of, REFUND_MS)
    assistant.delay_s, assistant.down = 0.0, True
    await customer_says(parts_of, "hello?")
    await settled(parts_of.assist)
    assert AgentEvent.SUGGESTIONS not in [e.event for e in emitter.emitted]
    assert [e.text for e in await parts_of.store.transcript("c1") if e.sender is Sender.CUSTOMER][-2:] == [
        REFUND_MS,
        "hello?",
    ]


async def test_older_suggestions_never_replace_newer_ones(
    parts_of: Any, redis_client: Redis, assistant: ScriptedAssistant
) -> None:
    await claimed_conversation(parts_of)
    assist: AgentAssist = parts_of.assist
    await parts_of.store.append("c1", TranscriptEntry(Sender.CUSTOMER, REFUND_MS, "ms"))
    assist.suggest_soon("c1", 9, REFUND_MS, "ms", "anna")
    await settled(assist)
    assist.suggest_soon("c1", 4, REFUND_MS, "ms", "anna")
    await settled(assist)
    latest = await assist.latest("c1")
    assert latest is not None and latest["seq"] == 9
    # Kept no longer than the conversation.
    kept_ms = await redis_client.pttl(keys.suggestions_key("c1"))
    assert 0 < kept_ms <= await redis_client.pttl(keys.conversation_key("c1")) + 100  # read a moment apart


async def test_readings_are_bounded(parts_of: Any, assistant: ScriptedAssistant) -> None:
    await claimed_conversation(parts_of)
    assist: AgentAssist = parts_of.assist
    assistant.delay_s = 0.3
    accepted = [assist.suggest_soon("c1", seq, REFUND_MS, "ms", "anna") for seq in range(1, assist.max_pending + 11)]
    assert accepted.count(False) == 10
    await assist.stop()
    assert not assist._pending


async def test_claiming_suggests_for_the_customers_last_question(
    parts_of: Any, emitter: RecordingEmitter, assistant: ScriptedAssistant
) -> None:
    service, desk = HandoffService(parts_of), AgentDesk(parts_of)
    await service.store.create("c2", "ms")
    await service.store.append("c2", TranscriptEntry(Sender.CUSTOMER, REFUND_MS, "ms"))
    await service.store.append("c2", TranscriptEntry(Sender.CUSTOMER, "/request_human", "ms"))
    await service.request("c2", HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST))
    bob = await service.agents.add("bob", "pw-bob-1234", AgentRole.AGENT, "Bob")
    await desk.claim(bob, "c2")
    await settled(parts_of.assist)
    assert assistant.parsed == [REFUND_MS]  # the button's payload is no question
    [sent] = emitter.payloads(AgentEvent.SUGGESTIONS)
    assert sent["conversation_id"] == "c2"


async def test_the_summary_is_for_those_who_may_read_the_conversation(
    parts_of: Any, assistant: ScriptedAssistant
) -> None:
    await claimed_conversation(parts_of)
    assistant.events = [
        {"event": "user", "text": REFUND_MS, "parse_data": REFUND_PARSE},
        {"event": "bot", "text": "5 hari."},
    ]
    desk = AgentDesk(parts_of)
    anna = await parts_of.agents.get("anna")
    summary = await desk.assist_summary(anna, "c1")
    [question] = summary["questions"]
    assert (question["intent"], question["answers"]) == ("faq/refund_status", ["5 hari."])
    assert summary["waited_s"] is not None and summary["reason"] == "customer_request"
    other = await parts_of.agents.add("carl", "pw-carl-123", AgentRole.AGENT, "Carl")
    with pytest.raises(Exception, match="not assigned to you"):
        await desk.assist_summary(other, "c1")
    assistant.down = True
    assert (await desk.assist_summary(anna, "c1"))["complete"] is False
