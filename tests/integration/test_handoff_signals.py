"""The assistant's handoff signals, read by the gateway from Rasa's replies."""

from __future__ import annotations

import json

from redis.asyncio import Redis

from bot.core import keys
from bot.supervisor.stack import Stack
from tests.helpers import CustomerClient, domain_responses, low_confidence_texts

RESPONSES = domain_responses()


async def conversation(redis: Redis, session_id: str | None) -> dict[str, str]:
    raw = await redis.hgetall(keys.conversation_key(str(session_id)))
    return {_text(k): _text(v) for k, v in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def test_asking_for_a_person_signals_handoff(customer: CustomerClient, stack_redis: Redis) -> None:
    await customer.send("I want to talk to a real person please")
    replies = await customer.replies_until_quiet()
    assert replies[0]["text"] in RESPONSES["utter_handoff_request"]["en"]
    status = await customer.next("handoff_status")
    assert (status["state"], status["reason"]) == ("queued", "customer_request")
    assert status["position"] >= 1 and status["estimated_wait_s"] > 0
    stored = await conversation(stack_redis, customer.conversation_id)
    assert stored["state"] == "queued"
    assert stored["handoff_reason"] == "customer_request"
    assert stored["handoff_priority"] == "1"
    assert json.loads(stored["handoff_intents"])[0]["name"] == "request_human"


async def test_complaint_apologises_in_language_and_signals_high_priority(
    customer: CustomerClient, stack_redis: Redis
) -> None:
    await customer.send("Խայտառակություն է, երկու շաբաթ է պատվերս չկա և ոչ ոք չի պատասխանում!!!")
    replies = await customer.replies_until_quiet()
    assert replies[0]["text"] in RESPONSES["utter_complain"]["hy"]
    status = await customer.next("handoff_status")
    assert status["reason"] == "complaint"
    stored = await conversation(stack_redis, customer.conversation_id)
    assert stored["handoff_priority"] == "2"


async def test_low_confidence_asks_to_rephrase_once_then_hands_off(
    customer: CustomerClient, stack_redis: Redis, stack: Stack
) -> None:
    first_text, second_text = await low_confidence_texts(stack, 2)
    await customer.send(first_text, customData={"language": "fa"})
    first = await customer.replies_until_quiet()
    assert [r["text"] for r in first] == [first[0]["text"]]
    assert first[0]["text"] in RESPONSES["utter_ask_rephrase"]["fa"]
    assert (await conversation(stack_redis, customer.conversation_id))["state"] == "bot"
    await customer.send(second_text, customData={"language": "fa"})
    second = await customer.replies_until_quiet()
    assert second[0]["text"] in RESPONSES["utter_handoff_low_confidence"]["fa"]
    assert (await customer.next("handoff_status"))["reason"] == "low_confidence"
    assert (await conversation(stack_redis, customer.conversation_id))["handoff_reason"] == "low_confidence"


async def test_after_handoff_messages_are_kept_for_the_person(customer: CustomerClient, stack_redis: Redis) -> None:
    await customer.send("connect me to an agent")
    await customer.replies_until_quiet()
    await customer.send("my order number is 12345")
    ack = await customer.next("message_ack")
    ack = await customer.next("message_ack")
    assert ack["seq"] == 3
    raw = await stack_redis.lrange(keys.transcript_key(customer.conversation_id), 0, -1)
    assert json.loads(raw[-1])["text"] == "my order number is 12345"
    assert customer.queues["bot_uttered"].empty()
