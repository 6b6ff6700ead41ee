"""The pool of Rasa workers on the real stack (two `rasa run` processes sharing Redis): conversations at once,
each one's turns answered in order, none lost."""

from __future__ import annotations

import asyncio
import itertools
import json

from redis.asyncio import Redis

from bot.core import keys
from bot.supervisor.stack import Stack, is_rasa_worker
from tests.helpers import CustomerClient, domain_responses

QUESTIONS = ["hello", "where is my order", "how do i return something", "thanks, bye"]


async def test_many_conversations_at_once_over_two_workers_each_in_order(
    stack: Stack, gateway_url: str, stack_redis: Redis
) -> None:
    assert sum(is_rasa_worker(name) for name in stack.children) == 2
    assert len(stack.settings.resolved_rasa_urls) == 2
    responses = domain_responses()
    customers = [CustomerClient(gateway_url) for _ in range(12)]

    async def converse(customer: CustomerClient) -> None:
        await customer.connect(language="en")
        for question in QUESTIONS:
            # Sent one after the other without waiting for the answer: the turns must still come in order.
            await customer.send(question, customData={"language": "en"})

    try:
        await asyncio.gather(*(converse(customer) for customer in customers))
        for customer in customers:
            deadline = asyncio.get_running_loop().time() + 60
            while True:
                raw = await stack_redis.lrange(keys.transcript_key(customer.conversation_id), 0, -1)
                entries = [json.loads(item) for item in raw]
                if sum(entry["sender"] == "bot" for entry in entries) >= len(QUESTIONS):
                    break
                assert asyncio.get_running_loop().time() < deadline, entries
                await asyncio.sleep(0.5)
            asked = [entry["text"] for entry in entries if entry["sender"] == "customer"]
            assert asked == QUESTIONS
            # Each question is answered before the next one is read: never two questions in a row.
            senders = [entry["sender"] for entry in entries if entry["sender"] in ("customer", "bot")]
            assert senders[0] == "customer" and senders[-1] == "bot"
            assert all(not (a == b == "customer") for a, b in itertools.pairwise(senders))
            first_answer = next(e["text"] for e in entries if e["sender"] == "bot")
            assert first_answer in responses["utter_greet"]["en"]
    finally:
        await asyncio.gather(*(customer.close() for customer in customers), return_exceptions=True)
