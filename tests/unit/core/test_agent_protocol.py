"""The agent protocol: request checks, refusals and the payloads the console receives."""

from __future__ import annotations

import pytest

from bot.core.agent_protocol import (
    MAX_AGENT_TEXT_CHARS,
    AgentErrorCode,
    AgentRequestError,
    agent_room,
    conversation_id_of,
    conversation_update_payload,
    customer_typing_payload,
    message_payload,
    queue_payload,
    text_of,
)
from bot.core.conversations import Sender, TranscriptEntry


def test_requests_name_a_conversation() -> None:
    assert conversation_id_of({"conversation_id": "abc"}) == "abc"
    for bad in (None, "abc", {}, {"conversation_id": ""}, {"conversation_id": 7}, {"conversation_id": "x" * 101}):
        with pytest.raises(AgentRequestError) as refused:
            conversation_id_of(bad)
        assert refused.value.code is AgentErrorCode.BAD_REQUEST


def test_texts_are_trimmed_and_bounded() -> None:
    assert text_of({"text": "  hello  "}) == "hello"
    with pytest.raises(AgentRequestError) as empty:
        text_of({"text": "   "})
    assert empty.value.code is AgentErrorCode.BAD_REQUEST
    with pytest.raises(AgentRequestError) as long:
        text_of({"text": "x" * (MAX_AGENT_TEXT_CHARS + 1)})
    assert long.value.code is AgentErrorCode.TOO_LONG


def test_a_refusal_becomes_one_acknowledgement_shape() -> None:
    assert AgentRequestError(AgentErrorCode.NOT_FOUND).to_ack() == {
        "ok": False,
        "error": "not_found",
        "message": "not found",
    }
    assert AgentRequestError(AgentErrorCode.FORBIDDEN, "supervisors only").to_ack()["message"] == "supervisors only"


def test_payloads() -> None:
    entry = TranscriptEntry(Sender.NOTE, "<b>call back</b>", "fa", ts=1.0, seq=4)
    assert message_payload("c1", entry) == {"conversation_id": "c1", "entry": entry.to_public()}
    assert message_payload("c1", entry)["entry"]["text"] == "<b>call back</b>", "text stays text; the console escapes"
    assert customer_typing_payload("c1", True) == {"conversation_id": "c1", "on": True}
    assert queue_payload(iter([{"conversation_id": "c1"}]), 2) == {
        "waiting": [{"conversation_id": "c1"}],
        "agents_online": 2,
    }
    assert conversation_update_payload({"state": "assigned"}) == {"conversation": {"state": "assigned"}}
    assert agent_room("anna") == "agent:anna"
