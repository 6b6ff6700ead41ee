"""Fault runs with the real parts, refereed by tests/ledger.py: every client's messages
against the transcripts, zero lost and zero duplicated.

- Redis killed with SIGKILL mid-chat under the production ``appendfsync everysec``.
- A gateway killed with SIGKILL while a customer and an agent talk through it:
  both come back on the other gateway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from redis.asyncio import Redis

from bot.supervisor.stack import Stack
from tests.conftest import AGENT_PASSWORD
from tests.helpers import AgentClient, GatewayProcess, RedisServer
from tests.ledger import ResendingCustomer, check, summary, transcript

MESSAGES = [
    "hello",
    "how can I track my parcel",
    "Ինչպե՞ս վերադարձնել ապրանքը",
    "چه روش‌های پرداختی دارید؟",
    "bila barang saya sampai?",
    "thanks, bye",
]


async def test_redis_killed_mid_chat_under_everysec_loses_and_repeats_nothing(stack: Stack, tmp_path: Path) -> None:
    redis_server = RedisServer(tmp_path, appendonly=True, appendfsync="everysec")
    redis_server.start()
    gateway = GatewayProcess.beside(stack.settings, redis_server.url)
    gateway.start()
    customers = [ResendingCustomer(gateway.url, f"c{index}") for index in range(4)]

    async def chat(customer: ResendingCustomer) -> None:
        await customer.connect()
        for text in MESSAGES:
            await customer.deliver(text)
            await asyncio.sleep(0.3)

    async def crash() -> None:
        await asyncio.sleep(2.5)
        redis_server.kill()
        await asyncio.sleep(2.0)
        redis_server.start()  # same port and folder: the append-only file is all that is left

    try:
        await asyncio.gather(crash(), *(chat(customer) for customer in customers))
        await asyncio.sleep(2.0)  # the last replies
        redis = Redis.from_url(redis_server.url)
        reports = []
        for customer in customers:
            await customer.catch_up()
            reports.append(check(customer, await transcript(redis, customer.conversation_id)))
        await redis.aclose()
        print("redis SIGKILL, everysec:", summary(customers, reports))
        for customer, report in zip(customers, reports, strict=True):
            assert report.clean, (customer.name, report)
            assert len(customer.acked) == len(MESSAGES)
        assert sum(customer.reconnects for customer in customers) == 0, "the gateway outlived Redis"
    finally:
        for customer in customers:
            await customer.close()
        gateway.stop()
        redis_server.stop()


async def test_a_gateway_killed_mid_chat_customer_and_agent_go_on_through_the_other(
    stack: Stack, stack_redis: Redis, agent_account: Callable[..., Awaitable[str]]
) -> None:
    await agent_account("faye", "Faye")
    doomed, survivor = GatewayProcess.beside(stack.settings), GatewayProcess.beside(stack.settings)
    doomed.start()
    survivor.start()
    customer = ResendingCustomer(doomed.url, "gk")
    agent = AgentClient(doomed.url)
    try:
        await agent.login("faye", AGENT_PASSWORD)
        await agent.connect()
        await customer.connect()
        await customer.deliver("I want to talk to a person")
        conversation_id = customer.conversation_id
        await agent.wait_for_queue_with(conversation_id)
        assert (await agent.call("claim", {"conversation_id": conversation_id}))["ok"]
        assert (await agent.call("reply", {"conversation_id": conversation_id, "text": "Hi, Faye here"}))["ok"]
        await customer.deliver("my order 4471 is late")
        await agent.next_message(conversation_id, "customer")

        doomed.kill()
        # The load balancer sends both to the gateway still standing; the console keeps its token.
        customer.url = survivor.url
        token, agent = agent.token, AgentClient(survivor.url)
        await agent.connect(token)
        await customer.deliver("are you still there?")
        seen_by_agent = await agent.call("open", {"conversation_id": conversation_id})
        assert seen_by_agent["ok"] and seen_by_agent["conversation"]["agent"] == "faye", "still Faye's chat"
        reply = await agent.call("reply", {"conversation_id": conversation_id, "text": "Yes, it ships today"})
        assert reply["ok"]
        await asyncio.sleep(1.0)
        await customer.catch_up()
        stored = await transcript(stack_redis, conversation_id)
        report = check(customer, stored)
        print("gateway SIGKILL:", summary([customer], [report]))
        assert report.clean, report
        assert customer.reconnects >= 1
        texts = [entry["text"] for entry in seen_by_agent["transcript"]]
        for text in ("I want to talk to a person", "my order 4471 is late", "are you still there?"):
            assert texts.count(text) == 1, (text, texts)
        assert customer.received[reply["entry"]["seq"]]["text"] == "Yes, it ships today"
    finally:
        await customer.close()
        await agent.close()
        doomed.stop()
        survivor.stop()
