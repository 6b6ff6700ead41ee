"""Redis or Rasa going away mid-conversation: the customer is told, nothing is lost."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from redis.asyncio import Redis

from bot.core import keys
from bot.core.customer_text import customer_text
from bot.supervisor.stack import Stack, is_rasa_worker
from tests.helpers import (
    CustomerClient,
    GatewayProcess,
    RedisServer,
    domain_responses,
    free_port,
    low_confidence_texts,
)


async def test_redis_restart_mid_conversation_loses_nothing(stack: Stack, tmp_path: Path) -> None:
    redis_server = RedisServer(tmp_path, appendonly=True)
    redis_server.start()
    gateway = GatewayProcess.beside(stack.settings, redis_server.url)
    gateway.start()
    customer = CustomerClient(gateway.url)
    try:
        await customer.connect()
        await customer.send("hello", client_message_id="m1")
        await customer.replies_until_quiet()

        redis_server.stop()
        await customer.send("where is my parcel", client_message_id="m2")
        error = await customer.next("error_message")
        assert error["code"] == "service_unavailable"
        assert customer.queues["message_ack"].qsize() == 1  # only m1 was acknowledged

        redis_server.start()  # same port and folder: the append-only file brings the data back
        await customer.send("where is my parcel", client_message_id="m2")
        replies = await customer.replies_until_quiet()
        assert replies[0]["metadata"]["language"] == "en"
        redis = Redis.from_url(redis_server.url)
        raw = await redis.lrange(keys.transcript_key(customer.conversation_id), 0, -1)
        await redis.aclose()
        assert [json.loads(item)["sender"] for item in raw] == ["customer", "bot", "customer", "bot"]
    finally:
        await customer.close()
        gateway.stop()
        redis_server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def silent_rasa() -> AsyncIterator[str]:
    """An HTTP server that accepts Rasa's webhook and never answers."""

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(60)
        return web.json_response([])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_assistant_not_answering_in_time_apologises_and_hands_off(stack: Stack, silent_rasa: str) -> None:
    gateway = GatewayProcess.beside(stack.settings, RASA_URL=silent_rasa, RASA_TIMEOUT_S="1")
    gateway.start()
    customer = CustomerClient(gateway.url)
    try:
        await customer.connect()
        await customer.send("Ե՞րբ կհասնի պատվերս")
        replies = await customer.replies_until_quiet()
        assert replies[0]["text"] == customer_text("hy", "assistant_unavailable")
        status = await customer.next("handoff_status")
        assert (status["state"], status["reason"]) == ("queued", "assistant_unavailable")
    finally:
        await customer.close()
        gateway.stop()


@pytest.mark.outage
async def test_action_server_stopped_the_customer_is_still_queued_never_promised_in_vain(
    stack: Stack, customer: CustomerClient, stack_redis: Redis
) -> None:
    """Runs before the Rasa outage below (outage tests keep their order): Rasa stays up."""
    await stack.children["actions"].stop()
    try:
        await customer.send("I want to talk to a person", customData={"language": "en"})
        replies = await customer.replies_until_quiet()
        assert replies[0]["text"] in domain_responses()["utter_handoff_request"]["en"]
        status = await customer.next("handoff_status")
        assert (status["state"], status["reason"]) == ("queued", "customer_request")
        other = CustomerClient(customer.url)
        try:
            await other.connect()
            [unsure] = await low_confidence_texts(stack, 1)
            await other.send(unsure, customData={"language": "en"})  # the fallback is an action
            replies = await other.replies_until_quiet()
            assert replies[0]["text"] == customer_text("en", "assistant_unavailable")
            assert (await other.next("handoff_status"))["reason"] == "assistant_unavailable"
        finally:
            await other.close()
    finally:
        await stack.children["actions"].start()
        await stack_redis.delete(keys.handoff_queue_key())


@pytest.mark.outage
async def test_rasa_stopped_mid_conversation(
    stack: Stack, customer: CustomerClient, stack_redis: Redis, gateway_url: str
) -> None:
    await customer.send("terima kasih")
    await customer.replies_until_quiet()
    workers = [child for name, child in stack.children.items() if is_rasa_worker(name)]
    assert len(workers) == 2
    # One worker of the pool gone: the other answers, whichever the conversation had.
    await workers[0].stop()
    await customer.send("terima kasih banyak")
    replies = await customer.replies_until_quiet()
    assert replies[0]["text"] != customer_text("ms", "assistant_unavailable")
    # Every worker gone: the customer is told and handed to a person.
    await workers[1].stop()
    await customer.send("bila barang saya sampai?")
    replies = await customer.replies_until_quiet()
    assert replies[0]["text"] == customer_text("ms", "assistant_unavailable")
    assert (await customer.next("handoff_status"))["reason"] == "assistant_unavailable"
    conversation = await stack_redis.hgetall(keys.conversation_key(customer.conversation_id))
    assert conversation[b"state"] == b"queued"
    raw = await stack_redis.lrange(keys.transcript_key(customer.conversation_id), 0, -1)
    stored = [json.loads(item) for item in raw]
    # The message is kept, then the apology.
    assert (stored[-2]["sender"], stored[-2]["text"]) == ("customer", "bila barang saya sampai?")
    import aiohttp

    async with aiohttp.ClientSession() as http, http.get(f"{gateway_url}/readyz") as response:
        assert response.status == 503
        assert (await response.json())["checks"]["rasa"] is False
