"""Data controls against the real stack: Rasa's own tracker in Redis follows RETENTION_DAYS, and a supervisor
exports and deletes a customer's data (Rasa's tracker included) over the REST API; the command does the same."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable

import aiohttp
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.core.identity import identity_signature
from bot.core.paths import PROJECT_ROOT
from bot.supervisor.stack import Stack
from tests.helpers import AgentClient, CustomerClient, rasa_tracker

MakeAgent = Callable[..., Awaitable[AgentClient]]
DATA_URL = "/api/agent/customer-data"


async def chat_as(stack: Stack, gateway_url: str, customer_id: str, text: str) -> str:
    customer = CustomerClient(gateway_url)
    try:
        signature = identity_signature(stack.settings.identity_secret, customer_id)
        await customer.connect(language="en", identity={"user": {"id": customer_id}, "signature": signature})
        await customer.send(text)
        await customer.replies_until_quiet()
        return customer.conversation_id
    finally:
        await customer.close()


async def test_a_supervisor_exports_then_deletes_a_customer_rasa_tracker_included(
    stack: Stack, gateway_url: str, make_agent: MakeAgent, stack_redis: Redis
) -> None:
    conversation_id = await chat_as(stack, gateway_url, "shop-customer-9009", "how long does delivery take to Penang")
    tracker_key = f"rasa:tracker:{conversation_id}"
    # Rasa's tracker is kept as long as the conversation: RETENTION_DAYS.
    retention = stack.settings.retention_s
    assert retention - 120 < await stack_redis.ttl(tracker_key) <= retention
    assert retention - 120 < await stack_redis.ttl(keys.conversation_key(conversation_id)) <= retention

    sam = await make_agent("sam-privacy", AgentRole.SUPERVISOR)
    anna = await make_agent("anna-privacy")
    query = {"customer_id": "shop-customer-9009"}
    async with aiohttp.ClientSession(gateway_url) as http:
        async with http.get(DATA_URL, params=query) as response:
            assert response.status == 401
        async with http.get(DATA_URL, params=query, headers={"Authorization": f"Bearer {anna.token}"}) as response:
            assert response.status == 403
        supervisor = {"Authorization": f"Bearer {sam.token}"}
        async with http.get(DATA_URL, params={"email": "nope"}, headers=supervisor) as response:
            assert response.status == 400 and "email" in (await response.json())["error"]
        async with http.get(DATA_URL, params=query, headers=supervisor) as response:
            assert response.status == 200
            assert "attachment" in response.headers["Content-Disposition"]
            exported = await response.json()
        [conversation] = exported["conversations"]
        assert conversation["conversation_id"] == conversation_id
        texts = [event.get("text") for event in conversation["rasa_tracker"]["events"] if event["event"] == "user"]
        assert texts == ["how long does delivery take to Penang"]

        async with http.delete(DATA_URL, params=query, headers=supervisor) as response:
            assert response.status == 200
            assert (await response.json())["deleted"]["conversations"] == 1
    assert not await stack_redis.exists(tracker_key)
    assert not await stack_redis.exists(keys.transcript_key(conversation_id))
    # Rasa itself no longer knows the conversation.
    events = (await rasa_tracker(stack, conversation_id))["events"]
    assert not [event for event in events if event["event"] == "user"]


async def test_the_command_exports_and_deletes_for_scripts(stack: Stack, gateway_url: str, stack_redis: Redis) -> None:
    conversation_id = await chat_as(stack, gateway_url, "shop-customer-9010", "can I pay with PayPal")
    env = {**os.environ, "REDIS_URL": stack.settings.redis_url}

    async def command(*args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "handoff.privacy", *args, cwd=PROJECT_ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        return out.decode()

    exported = json.loads(await command("export", "--conversation", conversation_id))
    assert exported["conversations"][0]["transcript"][0]["text"] == "can I pay with PayPal"
    assert json.loads(await command("delete", "--customer", "shop-customer-9010"))["conversations"] == 1
    assert not await stack_redis.exists(keys.conversation_key(conversation_id))
    swept = json.loads(await command("sweep"))
    assert set(swept) == {"offline_tickets", "inbox_items", "attachment_files"}
